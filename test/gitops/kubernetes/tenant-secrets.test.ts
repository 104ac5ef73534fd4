import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../../gitops/kubernetes/tenants/bundle.js';
import {
  ORGANIZATION_SESSION_TAG,
  SecretStore,
  tenantSecretPrefix,
} from '../../../gitops/kubernetes/tenants/external-secrets.js';
import { renderTenant, renderTenants, type TenantInput } from '../../../gitops/kubernetes/tenants/render.js';
import { validSpec } from '../../support/fixtures.js';
import { tenantsOfOneCluster } from './arbitraries.js';
import { type KubeObject, parseYamlObjects } from './models.js';

/*
 * Tenant secrets: the SecretStore the renderer gives each tenant namespace, and the IAM policies
 * Terraform writes for the organization's role (gitops/terraform/modules/tenant-secrets), read
 * from the module itself. IAM ARN patterns are matched with IAM's own glob rules (`*` any run of
 * characters, `/` included; `?` one character).
 */

const TERRAFORM = path.resolve(import.meta.dirname, '../../../gitops/terraform/modules');
const moduleMain = readFileSync(path.join(TERRAFORM, 'tenant-secrets/main.tf'), 'utf8');
const moduleVariables = readFileSync(path.join(TERRAFORM, 'tenant-secrets/variables.tf'), 'utf8');
const computeMain = readFileSync(path.join(TERRAFORM, 'compute/main.tf'), 'utf8');

/** The tenant-secrets module's default secret prefix (variables.tf). */
const TERRAFORM_PREFIX =
  /variable "secret_prefix" \{[^}]*?default\s*=\s*"([^"]+)"/s.exec(moduleVariables)?.[1] ?? '';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
/** The resource pattern of an organization's read policy, as the module writes it. */
const readPattern = (organization: string) =>
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${TERRAFORM_PREFIX}${organization}/*`;
/** The node role's assume-role pattern for a cluster, as the compute module writes it. */
const assumePattern = (cluster: string) => `arn:aws:iam::${ACCOUNT}:role/slipway/tenant-secrets/${cluster}/*`;
/** A shared cluster's one tenant role, as the module names and places it. */
const sharedRoleArn = (cluster: string) =>
  `arn:aws:iam::${ACCOUNT}:role/slipway/tenant-secrets/${cluster}/slipway-secrets-fedcba9876543210fedc`;
/**
 * The shared role's read pattern as IAM evaluates it for one request: the module's resource with
 * the policy variable ${aws:PrincipalTag/slipway-org} replaced by the session's tag (read from the
 * module's own text, not retyped).
 */
const sharedReadPattern = (sessionTag: string) => {
  const resource = /data "aws_iam_policy_document" "read_tagged" \{.*?resources\s*=\s*\["([^"]+)"\]/s.exec(
    moduleMain,
  )?.[1];
  if (!resource) throw new Error('modules/tenant-secrets has no read_tagged resource');
  // Terraform's own text: %{...} stands for an HCL interpolation, $%{...} for its escaped (literal) form.
  const hcl = (text: string) => text.replaceAll('%{', '$' + '{');
  return resource
    .replace(hcl('%{local.secret_arn_base}'), `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret`)
    .replace(hcl('%{var.secret_prefix}'), TERRAFORM_PREFIX)
    .replace(hcl('$%{aws:PrincipalTag/%{local.organization_tag}}'), sessionTag);
};
const roleArn = (cluster: string, organization: string) =>
  `arn:aws:iam::${ACCOUNT}:role/slipway/tenant-secrets/${cluster}/${organization}/slipway-secrets-0123456789abcdef0123`;

function iamGlob(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

const objectsOf = (input: TenantInput | TenantInput[]) =>
  (Array.isArray(input) ? renderTenants(input) : renderTenant(input)).flatMap((file) =>
    parseYamlObjects(toYaml(file)),
  );

const stores = (objects: KubeObject[]) => objects.filter((object) => object.kind === 'SecretStore');
type StoreSpec = {
  provider: {
    aws: {
      role: string;
      prefix: string;
      region: string;
      service: string;
      sessionTags?: { key: string; value: string }[];
    };
  };
};

describe('tenant SecretStores', () => {
  const acme = (): TenantInput => ({
    organization: 'acme',
    environment: 'prod',
    spec: validSpec(),
    secrets: { roleArn: roleArn('acme-prod', 'acme') },
  });

  it("renders one store per namespace: Secrets Manager in the spec's region, the organization's role and prefix", () => {
    const input = acme();
    const rendered = stores(objectsOf(input));
    expect(rendered.map((store) => store.metadata.namespace)).toEqual(
      input.spec.namespaces.map((ns) => `acme-prod-${ns.name}`),
    );
    for (const store of rendered) {
      expect(store.apiVersion).toBe('external-secrets.io/v1');
      expect(store.metadata.name).toBe('slipway-secrets');
      expect((store.spec as StoreSpec).provider.aws).toEqual({
        service: 'SecretsManager',
        region: input.spec.region,
        role: roleArn('acme-prod', 'acme'),
        prefix: 'slipway-tenants/acme/',
      });
    }
  });

  it("on a shared cluster: the cluster's one tenant role, with the session tag naming the organization", () => {
    const input = { ...acme(), secrets: { roleArn: sharedRoleArn('cluster-shared-eu') } };
    const rendered = stores(objectsOf(input));
    expect(rendered).toHaveLength(input.spec.namespaces.length);
    for (const store of rendered) {
      expect((store.spec as StoreSpec).provider.aws).toEqual({
        service: 'SecretsManager',
        region: input.spec.region,
        role: sharedRoleArn('cluster-shared-eu'),
        prefix: 'slipway-tenants/acme/',
        sessionTags: [{ key: 'slipway-org', value: 'acme' }],
      });
    }
    // An organization's own role needs no tag (its policy names the prefix); its trust has no TagSession.
    const own = stores(objectsOf(acme()))[0]?.spec as StoreSpec;
    expect(own.provider.aws.sessionTags).toBeUndefined();
    // The store's schema takes exactly one slipway-org tag.
    const twoTags = new SecretStore({
      metadata: { name: 'x', namespace: 'acme-prod-payments' },
      spec: {
        provider: {
          aws: {
            service: 'SecretsManager',
            region: REGION,
            role: sharedRoleArn('c'),
            prefix: 'slipway-tenants/acme/',
            sessionTags: [
              { key: 'slipway-org', value: 'acme' },
              { key: 'slipway-org', value: 'globex' },
            ],
          },
        },
      },
    });
    expect(() => twoTags.validate()).toThrow(/sessionTags/);
  });

  it('reads the tagged prefix only through the shared role, whose trust demands that tag and no other (module text)', () => {
    const hcl = (text: string) => text.replaceAll('%{', '$' + '{');
    expect(ORGANIZATION_SESSION_TAG).toBe(/organization_tag = "([^"]+)"/.exec(moduleMain)?.[1]);
    expect(moduleMain).toContain('actions = ["sts:AssumeRole", "sts:TagSession"]');
    expect(moduleMain).toContain(hcl('variable = "aws:RequestTag/%{local.organization_tag}"'));
    expect(moduleMain).toMatch(
      /test\s*=\s*"ForAllValues:StringEquals"\s*variable\s*=\s*"aws:TagKeys"\s*values\s*=\s*\[local\.organization_tag\]/,
    );
    expect(moduleMain).toContain(
      hcl('path                 = "/slipway/tenant-secrets/%{var.cluster_name}/"'),
    );
    expect(sharedReadPattern('acme')).toBe(readPattern('acme'));
    expect(computeMain).toContain('actions   = ["sts:TagSession"]');
  });

  it("refuses another organization's role, naming the field", () => {
    expect(() => renderTenant({ ...acme(), secrets: { roleArn: roleArn('acme-prod', 'globex') } })).toThrow(
      /secrets\.roleArn .* is not a tenant secrets role of organization 'acme'/,
    );
    expect(() =>
      renderTenant({ ...acme(), secrets: { roleArn: 'arn:aws:iam::123456789012:role/admin' } }),
    ).toThrow(/secrets\.roleArn/);
  });

  it('renders no store without a role (the renderer alone), and validation has teeth', () => {
    expect(stores(objectsOf({ ...acme(), secrets: undefined }))).toEqual([]);
    const bad = new SecretStore({
      metadata: { name: 'x', namespace: 'acme-prod-payments' },
      spec: {
        provider: {
          aws: { service: 'SecretsManager', region: REGION, role: roleArn('c', 'acme'), prefix: 'slipway/' },
        },
      },
    });
    expect(() => bad.validate()).toThrow(/prefix/);
  });

  it("uses the Terraform module's prefix, and a read policy and trust that name the organization and the node role only", () => {
    expect(TERRAFORM_PREFIX).toBe('slipway-tenants/');
    expect(tenantSecretPrefix('acme')).toBe(`${TERRAFORM_PREFIX}acme/`);
    // Terraform's own text: %{...} stands for an HCL interpolation.
    const hcl = (text: string) => text.replaceAll('%{', '$' + '{');
    expect(moduleMain).toContain(
      hcl('resources = ["%{local.secret_arn_base}:%{var.secret_prefix}%{each.key}/*"]'),
    );
    expect(moduleMain).toContain(
      'actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]',
    );
    expect(moduleMain).toContain('identifiers = [var.node_role_arn]');
    expect(moduleMain).toContain(
      hcl('path                 = "/slipway/tenant-secrets/%{var.cluster_name}/%{each.key}/"'),
    );
    expect(computeMain).toContain(
      hcl(
        'resources = ["arn:%{data.aws_partition.current.partition}:iam::%{data.aws_caller_identity.current.account_id}:role/slipway/tenant-secrets/%{var.name}/*"]',
      ),
    );
  });

  it('for any organizations sharing a cluster, with roles of their own or the shared one: no SecretStore, secret name or role of one reaches another', () => {
    fc.assert(
      fc.property(
        tenantsOfOneCluster,
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (tenants, keys, shared) => {
          const cluster = 'shared-prod';
          const inputs = tenants.map((tenant) => ({
            ...tenant,
            spec: { ...tenant.spec, kubernetesVersion: '1.30' as const, ciliumVersion: '1.16' as const },
            secrets: { roleArn: shared ? sharedRoleArn(cluster) : roleArn(cluster, tenant.organization) },
          }));
          let objects: KubeObject[];
          try {
            objects = objectsOf(inputs);
          } catch (error) {
            // Two tenants whose namespace names collide are refused (another property covers it).
            if (error instanceof Error && error.name === 'TenantRenderError') return;
            throw error;
          }
          const owner = new Map(
            objects
              .filter((object) => object.kind === 'Namespace')
              .map((ns) => [ns.metadata.name, ns.metadata.labels?.['slipway.io/organization']]),
          );
          const rendered = stores(objects);
          expect(rendered.length).toBe(
            inputs.reduce((count, input) => count + input.spec.namespaces.length, 0),
          );
          for (const store of rendered) {
            const organization = owner.get(store.metadata.namespace ?? '') ?? '';
            const aws = (store.spec as StoreSpec).provider.aws;
            expect(aws.prefix).toBe(tenantSecretPrefix(organization));
            expect(aws.role).toBe(shared ? sharedRoleArn(cluster) : roleArn(cluster, organization));
            // Through the shared role, IAM reads the prefix of the session's tag: the store's own organization.
            expect(aws.sessionTags).toEqual(
              shared ? [{ key: 'slipway-org', value: organization }] : undefined,
            );
            const granted = shared
              ? sharedReadPattern(aws.sessionTags?.[0]?.value ?? '')
              : readPattern(organization);
            for (const other of inputs.map((input) => input.organization)) {
              for (const key of keys) {
                // What the store reads for any key a tenant writes: its prefix + key; another's is refused.
                expect(iamGlob(granted, secretArn(`${aws.prefix}${key}`))).toBe(true);
                expect(iamGlob(granted, secretArn(`${tenantSecretPrefix(other)}${key}`))).toBe(
                  other === organization,
                );
                expect(iamGlob(readPattern(other), secretArn(`${aws.prefix}${key}`))).toBe(
                  other === organization,
                );
              }
            }
            // The node role may assume the roles of this cluster only.
            expect(iamGlob(assumePattern(cluster), aws.role)).toBe(true);
            expect(iamGlob(assumePattern('other-prod'), aws.role)).toBe(false);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});

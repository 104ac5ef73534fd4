/**
 * The tenant renderer: from a validated environment spec, the typed Kubernetes objects that make
 * an organization's environment a tenant of its cluster — namespaces with quotas and limit ranges,
 * default-deny Cilium policies, RBAC, the deployer service account Argo CD syncs as, and the
 * organization's AppProject and ApplicationSet — plus the platform's cluster-wide objects.
 * Objects are kubernetes-models instances, so the compiler catches misspelt fields and
 * `.validate()` checks them against the API schemas.
 */
import type { Model } from '@kubernetes-models/base';
import {
  type EnvironmentSpec,
  l7HttpPorts,
  tenantNamespace,
  validateEnvironmentSpec,
} from '../../../functions/domain/environment-spec.js';
import { tenantAdmissionPolicies } from './admission.js';
import { applicationSet, appProject, type ExpectedApplication, expectedApplications } from './argocd.js';
import { isTenantSecretsRoleOf, tenantSecretStore } from './external-secrets.js';
import { LABEL_MANAGED_BY, tenantLabels } from './labels.js';
import { limitRange, namespace, resourceQuota } from './namespaces.js';
import { defaultDenyPolicy, platformFencePolicies } from './network-policy.js';
import { deployerAccount, namespaceRbac, organizationClusterRbac, platformRbac } from './rbac.js';
import { type SharedTenantsSource, sharedTenantsApplicationSet } from './shared.js';

export type { ExpectedApplication } from './argocd.js';

export interface TenantInput {
  readonly organization: string;
  readonly environment: string;
  readonly spec: EnvironmentSpec;
  /**
   * The organization's External Secrets role on this cluster (Terraform output
   * tenant_secrets_role_arns): each tenant namespace gets a SecretStore through it. Absent: no
   * SecretStore (the argocd phase always passes it; the renderer alone may leave it out).
   */
  readonly secrets?: { readonly roleArn: string };
}

/** A group of objects written to one file of the bundle. */
export interface ManifestFile {
  readonly file: string;
  readonly objects: readonly Model<unknown>[];
}

/** Thrown when the input would render an invalid or unsafe bundle; the message names the field. */
export class TenantRenderError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TenantRenderError';
  }
}

/** The namespaces an organization's environment owns, in spec order. */
export function tenantNamespaces(input: TenantInput): string[] {
  return input.spec.namespaces.map((ns) => tenantNamespace(input.organization, input.environment, ns.name));
}

/** The shared validator, with the organization and environment as context; throws on bad input. */
function checkedSpec(input: TenantInput): EnvironmentSpec {
  const checked = validateEnvironmentSpec(input.spec, input);
  if (!checked.ok) throw new TenantRenderError(checked.issues.map((i) => i.message).join('; '));
  return checked.spec;
}

/**
 * The Argo CD Applications that the rendered ApplicationSet generates for this environment, in
 * spec order: what the bootstrap phase waits for (written by the CLI's --expected-applications).
 */
export function tenantApplications(input: TenantInput): ExpectedApplication[] {
  return expectedApplications(input.organization, input.environment, checkedSpec(input));
}

/**
 * Renders one organization's environment. Re-validates the input with the shared validator (with
 * the organization and environment as context), so no caller can render a namespace name that is
 * not a DNS-1123 label of at most 63 characters.
 */
export function renderTenant(input: TenantInput): ManifestFile[] {
  const spec = checkedSpec(input);
  const { organization, environment } = input;
  const labels = tenantLabels({ organization, environment, tier: spec.tier });
  const namespaces = tenantNamespaces(input);
  const roleArn = input.secrets?.roleArn;
  if (roleArn !== undefined && !isTenantSecretsRoleOf(roleArn, organization)) {
    throw new TenantRenderError(
      `secrets.roleArn '${roleArn}' is not a tenant secrets role of organization '${organization}' (role/slipway/tenant-secrets/<cluster>/${organization}/...)`,
    );
  }

  const perNamespace = spec.namespaces.map((ns, index): ManifestFile => {
    const name = namespaces[index] ?? tenantNamespace(organization, environment, ns.name);
    return {
      file: `namespace-${name}.yaml`,
      objects: [
        namespace(name, labels, spec.kubernetesVersion),
        resourceQuota(name, ns, labels),
        limitRange(name, ns, labels),
        defaultDenyPolicy(name, labels, {
          fromIngress: spec.ingress !== undefined,
          httpPorts: l7HttpPorts(ns.observability),
        }),
        ...namespaceRbac(organization, ns.name, name, labels),
        ...(roleArn === undefined
          ? []
          : [tenantSecretStore(name, organization, spec.region, roleArn, labels)]),
      ],
    };
  });
  return [
    ...perNamespace,
    {
      file: `cluster-rbac-${organization}.yaml`,
      objects: organizationClusterRbac(organization, namespaces, labels),
    },
    {
      file: `argocd-${organization}.yaml`,
      objects: [
        deployerAccount(organization, labels),
        appProject(organization, environment, spec, namespaces, labels),
        applicationSet(organization, environment, spec, labels),
      ],
    },
  ];
}

/**
 * Renders several tenants that share one cluster. Namespace names are `<org>-<env>-<name>` and
 * labels may contain '-', so two different tenants can produce the same name (org `a` env `b-c`
 * and org `a-b` env `c`); that would put one organization's namespace in another's AppProject,
 * so it is refused here, naming both owners.
 */
export function renderTenants(inputs: readonly TenantInput[]): ManifestFile[] {
  const organizations = new Set<string>();
  const owners = new Map<string, string>();
  for (const input of inputs) {
    // AppProject and ClusterRole names are per organization: one entry per organization per cluster.
    if (organizations.has(input.organization)) {
      throw new TenantRenderError(`organization '${input.organization}' is listed twice for one cluster`);
    }
    organizations.add(input.organization);
    const owner = `${input.organization}/${input.environment}`;
    for (const name of tenantNamespaces(input)) {
      const previous = owners.get(name);
      if (previous !== undefined && previous !== owner) {
        throw new TenantRenderError(`namespace '${name}' would belong to both ${previous} and ${owner}`);
      }
      owners.set(name, owner);
    }
  }
  // The platform objects' API versions follow the cluster's Kubernetes version. A cluster runs one
  // version (each environment is its own cluster today); should tenants of a shared cluster name
  // different ones, the oldest decides, the version the cluster is held back to.
  const [version] = inputs
    .map((input) => input.spec.kubernetesVersion)
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  // One cluster, one load balancer, one ingress domain (a shared cluster's tenants inherit it).
  const domains = [...new Set(inputs.flatMap((input) => input.spec.ingress?.domain ?? []))];
  if (domains.length > 1) {
    throw new TenantRenderError(
      `tenants of one cluster name different ingress domains: ${domains.join(', ')}`,
    );
  }
  return [
    ...inputs.flatMap((input) => renderTenant(input)),
    ...(version === undefined ? [] : renderPlatform(version, undefined, domains[0])),
  ];
}

/**
 * Cluster-wide objects that belong to no organization: the platform team's cluster-admin binding,
 * the Cilium fence between tenant and platform namespaces, the admission policies on tenant
 * Services, ExternalSecrets and Ingresses (their API version depends on the cluster's Kubernetes
 * version; the Ingress hosts on the cluster's ingress domain, none without one) and, on a shared
 * cluster, the ApplicationSet that reconciles each tenant's directory (shared.ts).
 */
export function renderPlatform(
  kubernetesVersion: string,
  shared?: SharedTenantsSource,
  ingressDomain?: string,
): ManifestFile[] {
  const labels = { [LABEL_MANAGED_BY]: 'slipway' };
  return [
    { file: 'platform-rbac.yaml', objects: [platformRbac(labels)] },
    { file: 'platform-network-fence.yaml', objects: platformFencePolicies(labels) },
    {
      file: 'platform-admission.yaml',
      objects: tenantAdmissionPolicies(kubernetesVersion, labels, ingressDomain),
    },
    ...(shared ? [{ file: 'shared-tenants.yaml', objects: [sharedTenantsApplicationSet(shared)] }] : []),
  ];
}

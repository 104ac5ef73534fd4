import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../../gitops/kubernetes/tenants/bundle.js';
import { renderTenants, type TenantInput } from '../../../gitops/kubernetes/tenants/render.js';
import { validSpec } from '../../support/fixtures.js';
import { admitted as admittedBy, type BindingSpec, type PolicySpec } from './admission-model.js';
import { admits, evaluate } from './cel-subset.js';
import { type KubeObject, parseYamlObjects, validateWithModel } from './models.js';

/*
 * The platform's ValidatingAdmissionPolicies, as rendered, against the hostile tenant fixture: the
 * policies' own CEL expressions are evaluated (cel-subset.ts) for each object as the API server
 * would for a CREATE in acme's namespace, after matching the binding's namespace selector and the
 * policy's resource rules.
 */

const FIXTURES = path.join(import.meta.dirname, 'fixtures/hostile-tenant');
const fixture = (file: string) => parseYamlObjects(readFileSync(path.join(FIXTURES, file), 'utf8'));

/** The cluster's ingress domain in these tests (the fixture's hosts are under it). */
const INGRESS = { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };

/** The rendered cluster; `ingress` null renders a cluster without an ingress domain. */
function render(kubernetesVersion = '1.30', ingress: typeof INGRESS | null = INGRESS): KubeObject[] {
  const spec = { ...validSpec(), ...(ingress ? { ingress } : {}) };
  spec.kubernetesVersion = kubernetesVersion as typeof spec.kubernetesVersion;
  if (kubernetesVersion === '1.29') spec.ciliumVersion = '1.16';
  const acme: TenantInput = { organization: 'acme', environment: 'prod', spec };
  return renderTenants([acme]).flatMap((file) => parseYamlObjects(toYaml(file)));
}

const objects = render();
const namespaceObject = objects.find(
  (object) => object.kind === 'Namespace' && object.metadata.name === 'acme-prod-payments',
);

/** Whether the API server admits OBJECT in a namespace labelled NAMESPACE_LABELS (this cluster by default). */
function admitted(object: KubeObject, namespaceLabels: Record<string, string>, cluster = objects): boolean {
  return admittedBy(object, namespaceLabels, cluster);
}

const tenantLabels = namespaceObject?.metadata.labels ?? {};

describe('the tenant admission policies (Services, ExternalSecrets)', () => {
  it('is rendered once, validates with kubernetes-models, denies and fails closed', () => {
    const policies = objects.filter((object) => object.kind === 'ValidatingAdmissionPolicy');
    const bindings = objects.filter((object) => object.kind === 'ValidatingAdmissionPolicyBinding');
    expect(policies.map((policy) => policy.metadata.name)).toEqual([
      'slipway-tenant-services',
      'slipway-tenant-external-secrets',
      'slipway-tenant-ingresses',
    ]);
    expect(bindings).toHaveLength(3);
    for (const object of [...policies, ...bindings]) validateWithModel(object);
    for (const policy of policies) expect((policy.spec as PolicySpec).failurePolicy).toBe('Fail');
    for (const binding of bindings) expect((binding.spec as BindingSpec).validationActions).toEqual(['Deny']);
  });

  it.each(fixture('hostile-fields.yaml').map((object) => [object.metadata.name, object] as const))(
    'refuses the hostile object %s in a tenant namespace',
    (_, object) => {
      expect(admitted(object, tenantLabels)).toBe(false);
    },
  );

  it.each(
    fixture('allowed.yaml').map((object) => [`${object.kind} ${object.metadata.name}`, object] as const),
  )('admits %s from the allowed fixture', (_, object) => {
    expect(admitted(object, tenantLabels)).toBe(true);
  });

  it('leaves platform namespaces alone (an ExternalName Service in monitoring is admitted)', () => {
    const externalName = fixture('hostile-fields.yaml').find(
      (object) => object.metadata.name === 'alertmanager',
    );
    expect(externalName).toBeDefined();
    if (externalName)
      expect(admitted(externalName, { 'kubernetes.io/metadata.name': 'monitoring' })).toBe(true);
  });

  it('refuses a Service whose externalIPs list is present but emptied later only when it is non-empty', () => {
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'empty' },
      spec: { externalIPs: [], ports: [{ port: 80 }] },
    };
    expect(admitted(service, tenantLabels)).toBe(true);
  });

  it("refuses acme's own Ingress in a namespace of another organization (the hosts follow the namespace's label)", () => {
    const ingress = fixture('allowed.yaml').find((object) => object.kind === 'Ingress');
    expect(ingress).toBeDefined();
    if (!ingress) return;
    expect(admitted(ingress, tenantLabels)).toBe(true);
    expect(admitted(ingress, { ...tenantLabels, 'slipway.io/organization': 'globex' })).toBe(false);
  });

  it('refuses every Ingress on a cluster without an ingress domain, naming spec.ingress', () => {
    const cluster = render('1.30', null);
    const ingress = fixture('allowed.yaml').find((object) => object.kind === 'Ingress');
    expect(ingress && admitted(ingress, tenantLabels, cluster)).toBe(false);
    const policy = cluster.find((object) => object.metadata.name === 'slipway-tenant-ingresses');
    expect(
      (policy?.spec as PolicySpec | undefined)?.validations.map((validation) => validation.message),
    ).toEqual(['this cluster has no ingress domain (spec.ingress): Ingress objects are refused']);
    // The other policies do not depend on it.
    const service = fixture('allowed.yaml').find((object) => object.kind === 'Service');
    expect(service && admitted(service, tenantLabels, cluster)).toBe(true);
  });

  it('names the field it refuses in each Ingress message', () => {
    const policy = objects.find((object) => object.metadata.name === 'slipway-tenant-ingresses');
    const messages =
      (policy?.spec as PolicySpec | undefined)?.validations.map((validation) => validation.message) ?? [];
    for (const field of ['spec.rules[].host', 'spec.defaultBackend', 'spec.ingressClassName', 'spec.tls'])
      expect(messages.some((message) => message.startsWith(field))).toBe(true);
    expect(messages[0]).toContain('<name>.<organization>.apps.example.com');
  });

  it('renders the beta API (same schema) for a Kubernetes 1.29 cluster, whose ansible phase enables it', () => {
    const beta = render('1.29').filter((object) => object.kind.startsWith('ValidatingAdmissionPolicy'));
    expect(beta.length).toBeGreaterThanOrEqual(6);
    for (const object of beta) expect(object.apiVersion).toBe('admissionregistration.k8s.io/v1beta1');
    for (const object of beta) validateWithModel(object);
    const kubeadm = readFileSync(
      path.join(
        import.meta.dirname,
        '../../../gitops/ansible/roles/k8s-control-plane/templates/kubeadm-init.yaml.j2',
      ),
      'utf8',
    );
    expect(kubeadm).toContain('runtime-config: "admissionregistration.k8s.io/v1beta1=true"');
    expect(kubeadm).toContain('feature-gates: "ValidatingAdmissionPolicy=true"');
  });
});

describe('the CEL subset model', () => {
  const env = { object: { spec: { type: 'ClusterIP', ports: [{ port: 80 }] } } };

  it('evaluates field selection, has(), size(), comparisons and short-circuits', () => {
    expect(evaluate("object.spec.type == 'ClusterIP'", env)).toBe(true);
    expect(evaluate('has(object.spec.externalIPs)', env)).toBe(false);
    expect(evaluate('size(object.spec.ports) == 1', env)).toBe(true);
    expect(evaluate('!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0', env)).toBe(true);
    expect(evaluate("object.spec.ports.all(p, p.port == 80) && 'a.b'.endsWith('.b')", env)).toBe(true);
  });

  it('refuses on an evaluation error (failurePolicy Fail) and throws on syntax outside the subset', () => {
    expect(admits('size(object.spec.externalIPs) == 0', env)).toBe(false);
    expect(() => evaluate('object.spec.ports[0].port == 80', env)).toThrow(/CEL subset/);
    expect(() => evaluate("object.spec.type.matches('^a')", env)).toThrow(/no method/);
  });

  it("concatenates strings, looks up map keys and ranges over a map's keys", () => {
    const labelled = { namespaceObject: { metadata: { labels: { 'slipway.io/organization': 'acme' } } } };
    expect(
      evaluate("'.' + namespaceObject.metadata.labels['slipway.io/organization'] + '.x'", labelled),
    ).toBe('.acme.x');
    expect(admits("namespaceObject.metadata.labels['missing'] == 'a'", labelled)).toBe(false);
    expect(evaluate("namespaceObject.metadata.labels.all(k, k.startsWith('slipway.io/'))", labelled)).toBe(
      true,
    );
    expect(admits("'a' + 1 == 'a1'", labelled)).toBe(false);
  });
});

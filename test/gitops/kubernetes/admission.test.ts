import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../../gitops/kubernetes/tenants/bundle.js';
import { renderTenants, type TenantInput } from '../../../gitops/kubernetes/tenants/render.js';
import { validSpec } from '../../support/fixtures.js';
import { admits, evaluate } from './cel-subset.js';
import { type Selector, selects } from './cilium-rules.js';
import { type KubeObject, parseYamlObjects, validateWithModel } from './models.js';

/*
 * The platform's ValidatingAdmissionPolicies, as rendered, against the hostile tenant fixture: the
 * policies' own CEL expressions are evaluated (cel-subset.ts) for each object as the API server
 * would for a CREATE in acme's namespace, after matching the binding's namespace selector and the
 * policy's resource rules.
 */

const FIXTURES = path.join(import.meta.dirname, 'fixtures/hostile-tenant');
const fixture = (file: string) => parseYamlObjects(readFileSync(path.join(FIXTURES, file), 'utf8'));

interface ResourceRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
}
interface PolicySpec {
  failurePolicy: string;
  matchConstraints: { namespaceSelector?: Selector; resourceRules: ResourceRule[] };
  validations: { expression: string; message: string }[];
}
interface BindingSpec {
  policyName: string;
  validationActions: string[];
  matchResources?: { namespaceSelector?: Selector };
}

const RESOURCES: Record<string, string> = {
  ExternalSecret: 'externalsecrets',
  Service: 'services',
  Deployment: 'deployments',
  ConfigMap: 'configmaps',
  PersistentVolumeClaim: 'persistentvolumeclaims',
};

function render(kubernetesVersion = '1.30'): KubeObject[] {
  const spec = validSpec();
  spec.kubernetesVersion = kubernetesVersion as typeof spec.kubernetesVersion;
  if (kubernetesVersion === '1.29') spec.ciliumVersion = '1.16';
  const acme: TenantInput = { organization: 'acme', environment: 'prod', spec };
  return renderTenants([acme]).flatMap((file) => parseYamlObjects(toYaml(file)));
}

const objects = render();
const namespaceObject = objects.find(
  (object) => object.kind === 'Namespace' && object.metadata.name === 'acme-prod-payments',
);

/** Whether the API server admits OBJECT created in NAMESPACE (labels NAMESPACE_LABELS) under the rendered policies. */
function admitted(object: KubeObject, namespaceLabels: Record<string, string>, cluster = objects): boolean {
  const policies = cluster.filter((candidate) => candidate.kind === 'ValidatingAdmissionPolicy');
  const bindings = cluster.filter((candidate) => candidate.kind === 'ValidatingAdmissionPolicyBinding');
  const group = object.apiVersion.includes('/') ? (object.apiVersion.split('/')[0] ?? '') : '';
  const version = object.apiVersion.split('/').at(-1) ?? '';
  const resource = RESOURCES[object.kind];
  if (!resource) throw new Error(`add ${object.kind} to RESOURCES`);
  for (const binding of bindings) {
    const bindingSpec = binding.spec as BindingSpec;
    if (!selects(bindingSpec.matchResources?.namespaceSelector ?? {}, namespaceLabels)) continue;
    const policy = policies.find((candidate) => candidate.metadata.name === bindingSpec.policyName);
    if (!policy) throw new Error(`binding ${binding.metadata.name} names no rendered policy`);
    const spec = policy.spec as PolicySpec;
    if (!selects(spec.matchConstraints.namespaceSelector ?? {}, namespaceLabels)) continue;
    const matches = spec.matchConstraints.resourceRules.some(
      (rule) =>
        rule.apiGroups.includes(group) &&
        (rule.apiVersions.includes(version) || rule.apiVersions.includes('*')) &&
        rule.operations.includes('CREATE') &&
        rule.resources.includes(resource),
    );
    if (!matches) continue;
    const env = { object, oldObject: null, namespaceObject: namespaceObject ?? null };
    if (!spec.validations.every((validation) => admits(validation.expression, env)))
      return !bindingSpec.validationActions.includes('Deny');
  }
  return true;
}

const tenantLabels = namespaceObject?.metadata.labels ?? {};

describe('the tenant admission policies (Services, ExternalSecrets)', () => {
  it('is rendered once, validates with kubernetes-models, denies and fails closed', () => {
    const policies = objects.filter((object) => object.kind === 'ValidatingAdmissionPolicy');
    const bindings = objects.filter((object) => object.kind === 'ValidatingAdmissionPolicyBinding');
    expect(policies.map((policy) => policy.metadata.name)).toEqual([
      'slipway-tenant-services',
      'slipway-tenant-external-secrets',
    ]);
    expect(bindings).toHaveLength(2);
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

  it('renders the beta API (same schema) for a Kubernetes 1.29 cluster, whose ansible phase enables it', () => {
    const beta = render('1.29').filter((object) => object.kind.startsWith('ValidatingAdmissionPolicy'));
    expect(beta.length).toBeGreaterThanOrEqual(2);
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
});

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../../gitops/kubernetes/tenants/bundle.js';
import { renderTenants, type TenantInput } from '../../../gitops/kubernetes/tenants/render.js';
import { validSpec } from '../../support/fixtures.js';
import { isResourcePermitted, type ManifestObject, type ProjectSpec } from './argocd-project-rules.js';
import { entity, inCidr, isDenied, podEndpoint, rulesOf, worldAddress } from './cilium-rules.js';
import { type KubeObject, parseYamlObjects } from './models.js';
import { isAllowed } from './rbac-rules.js';

/*
 * A hostile tenant repository (fixtures/hostile-tenant/hostile.yaml) against what the renderer
 * gives its organization: every object must be refused by the AppProject (model of Argo CD's
 * project rules, argocd-project-rules.ts) AND by RBAC for the deployer service account the sync
 * impersonates (model of Kubernetes RBAC, rbac-rules.ts). allowed.yaml must pass both.
 */

const FIXTURES = path.join(import.meta.dirname, 'fixtures/hostile-tenant');
const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Scope and RBAC resource of every kind the fixtures use (what API discovery would tell Argo CD). */
const KINDS: Record<string, { resource: string; namespaced: boolean }> = {
  NetworkPolicy: { resource: 'networkpolicies', namespaced: true },
  CiliumNetworkPolicy: { resource: 'ciliumnetworkpolicies', namespaced: true },
  CiliumClusterwideNetworkPolicy: { resource: 'ciliumclusterwidenetworkpolicies', namespaced: false },
  PrometheusRule: { resource: 'prometheusrules', namespaced: true },
  ServiceMonitor: { resource: 'servicemonitors', namespaced: true },
  PodMonitor: { resource: 'podmonitors', namespaced: true },
  ClusterRole: { resource: 'clusterroles', namespaced: false },
  Role: { resource: 'roles', namespaced: true },
  RoleBinding: { resource: 'rolebindings', namespaced: true },
  Namespace: { resource: 'namespaces', namespaced: false },
  Deployment: { resource: 'deployments', namespaced: true },
  DaemonSet: { resource: 'daemonsets', namespaced: true },
  ConfigMap: { resource: 'configmaps', namespaced: true },
  Service: { resource: 'services', namespaced: true },
  Endpoints: { resource: 'endpoints', namespaced: true },
  PersistentVolumeClaim: { resource: 'persistentvolumeclaims', namespaced: true },
  ResourceQuota: { resource: 'resourcequotas', namespaced: true },
  LimitRange: { resource: 'limitranges', namespaced: true },
  Ingress: { resource: 'ingresses', namespaced: true },
  SecretStore: { resource: 'secretstores', namespaced: true },
  ClusterSecretStore: { resource: 'clustersecretstores', namespaced: false },
  ExternalSecret: { resource: 'externalsecrets', namespaced: true },
};

function manifest(object: KubeObject): ManifestObject & { resource: string } {
  const scope = KINDS[object.kind];
  if (!scope) throw new Error(`the fixture uses ${object.kind}: add it to KINDS`);
  const group = object.apiVersion.includes('/') ? (object.apiVersion.split('/')[0] ?? '') : '';
  return {
    group,
    kind: object.kind,
    name: object.metadata.name,
    namespace: object.metadata.namespace,
    namespaced: scope.namespaced,
    resource: scope.resource,
  };
}

const fixture = (file: string) =>
  parseYamlObjects(readFileSync(path.join(FIXTURES, file), 'utf8')).map(manifest);

/** acme/prod (namespace payments) and, on the same cluster, globex/prod (namespace billing). */
function cluster(): KubeObject[] {
  const acme: TenantInput = { organization: 'acme', environment: 'prod', spec: validSpec() };
  const globexSpec = validSpec();
  globexSpec.namespaces = [{ name: 'billing', quota: { cpu: '2', memory: '4Gi', pods: 20 } }];
  globexSpec.gitops.repository = 'https://github.com/globex/gitops.git';
  const globex: TenantInput = { organization: 'globex', environment: 'prod', spec: globexSpec };
  return renderTenants([acme, globex]).flatMap((file) => parseYamlObjects(toYaml(file)));
}

const objects = cluster();
const acmeProject = objects.find((object) => object.kind === 'AppProject' && object.metadata.name === 'acme')
  ?.spec as ProjectSpec & {
  destinationServiceAccounts: { namespace: string; defaultServiceAccount: string }[];
};
const APP_NAMESPACE = 'acme-prod-payments';

/** The service account Argo CD impersonates for acme's Application in APP_NAMESPACE. */
function deployer() {
  const entry = acmeProject.destinationServiceAccounts.find(
    (candidate) => candidate.namespace === APP_NAMESPACE,
  );
  const [namespace = '', name = ''] = (entry?.defaultServiceAccount ?? '').split(':');
  return { kind: 'ServiceAccount' as const, namespace, name };
}

function deployerMayApply(object: ManifestObject & { resource: string }): boolean {
  const namespace = object.namespaced ? (object.namespace ?? APP_NAMESPACE) : '';
  return ['create', 'patch', 'update'].some((verb) =>
    isAllowed(objects, deployer(), {
      verb,
      group: object.group,
      resource: object.resource,
      namespace,
      name: object.name,
    }),
  );
}

describe('a hostile tenant repository against the rendered AppProject and RBAC', () => {
  const hostile = fixture('hostile.yaml');

  it('holds every attack the isolation must withstand', () => {
    const kinds = new Set(hostile.map((object) => object.kind));
    for (const kind of [
      'NetworkPolicy',
      'CiliumNetworkPolicy',
      'PrometheusRule',
      'ServiceMonitor',
      'ClusterRole',
      'RoleBinding',
      'Namespace',
      'ClusterSecretStore',
      'SecretStore',
    ])
      expect(kinds).toContain(kind);
    expect(hostile.some((object) => object.namespace === 'globex-prod-billing')).toBe(true);
  });

  it.each(
    hostile.map(
      (object) => [`${object.kind} ${object.namespace ?? '(app namespace)'}/${object.name}`, object] as const,
    ),
  )('refuses %s in the AppProject and for the deployer service account', (_, object) => {
    expect(isResourcePermitted(acmeProject, object, IN_CLUSTER, APP_NAMESPACE)).toBe(false);
    expect(deployerMayApply(object)).toBe(false);
  });

  it.each(fixture('allowed.yaml').map((object) => [`${object.kind} ${object.name}`, object] as const))(
    'accepts %s in its own namespace, in the AppProject and for the deployer',
    (_, object) => {
      expect(isResourcePermitted(acmeProject, object, IN_CLUSTER, APP_NAMESPACE)).toBe(true);
      expect(deployerMayApply(object)).toBe(true);
    },
  );

  it("keeps acme's deployer out of globex's namespace and out of cluster scope, for every verb", () => {
    for (const verb of ['get', 'list', 'create', 'update', 'patch', 'delete']) {
      for (const resource of ['deployments', 'secrets', 'configmaps']) {
        const group = resource === 'deployments' ? 'apps' : '';
        expect(
          isAllowed(objects, deployer(), { verb, group, resource, namespace: 'globex-prod-billing' }),
        ).toBe(false);
      }
      expect(isAllowed(objects, deployer(), { verb, group: '', resource: 'namespaces', namespace: '' })).toBe(
        false,
      );
    }
  });

  it('gives RBAC model checks teeth: a RoleBinding to cluster-admin for the deployer would allow everything', () => {
    const escalated = [
      ...objects,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'oops' },
        roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [deployer()],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'cluster-admin' },
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      },
    ];
    expect(
      isAllowed(escalated, deployer(), {
        verb: 'create',
        group: 'rbac.authorization.k8s.io',
        resource: 'clusterroles',
        namespace: '',
      }),
    ).toBe(true);
  });
});

describe('the cluster-wide Cilium fence', () => {
  const rules = rulesOf(
    objects.filter((object) => object.kind === 'CiliumClusterwideNetworkPolicy') as {
      spec?: unknown;
      specs?: unknown;
    }[],
  );
  const tenantNamespace = objects.find(
    (object) => object.kind === 'Namespace' && object.metadata.name === APP_NAMESPACE,
  );
  const tenant = podEndpoint(APP_NAMESPACE, tenantNamespace?.metadata.labels ?? {}, { app: 'api' });
  const otherTenant = podEndpoint(
    'globex-prod-billing',
    { 'slipway.io/organization': 'globex' },
    { app: 'billing' },
  );
  const platform = {
    'argocd-server': podEndpoint('argocd', {}, { 'app.kubernetes.io/name': 'argocd-server' }),
    'argocd-repo-server': podEndpoint('argocd', {}, { 'app.kubernetes.io/name': 'argocd-repo-server' }),
    alertmanager: podEndpoint('monitoring', {}, { 'app.kubernetes.io/name': 'alertmanager' }),
    prometheus: podEndpoint('monitoring', {}, { 'app.kubernetes.io/name': 'prometheus' }),
    'ebs-csi-controller': podEndpoint('kube-system', {}, { app: 'ebs-csi-controller' }),
    'hubble-relay': podEndpoint('kube-system', {}, { 'k8s-app': 'hubble-relay' }),
  };
  const kubeDns = podEndpoint('kube-system', {}, { 'k8s-app': 'kube-dns' });

  it('selects tenant pods by their namespace label (the renderer sets slipway.io/organization)', () => {
    expect(tenantNamespace?.metadata.labels).toMatchObject({ 'slipway.io/organization': 'acme' });
  });

  it.each(Object.entries(platform))('denies tenant pods any traffic to %s, both ways', (_, target) => {
    expect(isDenied(rules, tenant, target)).toBe(true);
    expect(isDenied(rules, target, tenant)).toBe(false);
  });

  it.each(['host', 'remote-node', 'kube-apiserver'])('denies tenant pods the %s entity', (name) => {
    expect(isDenied(rules, tenant, entity(name))).toBe(true);
  });

  const metadataService = worldAddress('169.254.169.254');

  it('denies tenant pods and Argo CD the instance metadata service, and leaves it to the EBS CSI controller', () => {
    expect(inCidr('169.254.169.254', '169.254.169.254/32')).toBe(true);
    expect(inCidr('169.254.169.253', '169.254.169.254/32')).toBe(false);
    expect(inCidr('10.20.3.4', '10.20.0.0/16')).toBe(true);
    expect(isDenied(rules, tenant, metadataService)).toBe(true);
    expect(isDenied(rules, platform['argocd-repo-server'], metadataService)).toBe(true);
    expect(isDenied(rules, platform['argocd-server'], metadataService)).toBe(true);
    expect(isDenied(rules, platform['ebs-csi-controller'], metadataService)).toBe(false);
    expect(isDenied(rules, tenant, worldAddress('203.0.113.7'))).toBe(false);
  });

  it('leaves tenants kube-dns and the outside world (their own namespace policy decides), and platform pods everything', () => {
    expect(isDenied(rules, tenant, kubeDns)).toBe(false);
    expect(isDenied(rules, tenant, entity('world'))).toBe(false);
    expect(isDenied(rules, tenant, otherTenant)).toBe(false);
    const argocd = [platform['argocd-server'], platform['argocd-repo-server']];
    for (const source of [...Object.values(platform), kubeDns]) {
      if (!argocd.includes(source)) expect(isDenied(rules, source, metadataService)).toBe(false);
      for (const target of [
        ...Object.values(platform),
        kubeDns,
        entity('world'),
        entity('host'),
        entity('kube-apiserver'),
      ])
        expect(isDenied(rules, source, target)).toBe(false);
    }
  });

  it('turns no default deny on: deny rules only, for tenants and platform alike', () => {
    const fences = objects.filter((object) => object.kind === 'CiliumClusterwideNetworkPolicy');
    const specs = fences.flatMap((fence) =>
      [fence.spec, ...((fence.specs as unknown[]) ?? [])].filter(Boolean),
    ) as Record<string, unknown>[];
    expect(specs.length).toBeGreaterThanOrEqual(3);
    for (const spec of specs) {
      expect(spec.enableDefaultDeny).toEqual({ ingress: false, egress: false });
      expect(spec.ingress).toBeUndefined();
      expect(spec.egress).toBeUndefined();
    }
  });
});

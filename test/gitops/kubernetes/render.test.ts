import { describe, expect, it } from 'vitest';
import { toYaml } from '../../../gitops/kubernetes/tenants/bundle.js';
import {
  renderTenant,
  renderTenants,
  type TenantInput,
  TenantRenderError,
  tenantApplications,
} from '../../../gitops/kubernetes/tenants/render.js';
import { validSpec } from '../../support/fixtures.js';
import { type KubeObject, parseYamlObjects, validateWithModel } from './models.js';

function acme(): TenantInput {
  const spec = validSpec();
  spec.namespaces.push({ name: 'ledger', quota: { cpu: '250m', memory: '100Mi', pods: 5 } });
  return { organization: 'acme', environment: 'prod', spec };
}

/** Renders, serializes to YAML and parses back: what is asserted is what would be committed. */
function renderedObjects(input: TenantInput): KubeObject[] {
  return renderTenant(input).flatMap((file) => parseYamlObjects(toYaml(file)));
}

function find(objects: KubeObject[], kind: string, name: string, namespace?: string): KubeObject {
  const object = objects.find(
    (candidate) =>
      candidate.kind === kind &&
      candidate.metadata.name === name &&
      candidate.metadata.namespace === namespace,
  );
  if (!object) throw new Error(`no ${kind} ${namespace ?? ''}/${name}`);
  return object;
}

describe('renderTenant', () => {
  it('renders objects that validate with kubernetes-models (core, rbac, cilium, argo-cd) after a YAML round trip', () => {
    const objects = renderedObjects(acme());
    const kinds = new Set(objects.map((object) => object.kind));
    expect([...kinds].sort()).toEqual(
      [
        'AppProject',
        'ApplicationSet',
        'CiliumNetworkPolicy',
        'ClusterRole',
        'ClusterRoleBinding',
        'LimitRange',
        'Namespace',
        'ResourceQuota',
        'Role',
        'RoleBinding',
        'ServiceAccount',
      ].sort(),
    );
    for (const object of objects)
      expect(() => validateWithModel(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
  });

  it('gives model validation teeth: a RoleBinding without roleRef is refused', () => {
    const objects = renderedObjects(acme());
    const binding = structuredClone(find(objects, 'RoleBinding', 'slipway:developer', 'acme-prod-payments'));
    delete binding.roleRef;
    expect(() => validateWithModel(binding)).toThrow();
  });

  it('names namespaces <org>-<env>-<name> and labels them with organization, environment, tier and manager', () => {
    const namespace = find(renderedObjects(acme()), 'Namespace', 'acme-prod-payments');
    expect(namespace.metadata.labels).toMatchObject({
      'slipway.io/organization': 'acme',
      'slipway.io/environment': 'prod',
      'slipway.io/tier': 'prod',
      'app.kubernetes.io/managed-by': 'slipway',
    });
  });

  it('enforces the restricted Pod Security Standard on every tenant namespace, pinned to the cluster version', () => {
    const objects = renderedObjects(acme());
    for (const name of ['acme-prod-payments', 'acme-prod-ledger']) {
      expect(find(objects, 'Namespace', name).metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.30',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': 'v1.30',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'v1.30',
      });
    }
  });

  it('caps requests, limits and storage at the quota (no storage unless asked) and sizes LimitRange defaults to quota / pods', () => {
    const objects = renderedObjects(acme());
    const quota = find(objects, 'ResourceQuota', 'slipway-quota', 'acme-prod-ledger');
    expect(quota.spec).toEqual({
      hard: {
        'requests.cpu': '250m',
        'limits.cpu': '250m',
        'requests.memory': '100Mi',
        'limits.memory': '100Mi',
        pods: '5',
        'requests.storage': '0',
        persistentvolumeclaims: '0',
        'services.loadbalancers': '0',
        'services.nodeports': '0',
      },
    });
    const limits = (namespace: string) =>
      (
        find(objects, 'LimitRange', 'slipway-limits', namespace).spec as {
          limits: Record<string, Record<string, string>>[];
        }
      ).limits[0];
    // 250m / 5 pods = 50m, 100Mi / 5 = 20Mi: five default pods fill the quota exactly.
    expect(limits('acme-prod-ledger')).toMatchObject({
      defaultRequest: { cpu: '50m', memory: '20Mi' },
      default: { cpu: '50m', memory: '20Mi' },
      max: { cpu: '250m', memory: '100Mi' },
    });
    // The "4 CPU / 8Gi / 40 pods" namespace: 100m and 204Mi shares; 40 default pods fit (500m fitted 8).
    expect(limits('acme-prod-payments')).toMatchObject({
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '100m', memory: '204Mi' },
      max: { cpu: '4', memory: '8Gi' },
    });
  });

  it('renders the storage quota the spec asks for', () => {
    const input = acme();
    const [payments] = input.spec.namespaces;
    if (!payments) throw new Error('acme has payments');
    payments.quota = { ...payments.quota, storage: '50Gi', persistentVolumeClaims: 4 };
    const quota = find(renderedObjects(input), 'ResourceQuota', 'slipway-quota', 'acme-prod-payments');
    expect(quota.spec).toMatchObject({ hard: { 'requests.storage': '50Gi', persistentvolumeclaims: '4' } });
  });

  it('denies by default, allowing same-namespace traffic and DNS to kube-dns on 53/UDP and 53/TCP only', () => {
    const policy = find(
      renderedObjects(acme()),
      'CiliumNetworkPolicy',
      'slipway-default-deny',
      'acme-prod-payments',
    );
    expect(policy.spec).toEqual({
      description: expect.any(String),
      endpointSelector: {},
      enableDefaultDeny: { ingress: true, egress: true },
      ingress: [{ fromEndpoints: [{}] }],
      egress: [
        { toEndpoints: [{}] },
        {
          toEndpoints: [
            { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } },
          ],
          toPorts: [
            {
              ports: [
                { port: '53', protocol: 'UDP' },
                { port: '53', protocol: 'TCP' },
              ],
            },
          ],
        },
      ],
    });
  });

  it("binds org admins, the namespace's developers, the organization's developers and the namespace's viewers as readers, and the deployer", () => {
    const objects = renderedObjects(acme());
    const subjects = (name: string) =>
      (find(objects, 'RoleBinding', name, 'acme-prod-ledger').subjects as { name: string }[]).map(
        (s) => s.name,
      );
    // kube-apiserver presents OIDC groups with its --oidc-groups-prefix (oidc:).
    expect(subjects('slipway:namespace-admin')).toEqual(['oidc:slipway:acme:org-admin']);
    expect(subjects('slipway:developer')).toEqual(['oidc:slipway:acme:ledger:developer']);
    expect(subjects('slipway:viewer')).toEqual([
      'oidc:slipway:acme:developer',
      'oidc:slipway:acme:ledger:viewer',
    ]);
    expect(find(objects, 'RoleBinding', 'slipway:deployer', 'acme-prod-ledger').subjects).toEqual([
      { kind: 'ServiceAccount', namespace: 'argocd', name: 'slipway-deployer-acme' },
    ]);
    const viewer = find(objects, 'Role', 'slipway:viewer', 'acme-prod-ledger').rules as {
      resources: string[];
      verbs: string[];
    }[];
    expect(viewer.flatMap((rule) => rule.resources)).not.toContain('secrets');
    expect(new Set(viewer.flatMap((rule) => rule.verbs))).toEqual(new Set(['get', 'list', 'watch']));
    const developer = find(objects, 'Role', 'slipway:developer', 'acme-prod-ledger').rules as {
      resources: string[];
      verbs: string[];
    }[];
    const writesQuota = developer.some(
      (rule) => rule.resources.includes('resourcequotas') && rule.verbs.includes('update'),
    );
    expect(writesQuota).toBe(false);
  });

  it('restricts the AppProject to the organization repository and namespaces, with no cluster-scoped resources', () => {
    const project = find(renderedObjects(acme()), 'AppProject', 'acme', 'argocd').spec as Record<
      string,
      unknown
    >;
    expect(project.sourceRepos).toEqual(['https://github.com/acme/platform-gitops.git']);
    expect(project.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'acme-prod-payments' },
      { server: 'https://kubernetes.default.svc', namespace: 'acme-prod-ledger' },
    ]);
    expect(project.clusterResourceWhitelist).toEqual([]);
    expect(project.namespaceResourceBlacklist).toBeUndefined();
    expect(project.namespaceResourceWhitelist).toEqual(
      expect.arrayContaining([
        { group: 'apps', kind: 'Deployment' },
        { group: '', kind: 'Service' },
      ]),
    );
    // Every sync impersonates the organization's deployer; no catch-all destination.
    expect(project.destinationServiceAccounts).toEqual([
      {
        server: 'https://kubernetes.default.svc',
        namespace: 'acme-prod-payments',
        defaultServiceAccount: 'argocd:slipway-deployer-acme',
      },
      {
        server: 'https://kubernetes.default.svc',
        namespace: 'acme-prod-ledger',
        defaultServiceAccount: 'argocd:slipway-deployer-acme',
      },
    ]);
  });

  it('maps the OIDC groups to project roles: org admins, developers, and per-namespace developers and viewers', () => {
    const project = find(renderedObjects(acme()), 'AppProject', 'acme', 'argocd').spec as {
      roles: { name: string; groups: string[]; policies: string[] }[];
    };
    const role = (name: string) => project.roles.find((candidate) => candidate.name === name);
    expect(role('admin')?.groups).toEqual(['slipway:acme:org-admin']);
    expect(role('developer')?.policies).toContain('p, proj:acme:developer, applications, get, acme/*, allow');
    expect(role('developer-ledger')).toEqual({
      name: 'developer-ledger',
      description: expect.any(String),
      groups: ['slipway:acme:ledger:developer'],
      policies: [
        'p, proj:acme:developer-ledger, applications, get, acme/acme-prod-ledger, allow',
        'p, proj:acme:developer-ledger, applications, sync, acme/acme-prod-ledger, allow',
        'p, proj:acme:developer-ledger, logs, get, acme/acme-prod-ledger, allow',
      ],
    });
    expect(role('viewer-ledger')?.policies).toEqual([
      'p, proj:acme:viewer-ledger, applications, get, acme/acme-prod-ledger, allow',
    ]);
  });

  it('generates one Application per namespace from <path>/<name>/overlays/<tier>, subscribed to Slipway', () => {
    const appSet = find(renderedObjects(acme()), 'ApplicationSet', 'acme-prod', 'argocd').spec as {
      generators: { git: { directories: { path: string }[]; repoURL: string } }[];
      template: {
        metadata: { name: string; annotations: Record<string, string> };
        spec: { project: string; destination: { namespace: string } };
      };
    };
    expect(appSet.generators[0]?.git.directories).toEqual([
      { path: 'tenants/acme/prod/payments/overlays/prod' },
      { path: 'tenants/acme/prod/ledger/overlays/prod' },
    ]);
    // segments: tenants/acme/prod/<name>/overlays/prod -> the name is segment 3.
    expect(appSet.template.spec.destination.namespace).toBe('acme-prod-{{ index .path.segments 3 }}');
    expect(appSet.template.spec.project).toBe('acme');
    expect(appSet.template.metadata.annotations).toEqual({
      'notifications.argoproj.io/subscribe.on-sync-failed.slipway': '',
      'notifications.argoproj.io/subscribe.on-health-degraded.slipway': '',
      'notifications.argoproj.io/subscribe.on-synced-healthy.slipway': '',
    });
  });

  it('names the Applications the ApplicationSet generates, one per namespace, with the directory each deploys', () => {
    expect(tenantApplications(acme())).toEqual([
      { name: 'acme-prod-payments', path: 'tenants/acme/prod/payments/overlays/prod' },
      { name: 'acme-prod-ledger', path: 'tenants/acme/prod/ledger/overlays/prod' },
    ]);
  });

  it('refuses an input the shared validator refuses, with the field named', () => {
    const input = acme();
    input.spec.network.podCidr = '10.20.0.0/16';
    expect(() => renderTenant(input)).toThrow(TenantRenderError);
    expect(() => renderTenant(input)).toThrow(/network\.podCidr: /);
    expect(() => tenantApplications(input)).toThrow(TenantRenderError);
  });
});

describe('renderTenants', () => {
  it('refuses two tenants whose names collide into the same namespace', () => {
    const spec = validSpec();
    spec.namespaces = [{ name: 'd', quota: { cpu: '1', memory: '1Gi', pods: 1 } }];
    const first: TenantInput = { organization: 'a', environment: 'b-c', spec };
    const second: TenantInput = { organization: 'a-b', environment: 'c', spec };
    expect(() => renderTenants([first, second])).toThrow(
      /namespace 'a-b-c-d' would belong to both a\/b-c and a-b\/c/,
    );
  });

  it('refuses the same organization twice in one cluster', () => {
    expect(() => renderTenants([acme(), { ...acme(), environment: 'dev' }])).toThrow(/listed twice/);
  });

  it('renders the cluster-wide Cilium fence once for the cluster: tenants reach no platform pod but kube-dns', () => {
    const other: TenantInput = { ...acme(), organization: 'globex' };
    const objects = renderTenants([acme(), other]).flatMap((file) => parseYamlObjects(toYaml(file)));
    const fences = objects.filter((object) => object.kind === 'CiliumClusterwideNetworkPolicy');
    expect(fences.map((fence) => fence.metadata.name).sort()).toEqual([
      'slipway-argocd-metadata-fence',
      'slipway-platform-ingress-fence',
      'slipway-tenant-egress-fence',
    ]);
  });

  it('renders the platform admin binding once for the cluster', () => {
    const other: TenantInput = { ...acme(), organization: 'globex' };
    const objects = renderTenants([acme(), other]).flatMap((file) => parseYamlObjects(toYaml(file)));
    const platform = objects.filter((object) => object.metadata.name === 'slipway:platform-admin');
    expect(platform).toHaveLength(1);
    expect(platform[0]?.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'cluster-admin',
    });
  });
});

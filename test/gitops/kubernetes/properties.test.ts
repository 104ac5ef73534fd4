import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_NAME_MAX,
  isDns1123Label,
  parseCpuMillicores,
  parseMemoryBytes,
} from '../../../functions/domain/environment-spec.js';
import { DNS1123_LABEL_MAX } from '../../../functions/domain/spec/names.js';
import { toYaml } from '../../../gitops/kubernetes/tenants/bundle.js';
import {
  renderPlatform,
  renderTenant,
  renderTenants,
  TenantRenderError,
  tenantApplications,
  tenantNamespaces,
} from '../../../gitops/kubernetes/tenants/render.js';
import { admitted } from './admission-model.js';
import {
  dnsLabel,
  dnsLabelOfLength,
  tenantIdentity,
  tenantInput,
  tenantsOfOneCluster,
} from './arbitraries.js';
import { isResourcePermitted, type ProjectSpec, projectRoleProblems } from './argocd-project-rules.js';
import { type KubeObject, parseYamlObjects, validateWithModel } from './models.js';
import { isAllowed } from './rbac-rules.js';

/**
 * The rendered objects as plain data. Most properties read them in memory: serialising to YAML
 * (with the models' validation) and parsing back costs ~50x the rendering itself. That the YAML
 * written to Git holds exactly these objects, each valid, is its own property below.
 */
function objectsOf(files: ReturnType<typeof renderTenant>): KubeObject[] {
  return files.flatMap((file) => file.objects.map(plainObject));
}

function plainObject(object: ReturnType<typeof renderTenant>[number]['objects'][number]): KubeObject {
  return JSON.parse(JSON.stringify(object.toJSON())) as KubeObject;
}

/** What a bundle file holds once written: toYaml (which validates each object) parsed back. */
function writtenObjectsOf(files: ReturnType<typeof renderTenant>): KubeObject[] {
  return files.flatMap((file) => parseYamlObjects(toYaml(file)));
}

describe('tenant renderer properties', () => {
  it('for any valid spec: every namespace has a ResourceQuota and a default-deny CiliumNetworkPolicy', () => {
    fc.assert(
      fc.property(tenantInput, (input) => {
        const objects = objectsOf(renderTenant(input));
        const namespaces = objects
          .filter((object) => object.kind === 'Namespace')
          .map((object) => object.metadata.name);
        expect(namespaces).toEqual(tenantNamespaces(input));
        for (const namespace of namespaces) {
          const inNamespace = objects.filter((object) => object.metadata.namespace === namespace);
          expect(inNamespace.filter((object) => object.kind === 'ResourceQuota')).toHaveLength(1);
          const policies = inNamespace.filter((object) => object.kind === 'CiliumNetworkPolicy');
          expect(policies).toHaveLength(1);
          expect(policies[0]?.spec).toMatchObject({
            endpointSelector: {},
            enableDefaultDeny: { ingress: true, egress: true },
          });
        }
      }),
      { numRuns: 60 },
    );
  });

  it("generates tenants at the validator's limits: 63-character namespaces and 40-character cluster names", () => {
    // Without this the properties below could pass on short names only and never meet the edge.
    const tenants = fc.sample(tenantInput, { numRuns: 300, seed: 20_251_125 });
    const namespaceLengths = tenants.flatMap((tenant) => tenantNamespaces(tenant).map((name) => name.length));
    const clusterLengths = tenants.map((tenant) => `${tenant.organization}-${tenant.environment}`.length);
    expect(Math.max(...namespaceLengths)).toBe(DNS1123_LABEL_MAX);
    expect(namespaceLengths.filter((length) => length === DNS1123_LABEL_MAX).length).toBeGreaterThan(50);
    expect(Math.min(...namespaceLengths)).toBeLessThan(20);
    expect(Math.max(...clusterLengths)).toBe(CLUSTER_NAME_MAX);
    expect(Math.min(...clusterLengths)).toBeLessThan(10);
  });

  it('for any tenant one character past a limit: the namespace (64) or the cluster name (41) is refused, with the field named', () => {
    fc.assert(
      fc.property(tenantInput, fc.boolean(), (input, pastNamespace) => {
        const [first, ...others] = input.spec.namespaces;
        if (!first) throw new Error('a valid spec has a namespace');
        const over = DNS1123_LABEL_MAX + 1 - input.organization.length - input.environment.length - 2;
        if (pastNamespace) {
          const name = fc.sample(dnsLabelOfLength(over), { numRuns: 1, seed: over })[0] ?? '';
          const spec = { ...input.spec, namespaces: [{ ...first, name }, ...others] };
          expect(`${input.organization}-${input.environment}-${name}`).toHaveLength(DNS1123_LABEL_MAX + 1);
          expect(() => renderTenant({ ...input, spec })).toThrow(/namespaces\.0\.name: .* at most 63/);
        } else {
          const environment = `${input.environment}${'x'.repeat(CLUSTER_NAME_MAX + 1 - input.organization.length - input.environment.length - 1)}`;
          expect(`${input.organization}-${environment}`).toHaveLength(CLUSTER_NAME_MAX + 1);
          expect(() => renderTenant({ ...input, environment })).toThrow(TenantRenderError);
          expect(() => renderTenant({ ...input, environment })).toThrow(/environment: .* at most 40/);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('for any valid spec: every tenant namespace enforces, audits and warns on the restricted Pod Security Standard, pinned to the cluster version', () => {
    fc.assert(
      fc.property(tenantInput, (input) => {
        const namespaces = objectsOf(renderTenant(input)).filter((object) => object.kind === 'Namespace');
        expect(namespaces.map((namespace) => namespace.metadata.name)).toEqual(tenantNamespaces(input));
        for (const namespace of namespaces) {
          expect(namespace.metadata.labels).toMatchObject({
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': `v${input.spec.kubernetesVersion}`,
            'pod-security.kubernetes.io/audit': 'restricted',
            'pod-security.kubernetes.io/audit-version': `v${input.spec.kubernetesVersion}`,
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/warn-version': `v${input.spec.kubernetesVersion}`,
          });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('for any valid spec: the expected Applications are exactly those the ApplicationSet template generates', () => {
    fc.assert(
      fc.property(tenantInput, (input) => {
        const appSet = objectsOf(renderTenant(input)).find((object) => object.kind === 'ApplicationSet');
        const spec = appSet?.spec as {
          generators: { git: { directories: { path: string }[] } }[];
          template: { metadata: { name: string }; spec: { destination: { namespace: string } } };
        };
        // Evaluate the goTemplate the way the ApplicationSet controller does for `index .path.segments N`.
        const evaluate = (template: string, path: string) =>
          template.replace(/\{\{ index \.path\.segments (\d+) \}\}/g, (_, index: string) => {
            const segment = path.split('/')[Number(index)];
            if (segment === undefined) throw new Error(`no segment ${index} in ${path}`);
            return segment;
          });
        const generated = (spec.generators[0]?.git.directories ?? []).map(({ path }) => ({
          name: evaluate(spec.template.metadata.name, path),
          path,
        }));
        expect(tenantApplications(input)).toEqual(generated);
        for (const { path } of generated) {
          expect(evaluate(spec.template.spec.destination.namespace, path)).toBe(
            evaluate(spec.template.metadata.name, path),
          );
        }
        expect(tenantApplications(input).map((app) => app.name)).toEqual(tenantNamespaces(input));
      }),
      { numRuns: 60 },
    );
  });

  it('for any valid spec: namespace names are DNS-1123 labels of at most 63 characters and label values fit too', () => {
    fc.assert(
      fc.property(tenantInput, (input) => {
        const objects = objectsOf(renderTenant(input));
        for (const object of objects) {
          if (object.kind === 'Namespace') expect(isDns1123Label(object.metadata.name)).toBe(true);
          if (object.metadata.namespace) expect(isDns1123Label(object.metadata.namespace)).toBe(true);
          for (const value of Object.values(object.metadata.labels ?? {}))
            expect(value.length).toBeLessThanOrEqual(63);
          expect(object.metadata.name.length).toBeLessThanOrEqual(253);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('for any valid spec: the YAML written holds exactly the rendered objects, and each validates with kubernetes-models', () => {
    fc.assert(
      fc.property(tenantInput, (input) => {
        const files = renderTenant(input);
        const written = writtenObjectsOf(files);
        expect(written).toEqual(objectsOf(files));
        for (const object of written) validateWithModel(object);
      }),
      { numRuns: 40 },
    );
  });

  it('for any tenants sharing a cluster: no namespace of one organization is in another AppProject, or the collision is refused', () => {
    fc.assert(
      fc.property(tenantsOfOneCluster, (tenants) => {
        const owner = new Map<string, string>();
        let collision = false;
        for (const tenant of tenants) {
          for (const namespace of tenantNamespaces(tenant)) {
            if (owner.has(namespace) && owner.get(namespace) !== tenant.organization) collision = true;
            owner.set(namespace, tenant.organization);
          }
        }
        if (collision) {
          expect(() => renderTenants(tenants)).toThrow(TenantRenderError);
          return;
        }
        const objects = objectsOf(renderTenants(tenants));
        const projects = objects.filter((object) => object.kind === 'AppProject');
        expect(projects.map((project) => project.metadata.name).sort()).toEqual(
          tenants.map((t) => t.organization).sort(),
        );
        for (const project of projects) {
          const spec = project.spec as { destinations: { namespace: string }[]; sourceRepos: string[] };
          const organization = project.metadata.name;
          const tenant = tenants.find((candidate) => candidate.organization === organization);
          for (const destination of spec.destinations)
            expect(owner.get(destination.namespace)).toBe(organization);
          expect(spec.sourceRepos).toEqual([tenant?.spec.gitops.repository]);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("for any tenants sharing a cluster: no AppProject, RoleBinding, deployer or Cilium policy of one organization reaches another's namespaces", () => {
    fc.assert(
      fc.property(tenantsOfOneCluster, (tenants) => {
        let rendered: ReturnType<typeof renderTenants>;
        try {
          rendered = renderTenants(tenants);
        } catch (error) {
          // Colliding names are refused (property above); nothing is rendered to check.
          expect(error).toBeInstanceOf(TenantRenderError);
          return;
        }
        const objects = objectsOf(rendered);
        const owner = new Map(
          tenants.flatMap((tenant) =>
            tenantNamespaces(tenant).map((namespace) => [namespace, tenant.organization]),
          ),
        );
        const server = 'https://kubernetes.default.svc';
        for (const tenant of tenants) {
          const organization = tenant.organization;
          const ownNamespaces = tenantNamespaces(tenant);
          const others = [...owner].filter(([, org]) => org !== organization).map(([namespace]) => namespace);
          const project = objects.find(
            (object) => object.kind === 'AppProject' && object.metadata.name === organization,
          )?.spec as ProjectSpec & {
            destinationServiceAccounts: { namespace: string; defaultServiceAccount: string }[];
            roles: { name: string; groups: string[]; policies: string[] }[];
          };
          // The project: destinations, impersonated accounts and roles stay inside the organization.
          expect(project.destinationServiceAccounts.map((entry) => entry.namespace)).toEqual(ownNamespaces);
          for (const role of project.roles) {
            expect(projectRoleProblems(organization, role)).toEqual([]);
            for (const group of role.groups) expect(group.startsWith(`slipway:${organization}:`)).toBe(true);
          }
          const deployment = { group: 'apps', kind: 'Deployment', name: 'x', namespaced: true };
          const [sa = '', name = ''] = (
            project.destinationServiceAccounts[0]?.defaultServiceAccount ?? ''
          ).split(':');
          const deployer = { kind: 'ServiceAccount' as const, namespace: sa, name };
          for (const namespace of ownNamespaces) {
            expect(isResourcePermitted(project, { ...deployment, namespace }, server, namespace)).toBe(true);
            const request = { verb: 'create', group: 'apps', resource: 'deployments', namespace };
            expect(isAllowed(objects, deployer, request)).toBe(true);
          }
          for (const namespace of others) {
            expect(
              isResourcePermitted(project, { ...deployment, namespace }, server, ownNamespaces[0] ?? ''),
            ).toBe(false);
            for (const verb of ['get', 'create', 'patch', 'delete'])
              expect(
                isAllowed(objects, deployer, { verb, group: 'apps', resource: 'deployments', namespace }),
              ).toBe(false);
          }
        }
        // Every binding in a tenant namespace binds only that organization's groups and deployer.
        for (const binding of objects.filter((object) => object.kind === 'RoleBinding')) {
          const organization = owner.get(binding.metadata.namespace ?? '');
          expect(organization).toBeDefined();
          expect((binding.roleRef as { kind: string }).kind).toBe('Role');
          for (const subject of binding.subjects as { kind: string; name: string }[]) {
            if (subject.kind === 'ServiceAccount')
              expect(subject.name).toBe(`slipway-deployer-${organization}`);
            else expect(subject.name.startsWith(`oidc:slipway:${organization}:`)).toBe(true);
          }
        }
        // Cluster-wide grants to an organization name only its own namespaces.
        for (const binding of objects.filter((object) => object.kind === 'ClusterRoleBinding')) {
          const subjects = binding.subjects as { name: string }[];
          if (subjects.some((subject) => subject.name === 'oidc:slipway:platform-admin')) continue;
          const organization = tenants.find((tenant) =>
            subjects[0]?.name.startsWith(`oidc:slipway:${tenant.organization}:`),
          )?.organization;
          for (const subject of subjects)
            expect(subject.name.startsWith(`oidc:slipway:${organization}:`)).toBe(true);
          const role = objects.find(
            (object) =>
              object.kind === 'ClusterRole' &&
              object.metadata.name === (binding.roleRef as { name: string }).name,
          );
          for (const rule of (role?.rules ?? []) as { resourceNames: string[] }[])
            for (const namespace of rule.resourceNames) expect(owner.get(namespace)).toBe(organization);
        }
        // A tenant namespace's Cilium policy selects only its own namespace (empty selectors) and kube-dns.
        for (const policy of objects.filter((object) => object.kind === 'CiliumNetworkPolicy')) {
          const text = JSON.stringify(policy.spec);
          for (const namespace of owner.keys()) expect(text.includes(`"${namespace}"`)).toBe(false);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('for any valid spec: LimitRange defaults let the namespace run as many default pods as its pod quota', () => {
    fc.assert(
      fc.property(tenantInput, (input) => {
        const objects = objectsOf(renderTenant(input));
        for (const ns of input.spec.namespaces) {
          const cpu = parseCpuMillicores(ns.quota.cpu);
          const memory = parseMemoryBytes(ns.quota.memory);
          // Below 1m CPU or 1 byte per pod no default fits; the renderer keeps 1m / 1 byte then.
          fc.pre(cpu >= ns.quota.pods);
          const namespace = tenantNamespaces(input)[input.spec.namespaces.indexOf(ns)];
          const range = objects.find(
            (object) => object.kind === 'LimitRange' && object.metadata.namespace === namespace,
          )?.spec as { limits: Record<string, Record<string, string>>[] };
          const limits = range.limits[0] ?? {};
          for (const field of ['default', 'defaultRequest']) {
            expect(ns.quota.pods * parseCpuMillicores(limits[field]?.cpu ?? '')).toBeLessThanOrEqual(cpu);
            expect(ns.quota.pods * parseMemoryBytes(limits[field]?.memory ?? '')).toBeLessThanOrEqual(memory);
          }
          expect(parseCpuMillicores(limits.defaultRequest?.cpu ?? '')).toBeLessThanOrEqual(
            parseCpuMillicores(limits.default?.cpu ?? ''),
          );
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses, for any spec, the collision the naming scheme allows when names contain hyphens', () => {
    // The property above must not pass only because random names rarely collide.
    fc.assert(
      fc.property(tenantInput, ({ spec }) => {
        // Names that fit after the 6 characters of `x-y-z-`: the refusal must be the collision.
        const fitting = spec.namespaces.filter((ns) => ns.name.length <= DNS1123_LABEL_MAX - 6);
        fc.pre(fitting.length > 0);
        const shared = { ...spec, namespaces: fitting };
        const first = { organization: 'x', environment: 'y-z', spec: shared };
        const second = { organization: 'x-y', environment: 'z', spec: shared };
        expect(() => renderTenants([first, second])).toThrow(/would belong to both x\/y-z and x-y\/z/);
      }),
      { numRuns: 20 },
    );
  });

  it('identities: organization and environment are DNS-1123 labels whose cluster name fits', () => {
    fc.assert(
      fc.property(tenantIdentity, ({ organization, environment }) => {
        expect(isDns1123Label(organization)).toBe(true);
        expect(isDns1123Label(environment)).toBe(true);
        expect(`${organization}-${environment}`.length).toBeLessThanOrEqual(CLUSTER_NAME_MAX);
      }),
    );
  });
});

/** The cluster's ingress domain in these properties. */
const INGRESS = { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };

/** Tenants of one cluster with its ingress domain, each namespace opting in to L7 visibility or not. */
const tenantsWithIngress = tenantsOfOneCluster.chain((tenants) =>
  fc
    .tuple(
      ...tenants.map((tenant) =>
        fc.array(fc.boolean(), {
          minLength: tenant.spec.namespaces.length,
          maxLength: tenant.spec.namespaces.length,
        }),
      ),
    )
    .map((optIns) =>
      tenants.map((tenant, index) => ({
        ...tenant,
        spec: {
          ...tenant.spec,
          ingress: INGRESS,
          namespaces: tenant.spec.namespaces.map((ns, at) =>
            optIns[index]?.[at] ? { ...ns, observability: { l7Http: true } } : ns,
          ),
        },
      })),
    ),
);

function ingressFor(host: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web' },
    spec: {
      ingressClassName: 'cilium',
      rules: [
        {
          host,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

describe('tenant renderer properties: ingress hosts and L7 visibility', () => {
  it("for any tenants sharing a cluster: an Ingress in one organization's namespace is admitted for its own hosts only, and the policy names no organization", () => {
    fc.assert(
      fc.property(tenantsWithIngress, dnsLabel(20), (tenants, label) => {
        let rendered: ReturnType<typeof renderTenants>;
        try {
          rendered = renderTenants(tenants);
        } catch (error) {
          expect(error).toBeInstanceOf(TenantRenderError);
          return;
        }
        const objects = objectsOf(rendered);
        // The admission policy is the same whoever the tenants are: no host of any organization is in it.
        const policyOf = (all: KubeObject[]) =>
          all.filter((object) => object.kind.startsWith('ValidatingAdmissionPolicy'));
        const kubernetesVersion = tenants[0]?.spec.kubernetesVersion ?? '1.30';
        expect(policyOf(objects)).toEqual(
          policyOf(objectsOf(renderPlatform(kubernetesVersion, undefined, INGRESS.domain))),
        );
        for (const tenant of tenants) {
          const namespace = objects.find(
            (object) => object.kind === 'Namespace' && object.metadata.name === tenantNamespaces(tenant)[0],
          );
          const labels = namespace?.metadata.labels ?? {};
          for (const owner of tenants) {
            const host = `${label}.${owner.organization}.${INGRESS.domain}`;
            expect(admitted(ingressFor(host), labels, objects)).toBe(
              owner.organization === tenant.organization,
            );
          }
          expect(
            admitted(ingressFor(`${label}.${tenant.organization}.other.example.com`), labels, objects),
          ).toBe(false);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('for any opt-ins: a namespace policy admits its own pods and the ingress proxy only, L7 rules included, and parses HTTP exactly where asked', () => {
    fc.assert(
      fc.property(tenantsWithIngress, (tenants) => {
        for (const tenant of tenants) {
          const objects = objectsOf(renderTenant(tenant));
          tenant.spec.namespaces.forEach((ns, index) => {
            const policy = objects.find(
              (object) =>
                object.kind === 'CiliumNetworkPolicy' &&
                object.metadata.namespace === tenantNamespaces(tenant)[index],
            )?.spec as {
              enableDefaultDeny: unknown;
              ingress: {
                fromEndpoints?: unknown[];
                fromEntities?: string[];
                toPorts?: { ports: { port: string }[]; rules?: unknown }[];
              }[];
              egress: unknown[];
            };
            expect(policy.enableDefaultDeny).toEqual({ ingress: true, egress: true });
            for (const rule of policy.ingress) {
              const peers = [
                ...(rule.fromEndpoints ?? []).map((peer) => JSON.stringify(peer)),
                ...(rule.fromEntities ?? []),
              ];
              expect(peers.length).toBeGreaterThan(0);
              for (const peer of peers) expect(['{}', 'ingress']).toContain(peer);
              expect(
                Object.keys(rule).every((key) => ['fromEndpoints', 'fromEntities', 'toPorts'].includes(key)),
              ).toBe(true);
            }
            const parsed = policy.ingress.flatMap((rule) =>
              (rule.toPorts ?? []).flatMap((entry) => entry.ports.map((port) => port.port)),
            );
            expect([...new Set(parsed)]).toEqual(ns.observability?.l7Http ? ['80', '8080'] : []);
            // Egress is exactly what it is without the opt-in.
            const plain = objectsOf(
              renderTenant({
                ...tenant,
                spec: { ...tenant.spec, namespaces: [{ ...ns, observability: undefined }] },
              }),
            );
            const plainPolicy = plain.find((object) => object.kind === 'CiliumNetworkPolicy')?.spec as {
              egress: unknown[];
            };
            expect(policy.egress).toEqual(plainPolicy.egress);
          });
        }
      }),
      { numRuns: 25 },
    );
  });
});

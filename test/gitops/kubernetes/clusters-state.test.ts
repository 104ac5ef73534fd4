/**
 * A shared cluster's state is built by separate runs: the cluster's own (the platform part) and
 * one per tenant (the tenant part), each committed to its own directory. For any set of tenants
 * of one cluster, the union of those parts is exactly what renderTenants renders for them together
 * (plus the ApplicationSet that reconciles the tenant directories) — so the isolation properties of
 * properties.test.ts hold for the state the runs build — and, checked here on that union directly:
 * no AppProject, RoleBinding or Cilium policy of one organization reaches another's namespaces, every
 * namespace has its own quota, and an organization's quotas add up to what its spec asks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCpuMillicores, parseMemoryBytes } from '../../../functions/domain/environment-spec.js';
import {
  renderPlatform,
  renderTenant,
  renderTenants,
  TenantRenderError,
  tenantNamespaces,
} from '../../../gitops/kubernetes/tenants/render.js';
import { sharedTenantsPath } from '../../../gitops/kubernetes/tenants/shared.js';
import { tenantsOfOneCluster } from './arbitraries.js';
import type { KubeObject } from './models.js';

const SHARED = {
  cluster: 'shared-eu',
  repository: 'https://git.example.com/slipway-gitops.git',
  revision: 'main',
};

// In memory: the written YAML holding exactly these objects, each valid, is properties.test.ts's claim.
const objectsOf = (files: ReturnType<typeof renderTenant>): KubeObject[] =>
  files.flatMap((file) =>
    file.objects.map((object) => JSON.parse(JSON.stringify(object.toJSON())) as KubeObject),
  );
const identity = (object: KubeObject) =>
  `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

describe('shared cluster state (platform part + one tenant part per run)', () => {
  it('for any tenants: the parts rendered by separate runs add up to renderTenants, and nothing of one organization reaches another', () => {
    fc.assert(
      fc.property(tenantsOfOneCluster, (drawn) => {
        // Tenants of one cluster share its versions: their specs are resolved against the cluster's.
        const [first] = drawn;
        const tenants = drawn.map((tenant) => ({
          ...tenant,
          spec: {
            ...tenant.spec,
            kubernetesVersion: first?.spec.kubernetesVersion ?? tenant.spec.kubernetesVersion,
            ciliumVersion: first?.spec.ciliumVersion ?? tenant.spec.ciliumVersion,
          },
        }));
        let together: KubeObject[];
        try {
          together = objectsOf(renderTenants(tenants));
        } catch (error) {
          // Colliding names: refused here, and by the API before a tenant is placed (cluster-tenants.ts).
          expect(error).toBeInstanceOf(TenantRenderError);
          return;
        }
        const platform = objectsOf(renderPlatform(first?.spec.kubernetesVersion ?? '1.30', SHARED));
        const byTenant = tenants.map((tenant) => objectsOf(renderTenant(tenant)));
        const parts = [...platform, ...byTenant.flat()];
        const applicationSet = platform.filter((object) => object.metadata.name === 'slipway-tenants');
        expect(applicationSet).toHaveLength(1);
        expect(parts.map(identity).sort()).toEqual([...together, ...applicationSet].map(identity).sort());
        // No part carries an organization's object twice, and a tenant part nothing of the platform's.
        expect(new Set(parts.map(identity)).size).toBe(parts.length);
        for (const object of platform)
          expect(object.metadata.labels?.['slipway.io/organization']).toBeUndefined();

        const owner = new Map(
          tenants.flatMap((tenant) =>
            tenantNamespaces(tenant).map((namespace) => [namespace, tenant.organization]),
          ),
        );
        for (const [index, tenant] of tenants.entries()) {
          const organization = tenant.organization;
          const own = byTenant[index] ?? [];
          for (const object of own) {
            if (object.metadata.namespace && object.metadata.namespace !== 'argocd') {
              expect(owner.get(object.metadata.namespace)).toBe(organization);
            }
            if (object.kind === 'AppProject') {
              const spec = object.spec as { destinations: { namespace: string }[] };
              for (const destination of spec.destinations)
                expect(owner.get(destination.namespace)).toBe(organization);
            }
            if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
              for (const subject of ((object as { subjects?: Subject[] }).subjects ?? []) as Subject[]) {
                // OIDC groups reach RBAC prefixed (`oidc:`): the organization's own groups only.
                if (subject.kind === 'Group') expect(subject.name).toContain(`slipway:${organization}:`);
                if (subject.namespace)
                  expect([organization, 'argocd']).toContain(owner.get(subject.namespace) ?? 'argocd');
              }
            }
            if (object.kind === 'CiliumNetworkPolicy') {
              const text = JSON.stringify(object.spec);
              for (const [namespace, org] of owner) {
                if (org !== organization) expect(text).not.toContain(`"${namespace}"`);
              }
            }
          }
          // Quotas: one per namespace, equal to the spec's; the organization's total is the spec's sum.
          const quotas = own.filter((object) => object.kind === 'ResourceQuota');
          expect(quotas.map((quota) => quota.metadata.namespace)).toEqual(tenantNamespaces(tenant));
          const total = quotas.reduce(
            (sum, quota) => {
              const hard = (quota.spec as { hard: Record<string, string> }).hard;
              return {
                cpu: sum.cpu + parseCpuMillicores(hard['requests.cpu'] ?? '0'),
                memory: sum.memory + parseMemoryBytes(hard['requests.memory'] ?? '0'),
              };
            },
            { cpu: 0, memory: 0 },
          );
          expect(total).toEqual({
            cpu: tenant.spec.namespaces.reduce((sum, ns) => sum + parseCpuMillicores(ns.quota.cpu), 0),
            memory: tenant.spec.namespaces.reduce((sum, ns) => sum + parseMemoryBytes(ns.quota.memory), 0),
          });
        }
      }),
      // Each run renders and schema-validates 2-4 tenants twice (parts, and together): a few suffice
      // beside properties.test.ts, which covers renderTenants itself with many more.
      { numRuns: 25 },
    );
  });

  it("reconciles each tenant's directory of the cluster, in the platform's project, deleting what a removed directory created", () => {
    const [applicationSet] = objectsOf(renderPlatform('1.30', SHARED)).filter(
      (object) => object.kind === 'ApplicationSet',
    );
    expect(applicationSet?.spec).toMatchObject({
      generators: [
        {
          git: { repoURL: SHARED.repository, directories: [{ path: `${sharedTenantsPath('shared-eu')}/*` }] },
        },
      ],
      template: {
        metadata: {
          name: 'tenant-{{ .path.basename }}',
          finalizers: ['resources-finalizer.argocd.argoproj.io'],
        },
        spec: { project: 'slipway-platform' },
      },
    });
  });
});

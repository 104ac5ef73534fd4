import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDns1123Label } from '../../../functions/domain/environment-spec.js';
import { toYaml } from '../../../gitops/kubernetes/tenants/bundle.js';
import {
  renderTenant,
  renderTenants,
  TenantRenderError,
  tenantNamespaces,
} from '../../../gitops/kubernetes/tenants/render.js';
import { tenantInput, tenantsOfOneCluster } from './arbitraries.js';
import { type KubeObject, parseYamlObjects, validateWithModel } from './models.js';

function objectsOf(files: ReturnType<typeof renderTenant>): KubeObject[] {
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

  it('for any valid spec: every rendered object validates with kubernetes-models', () => {
    fc.assert(
      fc.property(tenantInput, (input) => {
        for (const object of objectsOf(renderTenant(input))) validateWithModel(object);
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

  it('refuses, for any spec, the collision the naming scheme allows when names contain hyphens', () => {
    // The property above must not pass only because random names rarely collide.
    fc.assert(
      fc.property(tenantInput, ({ spec }) => {
        const first = { organization: 'x', environment: 'y-z', spec };
        const second = { organization: 'x-y', environment: 'z', spec };
        expect(() => renderTenants([first, second])).toThrow(TenantRenderError);
      }),
      { numRuns: 20 },
    );
  });
});

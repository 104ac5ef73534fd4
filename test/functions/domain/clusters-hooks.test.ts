/**
 * Routing a shared cluster's events to the tenant that owns the namespace: the right tenant, a
 * namespace of no tenant (or of another cluster's tenant) refused, an event spanning two tenants
 * refused, the token of another cluster (or an environment's) refused, the previous secret accepted
 * during a rotation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routeClusterEvent, tenantNamespacesOfSpec } from '../../../functions/domain/cluster-hooks.js';
import { deriveHookToken, environmentTokenSubject } from '../../../functions/domain/hook-token.js';

const SECRET = 'current-argocd-hook-secret';
const PREVIOUS = 'previous-argocd-hook-secret';
const tokenOf = (cluster: string, secret = SECRET) => deriveHookToken(secret, `cluster/${cluster}`);
const tenants = [
  tenantNamespacesOfSpec('acme', 'prod', { namespaces: [{ name: 'payments' }, { name: 'web' }] }),
  tenantNamespacesOfSpec('globex', 'prod', { namespaces: [{ name: 'shop' }] }),
];
const event = (namespaces: string[], token = tokenOf('shared-eu')) => ({
  cluster: 'shared-eu',
  token,
  secrets: [SECRET, PREVIOUS],
  namespaces,
});

describe('routeClusterEvent', () => {
  it('routes an event to the tenant that owns its namespace', () => {
    expect(routeClusterEvent(event(['acme-prod-web']), tenants)).toEqual({
      kind: 'tenant',
      organization: 'acme',
      environment: 'prod',
    });
    expect(routeClusterEvent(event(['globex-prod-shop']), tenants)).toMatchObject({ organization: 'globex' });
    expect(routeClusterEvent(event(['monitoring']), tenants)).toEqual({ kind: 'cluster' });
  });

  it('refuses a namespace of no tenant of this cluster, and one event about two tenants', () => {
    expect(routeClusterEvent(event(['initech-prod-api']), tenants)).toMatchObject({
      kind: 'refused',
      reason: 'unknown-namespace',
    });
    expect(routeClusterEvent(event(['acme-prod-web', 'globex-prod-shop']), tenants)).toMatchObject({
      kind: 'refused',
      reason: 'several-tenants',
    });
  });

  it("refuses another cluster's token and an environment's token, accepts the previous secret's", () => {
    expect(routeClusterEvent(event(['acme-prod-web'], tokenOf('shared-us')), tenants)).toMatchObject({
      kind: 'refused',
      reason: 'token',
    });
    const environmentToken = deriveHookToken(SECRET, environmentTokenSubject('acme', 'prod'));
    expect(routeClusterEvent(event(['acme-prod-web'], environmentToken), tenants)).toMatchObject({
      reason: 'token',
    });
    expect(routeClusterEvent({ ...event(['acme-prod-web']), token: undefined }, tenants)).toMatchObject({
      reason: 'token',
    });
    expect(
      routeClusterEvent(event(['acme-prod-web'], tokenOf('shared-eu', PREVIOUS)), tenants),
    ).toMatchObject({
      kind: 'tenant',
    });
  });

  it('for any namespace list, a routed event is about namespaces of that one tenant (or the platform) only', () => {
    const all = ['acme-prod-web', 'acme-prod-payments', 'globex-prod-shop', 'monitoring', 'other-x-y'];
    fc.assert(
      fc.property(fc.subarray(all, { minLength: 1 }), (namespaces) => {
        const route = routeClusterEvent(event(namespaces), tenants);
        if (route.kind === 'tenant') {
          for (const ns of namespaces)
            expect(ns === 'monitoring' || ns.startsWith(`${route.organization}-prod-`)).toBe(true);
        } else if (route.kind === 'cluster') {
          expect(namespaces).toEqual(['monitoring']);
        } else {
          expect(
            namespaces.includes('other-x-y') ||
              (namespaces.some((n) => n.startsWith('acme')) && namespaces.includes('globex-prod-shop')),
          ).toBe(true);
        }
      }),
    );
  });
});

/**
 * Where a cluster's event belongs (cluster-event.ts): a tenant's own namespace, the platform's,
 * one shaped like the tenant's but not declared (unknown), or another tenant's (foreign: refused).
 */
import { describe, expect, it } from 'vitest';
import {
  PLATFORM_PROJECT,
  routeArgoEvent,
  routeNamespace,
  tenantOfNamespace,
  tenantScope,
} from '../../../functions/domain/cluster-event.js';
import { PLATFORM_NAMESPACES } from '../../../functions/domain/cluster-namespaces.js';

const scope = tenantScope('acme', 'prod', { namespaces: [{ name: 'web' }, { name: 'api' }] });
const platform = PLATFORM_NAMESPACES[0] ?? 'argocd';

describe('tenantScope', () => {
  it('lists the full names of the namespaces a spec declares, skipping entries that name none', () => {
    expect(scope).toEqual({
      organization: 'acme',
      environment: 'prod',
      namespaces: ['acme-prod-web', 'acme-prod-api'],
    });
    expect(
      tenantScope('acme', 'prod', { namespaces: [null, 'web', { name: 3 }, {}, { name: 'db' }] }).namespaces,
    ).toEqual(['acme-prod-db']);
    expect(tenantScope('acme', 'prod', {}).namespaces).toEqual([]);
    expect(tenantScope('acme', 'prod', { namespaces: 'web' }).namespaces).toEqual([]);
  });
});

describe('routeNamespace and tenantOfNamespace', () => {
  it("routes a tenant's namespace, a platform one, an undeclared one shaped like the tenant's, and any other", () => {
    expect(routeNamespace(scope, 'acme-prod-web')).toBe('tenant');
    expect(routeNamespace(scope, platform)).toBe('platform');
    expect(routeNamespace(scope, 'acme-prod-removed')).toBe('unknown');
    expect(routeNamespace(scope, undefined)).toBe('unknown');
    expect(routeNamespace(scope, '')).toBe('unknown');
    expect(routeNamespace(scope, 'acme-staging-web')).toBe('foreign');
    expect(routeNamespace(scope, 'other-acme-prod-')).toBe('foreign');
    expect(routeNamespace(scope, 'acme-prod')).toBe('foreign');
  });

  it('finds the tenant that declares a namespace on a shared cluster', () => {
    const other = tenantScope('beta', 'dev', { namespaces: [{ name: 'web' }] });
    expect(tenantOfNamespace('beta-dev-web', [scope, other])).toBe(other);
    expect(tenantOfNamespace('acme-prod-api', [scope, other])).toBe(scope);
    expect(tenantOfNamespace('beta-dev-api', [scope, other])).toBeUndefined();
  });
});

describe('routeArgoEvent', () => {
  const tenantApp = {
    organization: 'acme',
    environment: 'prod',
    app: 'acme-prod-web',
    project: 'acme',
    namespace: 'acme-prod-web',
  };

  it("routes a tenant Application: named like its namespace, in the organization's project", () => {
    expect(routeArgoEvent(scope, tenantApp)).toBe('tenant');
    expect(routeArgoEvent(scope, { app: 'acme-prod-web', namespace: 'acme-prod-web' })).toBe('tenant');
    expect(
      routeArgoEvent(scope, { ...tenantApp, organization: null, environment: null, project: null }),
    ).toBe('tenant');
  });

  it('refuses an event whose notification context names another tenant', () => {
    expect(routeArgoEvent(scope, { ...tenantApp, organization: 'beta' })).toBe('foreign');
    expect(routeArgoEvent(scope, { ...tenantApp, environment: 'staging' })).toBe('foreign');
  });

  it('routes a platform Application only into a platform namespace', () => {
    expect(routeArgoEvent(scope, { app: 'argocd', project: PLATFORM_PROJECT, namespace: platform })).toBe(
      'platform',
    );
    expect(
      routeArgoEvent(scope, { app: 'argocd', project: PLATFORM_PROJECT, namespace: 'acme-prod-web' }),
    ).toBe('foreign');
    expect(routeArgoEvent(scope, { app: 'argocd', project: PLATFORM_PROJECT })).toBe('foreign');
    expect(PLATFORM_PROJECT).toBe('slipway-platform');
  });

  it("refuses another tenant's namespace or name, another project, a tenant project deploying to a platform namespace, an app named unlike its namespace", () => {
    expect(routeArgoEvent(scope, { ...tenantApp, namespace: 'beta-dev-web' })).toBe('foreign');
    expect(routeArgoEvent(scope, { ...tenantApp, app: 'beta-dev-web' })).toBe('foreign');
    expect(routeArgoEvent(scope, { ...tenantApp, project: 'beta' })).toBe('foreign');
    expect(routeArgoEvent(scope, { ...tenantApp, namespace: platform })).toBe('foreign');
    expect(routeArgoEvent(scope, { ...tenantApp, app: 'acme-prod-api' })).toBe('foreign');
  });

  it('records as unknown an Application shaped like the tenant but not declared', () => {
    expect(routeArgoEvent(scope, { ...tenantApp, app: 'acme-prod-old', namespace: 'acme-prod-old' })).toBe(
      'unknown',
    );
    expect(routeArgoEvent(scope, { ...tenantApp, app: 'acme-prod-web', namespace: null })).toBe('unknown');
    expect(routeArgoEvent(scope, { ...tenantApp, app: 'acme-prod-old' })).toBe('unknown');
  });
});

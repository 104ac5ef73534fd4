/**
 * A shared placement (cluster-placement.ts): the request's own shape, its resolution against the
 * cluster's spec, and the successes a tenant's plan sees.
 */
import { describe, expect, it } from 'vitest';
import { validateClusterSpec } from '../../../functions/domain/cluster.js';
import {
  CLUSTER_PHASES,
  isSharedPlacement,
  parseSharedRequest,
  resolveSharedSpec,
  SHARED_CLUSTER_REASON,
  sharedClusterOf,
  TENANT_NOT_APPLICABLE,
  tenantKey,
  tenantSuccesses,
  withoutPlacement,
} from '../../../functions/domain/cluster-placement.js';
import type { PhaseSuccess } from '../../../functions/domain/phase-plan.js';
import { validSpec } from '../../support/fixtures.js';

const { namespaces, gitops, ...dedicated } = validSpec();
const tenantBody = { tier: 'prod', sharedCluster: 'shared-eu', namespaces, gitops };
const context = { organization: 'acme', environment: 'prod' };

function clusterSpec(overrides: Record<string, unknown> = {}) {
  const result = validateClusterSpec({ ...dedicated, ...overrides }, 'shared-eu');
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
}

describe('isSharedPlacement and sharedClusterOf', () => {
  it('tell a placement on a shared cluster by its sharedCluster field', () => {
    expect(isSharedPlacement(tenantBody)).toBe(true);
    expect(isSharedPlacement({ sharedCluster: undefined })).toBe(true);
    expect(isSharedPlacement(validSpec())).toBe(false);
    expect(isSharedPlacement(null)).toBe(false);
    expect(isSharedPlacement('sharedCluster')).toBe(false);
    expect(isSharedPlacement(['sharedCluster'])).toBe(false);
    expect(sharedClusterOf({ sharedCluster: 'shared-eu' })).toBe('shared-eu');
    expect(sharedClusterOf({ sharedCluster: 3 })).toBeUndefined();
    expect(sharedClusterOf({})).toBeUndefined();
  });
});

describe('parseSharedRequest', () => {
  it('reads the cluster name and keeps the body', () => {
    expect(parseSharedRequest(tenantBody)).toEqual({
      ok: true,
      spec: { sharedCluster: 'shared-eu', body: tenantBody },
    });
  });

  it("refuses a dedicated field as the cluster's, and a name that is not a DNS label", () => {
    for (const field of [
      'region',
      'kubernetesVersion',
      'ciliumVersion',
      'cluster',
      'network',
      'ingress',
      'logs',
    ]) {
      expect(parseSharedRequest({ ...tenantBody, [field]: 'x' }), field).toEqual({
        ok: false,
        issues: [
          {
            field,
            message: `${field}: is the shared cluster's: a spec with "sharedCluster" does not set it`,
          },
        ],
      });
    }
    const unknown = parseSharedRequest({ ...tenantBody, clusterX: 1 });
    expect(unknown.ok ? [] : unknown.issues[0]?.message).not.toContain('is the shared cluster');
    const refused: [string, string][] = [
      ['', 'must not be empty'],
      ['a'.repeat(64), 'must be at most 63 characters'],
      ['Shared', 'must be a cluster name (a DNS-1123 label)'],
      ['shared-', 'must be a cluster name (a DNS-1123 label)'],
      ['-shared', 'must be a cluster name (a DNS-1123 label)'],
    ];
    for (const [name, message] of refused) {
      const result = parseSharedRequest({ ...tenantBody, sharedCluster: name });
      expect(result.ok ? [] : result.issues.map((found) => found.message), name).toContain(
        `sharedCluster: ${message}`,
      );
    }
    expect(parseSharedRequest({ ...tenantBody, sharedCluster: 'a'.repeat(63) }).ok).toBe(true);
    expect(parseSharedRequest({ ...tenantBody, sharedCluster: 'a' }).ok).toBe(true);
  });
});

describe('resolveSharedSpec', () => {
  const request = (body: Record<string, unknown> = tenantBody) => {
    const parsed = parseSharedRequest(body);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return parsed.spec;
  };

  it("copies in the cluster's region, versions, shape and network beside sharedCluster", () => {
    expect(resolveSharedSpec(request(), clusterSpec({ overcommit: { cpu: 2, memory: 1 } }), context)).toEqual(
      {
        ok: true,
        spec: { ...validSpec(), sharedCluster: 'shared-eu' },
      },
    );
  });

  it("reports an issue of a field the cluster provides on sharedCluster, the tenant's own on its field", () => {
    const small = clusterSpec({
      tier: 'dev',
      cluster: { ...dedicated.cluster, controlPlane: { count: 1, instanceType: 'm6i.large' } },
    });
    const result = resolveSharedSpec(request(), small, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((found) => found.field)).toEqual(['sharedCluster']);
    expect(result.issues[0]?.message).toMatch(
      /^sharedCluster: cluster shared-eu cannot host this environment: cluster\./,
    );
    const own = resolveSharedSpec(
      request({ ...tenantBody, gitops: { ...gitops, branch: '' } }),
      clusterSpec(),
      context,
    );
    expect(new Set(own.ok ? [] : own.issues.map((found) => found.field))).toEqual(new Set(['gitops.branch']));
    const tier = resolveSharedSpec(request({ ...tenantBody, tier: 'qa' }), clusterSpec(), context);
    expect(tier.ok ? [] : tier.issues.map((found) => found.field)).toEqual(['tier']);
    const name = resolveSharedSpec(request(), clusterSpec(), { organization: 'acme', environment: 'Prod' });
    expect(name.ok ? [] : name.issues.map((found) => found.field)).toEqual(['environment']);
  });

  it('drops sharedCluster for the validator and the renderer', () => {
    expect(withoutPlacement({ ...validSpec(), sharedCluster: 'shared-eu' })).toEqual(validSpec());
  });
});

describe('tenantSuccesses', () => {
  const success = (runId: string): PhaseSuccess => ({
    fingerprint: `f-${runId}`,
    runId,
    outputs: { RUN: runId },
    at: 't',
  });

  it("takes the cluster's Terraform and Ansible successes in place of the tenant's, keeps its own ArgoCD one", () => {
    expect(CLUSTER_PHASES).toEqual(['terraform', 'ansible']);
    expect(TENANT_NOT_APPLICABLE).toEqual({
      terraform: SHARED_CLUSTER_REASON,
      ansible: SHARED_CLUSTER_REASON,
    });
    expect(SHARED_CLUSTER_REASON).toBe('shared cluster');
    const tenant = { terraform: success('t1'), ansible: success('t2'), 'argocd-bootstrap': success('t3') };
    expect(tenantSuccesses(tenant, { terraform: success('c1'), ansible: success('c2') })).toEqual({
      terraform: success('c1'),
      ansible: success('c2'),
      'argocd-bootstrap': success('t3'),
    });
    expect(tenantSuccesses(tenant, { terraform: success('c1') })).toEqual({
      terraform: success('c1'),
      'argocd-bootstrap': success('t3'),
    });
    expect(tenant.ansible).toEqual(success('t2'));
  });

  it('keys a tenant by organization and environment', () => {
    expect(tenantKey('acme', 'prod')).toBe('acme/prod');
  });
});

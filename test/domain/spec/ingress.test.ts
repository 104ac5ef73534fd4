import { describe, expect, it } from 'vitest';
import { validateClusterSpec } from '../../../functions/domain/cluster.js';
import { parseSharedRequest, resolveSharedSpec } from '../../../functions/domain/cluster-placement.js';
import { l7HttpPorts, validateEnvironmentSpec } from '../../../functions/domain/environment-spec.js';
import { validSpec } from '../../support/fixtures.js';

const INGRESS = { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };

function issuesOf(input: unknown): { field: string; message: string }[] {
  const result = validateEnvironmentSpec(input, { organization: 'acme', environment: 'prod' });
  return result.ok ? [] : result.issues;
}

describe('spec.ingress (the cluster ingress domain)', () => {
  it('is optional, and accepted as a lower-case DNS name with a hosted zone id', () => {
    expect(issuesOf(validSpec())).toEqual([]);
    expect(issuesOf({ ...validSpec(), ingress: INGRESS })).toEqual([]);
    expect(issuesOf({ ...validSpec(), ingress: { ...INGRESS, domain: 'a-1.b2.example' } })).toEqual([]);
  });

  it.each([
    [{ ...INGRESS, domain: '*.apps.example.com' }, 'ingress.domain', /no wildcard/],
    [{ ...INGRESS, domain: 'Apps.Example.com' }, 'ingress.domain', /lower-case DNS name/],
    [{ ...INGRESS, domain: 'apps.example.com.' }, 'ingress.domain', /no trailing dot/],
    [{ ...INGRESS, domain: 'localhost' }, 'ingress.domain', /at least two labels/],
    [{ ...INGRESS, domain: 'a..example.com' }, 'ingress.domain', /DNS name/],
    [{ ...INGRESS, domain: '-a.example.com' }, 'ingress.domain', /DNS name/],
    [
      { ...INGRESS, domain: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.com` },
      'ingress.domain',
      /at most 190/,
    ],
    [{ ...INGRESS, domain: 'apps.example.com;reboot' }, 'ingress.domain', /DNS name/],
    [{ ...INGRESS, hostedZoneId: '/hostedzone/Z0123' }, 'ingress.hostedZoneId', /hosted zone id/],
    [{ domain: 'apps.example.com' }, 'ingress.hostedZoneId', /is required/],
    [{ ...INGRESS, tls: 'acme' }, 'ingress.tls', /not a known field/],
  ])('refuses %j, naming %s', (ingress, field, pattern) => {
    const issues = issuesOf({ ...validSpec(), ingress });
    expect(issues.map((found) => found.field)).toEqual([field]);
    expect(issues[0]?.message.startsWith(`${field}: `)).toBe(true);
    expect(issues[0]?.message).toMatch(pattern);
  });

  it("is a shared cluster's: the cluster spec carries it, its tenants inherit it and may not set it", () => {
    const { namespaces: _n, gitops: _g, ...dedicated } = validSpec();
    const cluster = validateClusterSpec({ ...dedicated, ingress: INGRESS }, 'shared-eu');
    expect(cluster.ok).toBe(true);
    if (!cluster.ok) return;
    expect(cluster.spec.ingress).toEqual(INGRESS);
    const bad = validateClusterSpec(
      { ...dedicated, ingress: { ...INGRESS, domain: '*.x.com' } },
      'shared-eu',
    );
    expect(bad.ok ? [] : bad.issues.map((found) => found.field)).toEqual(['ingress.domain']);

    const spec = validSpec();
    const body = {
      tier: spec.tier,
      sharedCluster: 'shared-eu',
      namespaces: spec.namespaces,
      gitops: spec.gitops,
    };
    const request = parseSharedRequest(body);
    expect(request.ok).toBe(true);
    if (!request.ok) return;
    const resolved = resolveSharedSpec(request.spec, cluster.spec, {
      organization: 'acme',
      environment: 'dev',
    });
    expect(resolved.ok && resolved.spec.ingress).toEqual(INGRESS);
    const own = parseSharedRequest({ ...body, ingress: INGRESS });
    expect(own.ok ? [] : own.issues.map((found) => found.message)).toEqual([
      'ingress: is the shared cluster\'s: a spec with "sharedCluster" does not set it',
    ]);
  });
});

describe('namespaces[].observability (Cilium L7 HTTP visibility opt-in)', () => {
  const withObservability = (observability: unknown) => ({
    ...validSpec(),
    namespaces: [{ name: 'payments', quota: { cpu: '4', memory: '8Gi', pods: 40 }, observability }],
  });

  it('is off by default; l7Http: true parses ports 80 and 8080 unless httpPorts says', () => {
    expect(l7HttpPorts(undefined)).toEqual([]);
    expect(l7HttpPorts({ l7Http: false })).toEqual([]);
    expect(l7HttpPorts({ l7Http: true })).toEqual([80, 8080]);
    expect(l7HttpPorts({ l7Http: true, httpPorts: [3000] })).toEqual([3000]);
    expect(issuesOf(withObservability({ l7Http: true, httpPorts: [3000, 8000] }))).toEqual([]);
    expect(issuesOf(withObservability({}))).toEqual([]);
  });

  it.each([
    [{ l7Http: 'yes' }, 'namespaces.0.observability.l7Http', /true or false/],
    [{ l7Http: true, httpPorts: [0] }, 'namespaces.0.observability.httpPorts.0', /at least 1/],
    [{ l7Http: true, httpPorts: [65_536] }, 'namespaces.0.observability.httpPorts.0', /at most 65535/],
    [{ l7Http: true, httpPorts: [80.5] }, 'namespaces.0.observability.httpPorts.0', /integer/],
    [{ l7Http: true, httpPorts: [] }, 'namespaces.0.observability.httpPorts', /at least one/],
    [
      { l7Http: true, httpPorts: [80, 81, 82, 83, 84, 85, 86, 87, 88] },
      'namespaces.0.observability.httpPorts',
      /at most 8/,
    ],
    [{ l7Http: true, httpPorts: [80, 80] }, 'namespaces.0.observability.httpPorts.1', /listed twice/],
    [{ httpPorts: [80] }, 'namespaces.0.observability.httpPorts', /only applies with l7Http: true/],
    [{ l7: true }, 'namespaces.0.observability.l7', /not a known field/],
  ])('refuses %j, naming %s', (observability, field, pattern) => {
    const issues = issuesOf(withObservability(observability));
    expect(issues.map((found) => found.field)).toEqual([field]);
    expect(issues[0]?.message).toMatch(pattern);
  });
});

/**
 * What a shared cluster can give its tenants (cluster-capacity.ts) and what its spec may say
 * (cluster.ts): the figures are those of docs/clusters.md and the kubelet reservations file.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_OVERCOMMIT,
  isReservedOrganization,
  MAX_OVERCOMMIT,
  overcommitOf,
  validateClusterSpec,
} from '../../../functions/domain/cluster.js';
import {
  addTotals,
  capacityShortfalls,
  clusterAllocatable,
  EVICTION_MEMORY_BYTES,
  grantable,
  kubeReservedCpu,
  kubeReservedMemory,
  NODE_MAX_PODS,
  nodeAllocatable,
  PLATFORM_WORKLOADS,
  SYSTEM_RESERVED,
  ZERO_TOTALS,
} from '../../../functions/domain/cluster-capacity.js';
import { validSpec } from '../../support/fixtures.js';

const MI = 1024 ** 2;
const GI = 1024 ** 3;

describe('the node reservations', () => {
  it("reserve EKS's kube-reserved CPU: 6 % of the first core, 1 % of the second, 0.5 % of the next two, 0.25 % above", () => {
    expect([1, 2, 3, 4, 8, 16].map(kubeReservedCpu)).toEqual([60, 70, 75, 80, 90, 110]);
    expect(kubeReservedCpu(0)).toBe(0);
    expect(kubeReservedCpu(5)).toBe(83); // 82.5 rounded
  });

  it('reserve 255 MiB + 11 MiB per pod of memory, 100m and 100 MiB for the system, 100 MiB before eviction', () => {
    expect(kubeReservedMemory(110)).toBe(1465 * MI);
    expect(kubeReservedMemory(0)).toBe(255 * MI);
    expect(NODE_MAX_PODS).toBe(110);
    expect(SYSTEM_RESERVED).toEqual({ cpuMillicores: 100, memoryBytes: 100 * MI });
    expect(EVICTION_MEMORY_BYTES).toBe(100 * MI);
  });

  it('leave a node the rest for pods', () => {
    expect(nodeAllocatable({ vcpu: 4, memoryGiB: 16 })).toEqual({
      cpuMillicores: 3820,
      memoryBytes: 14719 * MI,
      pods: 110,
    });
    expect(nodeAllocatable({ vcpu: 2, memoryGiB: 8 })).toEqual({
      cpuMillicores: 1830,
      memoryBytes: (8192 - 1665) * MI,
      pods: 110,
    });
  });
});

describe('clusterAllocatable', () => {
  it("is the workers' allocatable minus the platform's workloads (2 CPU, 4 GiB, 40 pods)", () => {
    expect(PLATFORM_WORKLOADS).toEqual({ cpuMillicores: 2000, memoryBytes: 4 * GI, pods: 40 });
    expect(clusterAllocatable({ workers: { count: 3, instanceType: 'm6i.xlarge' } })).toEqual({
      cpuMillicores: 3 * 3820 - 2000,
      memoryBytes: 3 * 14719 * MI - 4 * GI,
      pods: 3 * 110 - 40,
    });
  });

  it('is never negative, and unknown for an instance type whose capacity Slipway does not know', () => {
    expect(clusterAllocatable({ workers: { count: 1, instanceType: 'c6i.large' } })).toEqual({
      cpuMillicores: 0,
      memoryBytes: 0,
      pods: 70,
    });
    expect(clusterAllocatable({ workers: { count: 0, instanceType: 'm6i.large' } })).toEqual(ZERO_TOTALS);
    expect(clusterAllocatable({ workers: { count: 3, instanceType: 'm5.large' } })).toBeUndefined();
  });
});

describe('grantable, addTotals and capacityShortfalls', () => {
  const allocatable = { cpuMillicores: 1001, memoryBytes: 3 * GI + 1, pods: 10 };

  it('overcommit CPU and memory (rounded down), never pods', () => {
    expect(grantable(allocatable, { cpu: 1.5, memory: 2 })).toEqual({
      cpuMillicores: 1501,
      memoryBytes: 6 * GI + 2,
      pods: 10,
    });
    expect(grantable(allocatable, { cpu: 0.5, memory: 0.5 })).toEqual({
      cpuMillicores: 500,
      memoryBytes: Math.floor((3 * GI + 1) / 2),
      pods: 10,
    });
  });

  it('add totals field by field', () => {
    expect(
      addTotals(
        { cpuMillicores: 1, memoryBytes: 2, pods: 3 },
        { cpuMillicores: 10, memoryBytes: 20, pods: 30 },
      ),
    ).toEqual({ cpuMillicores: 11, memoryBytes: 22, pods: 33 });
    expect(ZERO_TOTALS).toEqual({ cpuMillicores: 0, memoryBytes: 0, pods: 0 });
  });

  it('name each resource the request would push over the limit, with what is left of it', () => {
    const limit = { cpuMillicores: 4000, memoryBytes: 8 * GI, pods: 100 };
    const granted = { cpuMillicores: 3000, memoryBytes: 6 * GI, pods: 90 };
    expect(
      capacityShortfalls({ cpuMillicores: 1000, memoryBytes: 2 * GI, pods: 10 }, granted, limit),
    ).toEqual([]);
    expect(
      capacityShortfalls({ cpuMillicores: 1001, memoryBytes: 2 * GI + 1, pods: 11 }, granted, limit),
    ).toEqual([
      // The two amounts of a resource in one unit, so they compare at a glance.
      { resource: 'cpu', requested: '1001m', available: '1000m' },
      { resource: 'memory', requested: '2147483649', available: '2147483648' },
      { resource: 'pods', requested: 11, available: 10 },
    ]);
    const over = { cpuMillicores: 5000, memoryBytes: 9 * GI, pods: 110 };
    expect(capacityShortfalls({ cpuMillicores: 500, memoryBytes: GI, pods: 1 }, over, limit)).toEqual([
      { resource: 'cpu', requested: '500m', available: '0m' },
      { resource: 'memory', requested: '1Gi', available: '0Gi' },
      { resource: 'pods', requested: 1, available: 0 },
    ]);
  });
});

describe('validateClusterSpec', () => {
  const { namespaces: _namespaces, gitops: _gitops, ...dedicated } = validSpec();

  it("accepts a dedicated environment's spec without namespaces and gitops, with or without an overcommit", () => {
    expect(validateClusterSpec(dedicated, 'shared-eu')).toEqual({ ok: true, spec: dedicated });
    const overcommitted = validateClusterSpec(
      { ...dedicated, overcommit: { cpu: 0.1, memory: 4 } },
      'shared-eu',
    );
    expect(overcommitted).toEqual({ ok: true, spec: { ...dedicated, overcommit: { cpu: 0.1, memory: 4 } } });
    if (overcommitted.ok) expect(overcommitOf(overcommitted.spec)).toEqual({ cpu: 0.1, memory: 4 });
    expect(overcommitOf(dedicated as never)).toEqual(DEFAULT_OVERCOMMIT);
    expect(DEFAULT_OVERCOMMIT).toEqual({ cpu: 1, memory: 1 });
  });

  it('refuses an overcommit under 0.1 or over 4, naming the field', () => {
    expect(MAX_OVERCOMMIT).toBe(4);
    const low = validateClusterSpec({ ...dedicated, overcommit: { cpu: 0.09, memory: 1 } }, 'shared-eu');
    expect(low).toEqual({
      ok: false,
      issues: [{ field: 'overcommit.cpu', message: 'overcommit.cpu: must be at least 0.1' }],
    });
    const high = validateClusterSpec({ ...dedicated, overcommit: { cpu: 1, memory: 4.01 } }, 'shared-eu');
    expect(high).toEqual({
      ok: false,
      issues: [
        {
          field: 'overcommit.memory',
          message: 'overcommit.memory: must be at most 4 (quotas of 4× the nodes)',
        },
      ],
    });
  });

  it("refuses a tenant's fields and unknown ones", () => {
    const withTenant = validateClusterSpec({ ...dedicated, namespaces: [] }, 'shared-eu');
    expect(withTenant.ok ? [] : withTenant.issues.map((found) => found.field)).toEqual(['namespaces']);
    const extra = validateClusterSpec(
      { ...dedicated, overcommit: { cpu: 1, memory: 1, pods: 2 } },
      'shared-eu',
    );
    expect(extra.ok).toBe(false);
  });

  it("names the cluster, not an environment, when its name is not valid; passes the environment rules' other issues", () => {
    const badName = validateClusterSpec(dedicated, 'Shared_EU');
    expect(badName.ok).toBe(false);
    if (badName.ok) return;
    expect(badName.issues.map((found) => found.field)).toEqual(['cluster']);
    expect(badName.issues[0]?.message).toMatch(/^cluster: /);
    expect(badName.issues[0]?.message).not.toContain('environment:');
    const badRegion = validateClusterSpec({ ...dedicated, region: 'mars-1' }, 'shared-eu');
    expect(badRegion.ok ? [] : badRegion.issues.map((found) => found.field)).toEqual(['region']);
  });

  it('refuses workers of an instance type whose capacity is not known, listing the known ones', () => {
    const result = validateClusterSpec(
      { ...dedicated, cluster: { ...dedicated.cluster, workers: { count: 3, instanceType: 'm5.large' } } },
      'shared-eu',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.field).toBe('cluster.workers.instanceType');
    expect(result.issues[0]?.message).toMatch(
      /^cluster\.workers\.instanceType: the capacity of 'm5\.large' is not known to Slipway; a shared cluster's workers use one of t3\.medium, t3\.large, .*, r6i\.2xlarge$/,
    );
  });

  it('reserves the organization name under which clusters are recorded', () => {
    expect(isReservedOrganization('cluster')).toBe(true);
    expect(isReservedOrganization('clusters')).toBe(false);
    expect(isReservedOrganization('acme')).toBe(false);
  });
});

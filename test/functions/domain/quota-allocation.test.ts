/**
 * An organization's quota allocation (quota-allocation.ts): which grant changes fit the ceiling,
 * and the reserve / settle / undo writes with the condition each must meet.
 */
import { describe, expect, it } from 'vitest';
import {
  allocationOf,
  NO_ALLOCATION,
  planAllocation,
  planRelease,
  sameGrant,
} from '../../../functions/domain/quota-allocation.js';

const grant = (
  cpuMillicores: number,
  memoryBytes: number,
  pods: number,
  storageBytes = 0,
  persistentVolumeClaims = 0,
) => ({
  cpuMillicores,
  memoryBytes,
  pods,
  storageBytes,
  persistentVolumeClaims,
});
/** A move of the totals (or the totals themselves); storage is zero unless given. */
const moves = (
  cpuMillicores: number,
  memoryBytes: number,
  pods: number,
  environments: number,
  storageBytes = 0,
  persistentVolumeClaims = 0,
) => ({ cpuMillicores, memoryBytes, pods, storageBytes, persistentVolumeClaims, environments });
const ceiling = { cpuMillicores: 10_000, memoryBytes: 100, pods: 50, environments: 3 };

describe('allocationOf and sameGrant', () => {
  it('sums the grants and counts the environments', () => {
    expect(NO_ALLOCATION).toEqual({
      grants: {},
      totals: moves(0, 0, 0, 0),
    });
    expect(allocationOf({})).toEqual(NO_ALLOCATION);
    expect(allocationOf({ prod: grant(4000, 40, 20), dev: grant(1000, 10, 5) })).toEqual({
      grants: { prod: grant(4000, 40, 20), dev: grant(1000, 10, 5) },
      totals: moves(5000, 50, 25, 2),
    });
  });

  it('compares grants field by field, none being equal only to none', () => {
    expect(sameGrant(grant(1, 2, 3), grant(1, 2, 3))).toBe(true);
    expect(sameGrant(grant(1, 2, 3), grant(9, 2, 3))).toBe(false);
    expect(sameGrant(grant(1, 2, 3), grant(1, 9, 3))).toBe(false);
    expect(sameGrant(grant(1, 2, 3), grant(1, 2, 9))).toBe(false);
    expect(sameGrant(grant(1, 2, 3, 4, 5), grant(1, 2, 3, 9, 5))).toBe(false);
    expect(sameGrant(grant(1, 2, 3, 4, 5), grant(1, 2, 3, 4, 9))).toBe(false);
    expect(sameGrant(undefined, undefined)).toBe(true);
    expect(sameGrant(undefined, grant(0, 0, 0))).toBe(false);
    expect(sameGrant(grant(0, 0, 0), undefined)).toBe(false);
  });
});

describe('planAllocation', () => {
  const allocation = allocationOf({ prod: grant(4000, 40, 20), dev: grant(1000, 10, 5) });

  it('reserves a new environment, conditional on each total leaving room for it; no settle, an undo', () => {
    const plan = planAllocation(ceiling, allocation, 'staging', grant(5000, 50, 25));
    expect(plan).toEqual({
      kind: 'change',
      steps: {
        reserve: {
          environment: 'staging',
          previous: undefined,
          grant: grant(5000, 50, 25),
          delta: moves(5000, 50, 25, 1),
          limits: { cpuMillicores: 5000, memoryBytes: 50, pods: 25, environments: 2 },
        },
        undo: {
          environment: 'staging',
          previous: grant(5000, 50, 25),
          grant: undefined,
          delta: moves(-5000, -50, -25, -1),
        },
      },
    });
  });

  it('refuses what the others and this grant exceed, per resource, with what is left', () => {
    expect(planAllocation(ceiling, allocation, 'staging', grant(5001, 51, 26))).toEqual({
      kind: 'exceeded',
      shortfalls: [
        { resource: 'cpu', requested: 5001, available: 5000, used: 5000, ceiling: 10_000 },
        { resource: 'memory', requested: 51, available: 50, used: 50, ceiling: 100 },
        { resource: 'pods', requested: 26, available: 25, used: 25, ceiling: 50 },
      ],
    });
    const full = allocationOf({ a: grant(0, 0, 0), b: grant(0, 0, 0), c: grant(11_000, 0, 0) });
    expect(planAllocation(ceiling, full, 'd', grant(1, 0, 0))).toEqual({
      kind: 'exceeded',
      shortfalls: [
        { resource: 'cpu', requested: 1, available: 0, used: 11_000, ceiling: 10_000 },
        { resource: 'environments', requested: 1, available: 0, used: 3, ceiling: 3 },
      ],
    });
  });

  it('counts an environment once: its own grant is not one of the others, and it is not a new environment', () => {
    const full = allocationOf({ a: grant(1000, 10, 5), b: grant(0, 0, 0), c: grant(0, 0, 0) });
    expect(planAllocation(ceiling, full, 'a', grant(10_000, 100, 50))).toMatchObject({ kind: 'change' });
    expect(planAllocation(ceiling, full, 'a', grant(1000, 10, 5))).toEqual({ kind: 'unchanged' });
    expect(planAllocation({ ...ceiling, environments: 2 }, full, 'a', grant(1000, 10, 5))).toEqual({
      kind: 'exceeded',
      shortfalls: [{ resource: 'environments', requested: 1, available: 0, used: 2, ceiling: 2 }],
    });
  });

  it('a shrinking grant only settles (it frees, so it needs no condition)', () => {
    expect(planAllocation(ceiling, allocation, 'prod', grant(2000, 20, 10))).toEqual({
      kind: 'change',
      steps: {
        settle: {
          environment: 'prod',
          previous: grant(4000, 40, 20),
          grant: grant(2000, 20, 10),
          delta: moves(-2000, -20, -10, 0),
        },
      },
    });
  });

  it('a grant that grows in one resource and shrinks in another reserves the larger of both, then settles', () => {
    const plan = planAllocation(ceiling, allocation, 'prod', grant(6000, 30, 20));
    expect(plan).toEqual({
      kind: 'change',
      steps: {
        reserve: {
          environment: 'prod',
          previous: grant(4000, 40, 20),
          grant: grant(6000, 40, 20),
          delta: moves(2000, 0, 0, 0),
          limits: { cpuMillicores: 8000, memoryBytes: 100, pods: 50, environments: 3 },
        },
        undo: {
          environment: 'prod',
          previous: grant(6000, 40, 20),
          grant: grant(4000, 40, 20),
          delta: moves(-2000, 0, 0, 0),
        },
        settle: {
          environment: 'prod',
          previous: grant(6000, 40, 20),
          grant: grant(6000, 30, 20),
          delta: moves(0, -10, 0, 0),
        },
      },
    });
    const morePods = planAllocation(ceiling, allocation, 'prod', grant(4000, 40, 30));
    expect(morePods.kind === 'change' && morePods.steps.reserve?.grant).toEqual(grant(4000, 40, 30));
    const moreMemory = planAllocation(ceiling, allocation, 'prod', grant(3000, 50, 20));
    expect(moreMemory.kind === 'change' && moreMemory.steps.reserve?.grant).toEqual(grant(4000, 50, 20));
  });
});

describe('planAllocation with a storage ceiling', () => {
  it('limits storage and claims only when the ceiling names them, and conditions the write on them then', () => {
    const allocation = allocationOf({ prod: grant(0, 0, 0, 60, 6) });
    const big = grant(0, 0, 0, 50, 5);
    const unlimited = planAllocation(ceiling, allocation, 'dev', big);
    expect(unlimited.kind === 'change' && unlimited.steps.reserve?.limits).toEqual({
      cpuMillicores: 10_000,
      memoryBytes: 100,
      pods: 50,
      environments: 2,
    });
    const limited = { ...ceiling, storageBytes: 100, persistentVolumeClaims: 10 };
    expect(planAllocation(limited, allocation, 'dev', big)).toEqual({
      kind: 'exceeded',
      shortfalls: [
        { resource: 'storage', requested: 50, available: 40, used: 60, ceiling: 100 },
        { resource: 'persistentVolumeClaims', requested: 5, available: 4, used: 6, ceiling: 10 },
      ],
    });
    const fits = planAllocation(limited, allocation, 'dev', grant(0, 0, 0, 40, 4));
    expect(fits.kind === 'change' && fits.steps.reserve?.limits).toEqual({
      cpuMillicores: 10_000,
      memoryBytes: 100,
      pods: 50,
      environments: 2,
      storageBytes: 60,
      persistentVolumeClaims: 6,
    });
  });
});

describe('planRelease', () => {
  it("frees a torn-down environment's grant, and nothing for one that holds none", () => {
    const allocation = allocationOf({ prod: grant(4000, 40, 20) });
    expect(planRelease(allocation, 'prod')).toEqual({
      environment: 'prod',
      previous: grant(4000, 40, 20),
      grant: undefined,
      delta: moves(-4000, -40, -20, -1),
    });
    expect(planRelease(allocation, 'dev')).toBeUndefined();
  });
});

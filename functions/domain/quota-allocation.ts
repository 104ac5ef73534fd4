/**
 * An organization's quota allocation: the grant of each of its environments (every one not
 * DELETED: its namespace quotas summed) and the totals, recorded on the organization item. A PUT
 * that changes an environment's grant moves the totals by the difference in one conditional write
 * whose condition is computed here: before the write, each total may be at most the ceiling minus
 * the change. Concurrent PUTs of different environments each add their own difference, so exactly
 * those that fit land and the others are refused by the condition — no PUT decides on a total read
 * earlier. The repository writes the numbers it is given; the rule is only here.
 *
 * Persistent storage counts like the rest: a grant carries the bytes and the claims its
 * namespaces request, and an organization whose quota names `storage` or
 * `persistentVolumeClaims` limits them. A ceiling that names neither does not limit them
 * (organizations recorded before storage existed).
 */
import {
  type QuotaTotals,
  type ResourceQuota,
  sumNamespaceQuotas,
  sumNamespaceStorage,
} from './spec/quota.js';

/** One environment's grant: its namespace quotas summed, persistent storage included. */
export interface AllocationGrant extends QuotaTotals {
  /** Bytes of persistent storage (the sum of the namespaces' `storage`). */
  readonly storageBytes: number;
  /** PersistentVolumeClaims (the sum of the namespaces' `persistentVolumeClaims`). */
  readonly persistentVolumeClaims: number;
}

/** The totals the ceiling limits: CPU (millicores), memory (bytes), pods, storage and the environment count. */
export interface AllocationTotals extends AllocationGrant {
  readonly environments: number;
}

export interface QuotaAllocation {
  /** Environment name → its grant. */
  readonly grants: Readonly<Record<string, AllocationGrant>>;
  readonly totals: AllocationTotals;
}

/** The limit on each total; storage ones are absent when the organization does not limit them. */
export type AllocationLimits = Omit<AllocationTotals, 'storageBytes' | 'persistentVolumeClaims'> &
  Partial<Pick<AllocationTotals, 'storageBytes' | 'persistentVolumeClaims'>>;

/** The ceiling as the allocation counts it (an organization's quota and maxEnvironments). */
export type AllocationCeiling = AllocationLimits;

export type AllocationResource =
  | 'cpu'
  | 'memory'
  | 'pods'
  | 'storage'
  | 'persistentVolumeClaims'
  | 'environments';

export interface AllocationShortfall {
  readonly resource: AllocationResource;
  /** What this environment asks for (CPU in millicores, memory and storage in bytes, environments: 1). */
  readonly requested: number;
  /** What the ceiling leaves after the organization's other environments. */
  readonly available: number;
  /** What the other environments hold (the environment count for `environments`). */
  readonly used: number;
  readonly ceiling: number;
}

export interface AllocationChange {
  readonly environment: string;
  /** The grant recorded now (undefined: the environment holds none). */
  readonly previous: AllocationGrant | undefined;
  /** The grant after the change (undefined: released). */
  readonly grant: AllocationGrant | undefined;
  /** What each total moves by; negative frees. */
  readonly delta: AllocationTotals;
  /**
   * The highest value each total may have before the write for the change to keep it within the
   * ceiling (the write's condition); a total the ceiling does not limit has none. Absent on a
   * release, which only frees.
   */
  readonly limits?: AllocationLimits;
}

/**
 * A grant change in two steps, so the ceiling holds at every moment: `reserve` raises each total
 * to the larger of the old and the new grant before the run is started (conditional on the
 * ceiling), and `settle` lowers it to the new grant once the run holds the environment (it only
 * frees). Either may be absent (a change that only grows needs no settle, one that only shrinks no
 * reserve). `undo` takes a reservation back when the run could not take the environment.
 */
export interface AllocationSteps {
  readonly reserve?: AllocationChange;
  readonly settle?: AllocationChange;
  readonly undo?: AllocationChange;
}

export type AllocationPlan =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'change'; readonly steps: AllocationSteps }
  | { readonly kind: 'exceeded'; readonly shortfalls: readonly AllocationShortfall[] };

export const NO_ALLOCATION: QuotaAllocation = {
  grants: {},
  totals: {
    cpuMillicores: 0,
    memoryBytes: 0,
    pods: 0,
    storageBytes: 0,
    persistentVolumeClaims: 0,
    environments: 0,
  },
};

/** The grant fields, each with the resource a refusal names. */
export const GRANT_RESOURCES = [
  ['cpu', 'cpuMillicores'],
  ['memory', 'memoryBytes'],
  ['pods', 'pods'],
  ['storage', 'storageBytes'],
  ['persistentVolumeClaims', 'persistentVolumeClaims'],
] as const satisfies readonly (readonly [AllocationResource, keyof AllocationGrant])[];

/** What one environment's spec asks of its organization's ceiling. */
export function allocationGrant(spec: {
  readonly namespaces: readonly { readonly quota: ResourceQuota }[];
}): AllocationGrant {
  return { ...sumNamespaceQuotas(spec), ...sumNamespaceStorage(spec) };
}

export function sameGrant(a: AllocationGrant | undefined, b: AllocationGrant | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return GRANT_RESOURCES.every(([, key]) => a[key] === b[key]);
}

function difference(
  grant: AllocationGrant | undefined,
  previous: AllocationGrant | undefined,
): AllocationTotals {
  const of = (g: AllocationGrant | undefined, key: keyof AllocationGrant) => (g === undefined ? 0 : g[key]);
  return {
    cpuMillicores: of(grant, 'cpuMillicores') - of(previous, 'cpuMillicores'),
    memoryBytes: of(grant, 'memoryBytes') - of(previous, 'memoryBytes'),
    pods: of(grant, 'pods') - of(previous, 'pods'),
    storageBytes: of(grant, 'storageBytes') - of(previous, 'storageBytes'),
    persistentVolumeClaims: of(grant, 'persistentVolumeClaims') - of(previous, 'persistentVolumeClaims'),
    environments: (grant === undefined ? 0 : 1) - (previous === undefined ? 0 : 1),
  };
}

/**
 * Plans giving `environment` the grant `grant`: refused when the organization's other environments
 * and this grant together exceed the ceiling (or the environments their maximum), unchanged when
 * the environment already holds this grant, otherwise the change and its write's condition.
 */
export function planAllocation(
  ceiling: AllocationCeiling,
  allocation: QuotaAllocation,
  environment: string,
  grant: AllocationGrant,
): AllocationPlan {
  const previous = allocation.grants[environment];
  const others = difference(undefined, previous);
  const used = {
    cpuMillicores: allocation.totals.cpuMillicores + others.cpuMillicores,
    memoryBytes: allocation.totals.memoryBytes + others.memoryBytes,
    pods: allocation.totals.pods + others.pods,
    storageBytes: allocation.totals.storageBytes + others.storageBytes,
    persistentVolumeClaims: allocation.totals.persistentVolumeClaims + others.persistentVolumeClaims,
    environments: allocation.totals.environments + others.environments,
  };
  const shortfalls: AllocationShortfall[] = [];
  for (const [resource, key] of GRANT_RESOURCES) {
    const limit = ceiling[key];
    if (limit !== undefined && used[key] + grant[key] > limit) {
      shortfalls.push({
        resource,
        requested: grant[key],
        available: Math.max(0, limit - used[key]),
        used: used[key],
        ceiling: limit,
      });
    }
  }
  if (used.environments + 1 > ceiling.environments) {
    shortfalls.push({
      resource: 'environments',
      requested: 1,
      available: Math.max(0, ceiling.environments - used.environments),
      used: used.environments,
      ceiling: ceiling.environments,
    });
  }
  if (shortfalls.length > 0) return { kind: 'exceeded', shortfalls };
  if (sameGrant(previous, grant)) return { kind: 'unchanged' };
  const upper: AllocationGrant =
    previous === undefined
      ? grant
      : {
          cpuMillicores: Math.max(previous.cpuMillicores, grant.cpuMillicores),
          memoryBytes: Math.max(previous.memoryBytes, grant.memoryBytes),
          pods: Math.max(previous.pods, grant.pods),
          storageBytes: Math.max(previous.storageBytes, grant.storageBytes),
          persistentVolumeClaims: Math.max(previous.persistentVolumeClaims, grant.persistentVolumeClaims),
        };
  const reserve = sameGrant(previous, upper) ? undefined : change(environment, previous, upper, ceiling);
  const settle = sameGrant(upper, grant) ? undefined : change(environment, upper, grant);
  return {
    kind: 'change',
    steps: {
      ...(reserve ? { reserve, undo: change(environment, upper, previous) } : {}),
      ...(settle ? { settle } : {}),
    },
  };
}

/** One write's change; with a ceiling, the condition's limits (each total's highest value before it). */
function change(
  environment: string,
  previous: AllocationGrant | undefined,
  grant: AllocationGrant | undefined,
  ceiling?: AllocationCeiling,
): AllocationChange {
  const delta = difference(grant, previous);
  const limit = (value: number | undefined, by: number) => (value === undefined ? undefined : value - by);
  const storageBytes = limit(ceiling?.storageBytes, delta.storageBytes);
  const persistentVolumeClaims = limit(ceiling?.persistentVolumeClaims, delta.persistentVolumeClaims);
  return {
    environment,
    previous,
    grant,
    delta,
    ...(ceiling
      ? {
          limits: {
            cpuMillicores: ceiling.cpuMillicores - delta.cpuMillicores,
            memoryBytes: ceiling.memoryBytes - delta.memoryBytes,
            pods: ceiling.pods - delta.pods,
            environments: ceiling.environments - delta.environments,
            ...(storageBytes === undefined ? {} : { storageBytes }),
            ...(persistentVolumeClaims === undefined ? {} : { persistentVolumeClaims }),
          },
        }
      : {}),
  };
}

/** Frees an environment's grant (it was torn down); undefined when it holds none. */
export function planRelease(allocation: QuotaAllocation, environment: string): AllocationChange | undefined {
  const previous = allocation.grants[environment];
  return previous === undefined ? undefined : change(environment, previous, undefined);
}

/** The allocation of environments recorded before allocations were (a one-off backfill). */
export function allocationOf(grants: Readonly<Record<string, AllocationGrant>>): QuotaAllocation {
  const totals = Object.values(grants).reduce<AllocationTotals>(
    (sum, grant) => ({
      cpuMillicores: sum.cpuMillicores + grant.cpuMillicores,
      memoryBytes: sum.memoryBytes + grant.memoryBytes,
      pods: sum.pods + grant.pods,
      storageBytes: sum.storageBytes + grant.storageBytes,
      persistentVolumeClaims: sum.persistentVolumeClaims + grant.persistentVolumeClaims,
      environments: sum.environments + 1,
    }),
    NO_ALLOCATION.totals,
  );
  return { grants: { ...grants }, totals };
}

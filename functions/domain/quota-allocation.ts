/**
 * An organization's quota allocation: the grant of each of its environments (every one not
 * DELETED: its namespace quotas summed) and the totals, recorded on the organization item. A PUT
 * that changes an environment's grant moves the totals by the difference in one conditional write
 * whose condition is computed here: before the write, each total may be at most the ceiling minus
 * the change. Concurrent PUTs of different environments each add their own difference, so exactly
 * those that fit land and the others are refused by the condition — no PUT decides on a total read
 * earlier. The repository writes the numbers it is given; the rule is only here.
 */
import type { QuotaTotals } from './spec/quota.js';

/** The totals the ceiling limits: CPU (millicores), memory (bytes), pods and the environment count. */
export interface AllocationTotals extends QuotaTotals {
  readonly environments: number;
}

export interface QuotaAllocation {
  /** Environment name → its grant. */
  readonly grants: Readonly<Record<string, QuotaTotals>>;
  readonly totals: AllocationTotals;
}

/** The ceiling as the allocation counts it (an organization's quota and maxEnvironments). */
export interface AllocationCeiling extends AllocationTotals {}

export type AllocationResource = 'cpu' | 'memory' | 'pods' | 'environments';

export interface AllocationShortfall {
  readonly resource: AllocationResource;
  /** What this environment asks for (CPU in millicores, memory in bytes, environments: 1). */
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
  readonly previous: QuotaTotals | undefined;
  /** The grant after the change (undefined: released). */
  readonly grant: QuotaTotals | undefined;
  /** What each total moves by; negative frees. */
  readonly delta: AllocationTotals;
  /**
   * The highest value each total may have before the write for the change to keep it within the
   * ceiling (the write's condition). Absent on a release, which only frees.
   */
  readonly limits?: AllocationTotals;
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
  totals: { cpuMillicores: 0, memoryBytes: 0, pods: 0, environments: 0 },
};

const RESOURCES = [
  ['cpu', 'cpuMillicores'],
  ['memory', 'memoryBytes'],
  ['pods', 'pods'],
] as const;

export function sameGrant(a: QuotaTotals | undefined, b: QuotaTotals | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.cpuMillicores === b.cpuMillicores && a.memoryBytes === b.memoryBytes && a.pods === b.pods;
}

function difference(grant: QuotaTotals | undefined, previous: QuotaTotals | undefined): AllocationTotals {
  const of = (g: QuotaTotals | undefined, key: keyof QuotaTotals) => (g === undefined ? 0 : g[key]);
  return {
    cpuMillicores: of(grant, 'cpuMillicores') - of(previous, 'cpuMillicores'),
    memoryBytes: of(grant, 'memoryBytes') - of(previous, 'memoryBytes'),
    pods: of(grant, 'pods') - of(previous, 'pods'),
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
  grant: QuotaTotals,
): AllocationPlan {
  const previous = allocation.grants[environment];
  const others = difference(undefined, previous);
  const used = {
    cpuMillicores: allocation.totals.cpuMillicores + others.cpuMillicores,
    memoryBytes: allocation.totals.memoryBytes + others.memoryBytes,
    pods: allocation.totals.pods + others.pods,
    environments: allocation.totals.environments + others.environments,
  };
  const shortfalls: AllocationShortfall[] = [];
  for (const [resource, key] of RESOURCES) {
    if (used[key] + grant[key] > ceiling[key]) {
      shortfalls.push({
        resource,
        requested: grant[key],
        available: Math.max(0, ceiling[key] - used[key]),
        used: used[key],
        ceiling: ceiling[key],
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
  const upper: QuotaTotals =
    previous === undefined
      ? grant
      : {
          cpuMillicores: Math.max(previous.cpuMillicores, grant.cpuMillicores),
          memoryBytes: Math.max(previous.memoryBytes, grant.memoryBytes),
          pods: Math.max(previous.pods, grant.pods),
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
  previous: QuotaTotals | undefined,
  grant: QuotaTotals | undefined,
  ceiling?: AllocationCeiling,
): AllocationChange {
  const delta = difference(grant, previous);
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
export function allocationOf(grants: Readonly<Record<string, QuotaTotals>>): QuotaAllocation {
  const totals = Object.values(grants).reduce<AllocationTotals>(
    (sum, grant) => ({
      cpuMillicores: sum.cpuMillicores + grant.cpuMillicores,
      memoryBytes: sum.memoryBytes + grant.memoryBytes,
      pods: sum.pods + grant.pods,
      environments: sum.environments + 1,
    }),
    NO_ALLOCATION.totals,
  );
  return { grants: { ...grants }, totals };
}

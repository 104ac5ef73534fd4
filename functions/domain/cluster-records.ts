/**
 * A shared cluster as the state layer records it: its environment record (organization `cluster`,
 * see cluster.ts), the tenants' grants (the capacity index) and the tenant runs in progress on it.
 */
import type { EnvironmentStatus } from './model.js';
import type { EnvironmentRecord } from './records.js';
import type { QuotaTotals } from './spec/quota.js';

/** What one tenant environment was granted on the cluster: the sum of its namespace quotas. */
export interface TenantGrant extends QuotaTotals {
  readonly organization: string;
  readonly environment: string;
  readonly grantedAt: string;
  /**
   * The namespaces it was granted for (`<org>-<env>-<name>`): the clash check reads them while the
   * tenant's placement has not recorded its spec yet. Absent in grants recorded before they were kept.
   */
  readonly namespaces?: readonly string[];
}

export interface ClusterState {
  readonly record: EnvironmentRecord;
  /** By tenant key `<org>/<env>` (cluster-placement.ts). */
  readonly tenants: Readonly<Record<string, TenantGrant>>;
  /** Runs of tenants in progress on the cluster: a cluster run waits for none, it is refused. */
  readonly tenantRuns: readonly string[];
}

/** The state layer's compare-and-set of a tenant run entering its cluster (adapters/dynamodb/clusters.ts). */
export interface EnterClusterInput {
  readonly cluster: string;
  /** The tenant run that enters. */
  readonly runId: string;
  /** The cluster item's version as read when the capacity was checked. */
  readonly expectedVersion: number;
  /** The statuses the cluster may be in for this run (READY to place; READY or FAILED to leave). */
  readonly statuses: readonly EnvironmentStatus[];
  /**
   * This tenant's new grant under its key, and the keys of grants that no longer count as read at
   * `expectedVersion`; absent for a run that changes no quota (a resume, a teardown).
   */
  readonly placement?: {
    readonly key: string;
    readonly grant: TenantGrant;
    readonly stale: readonly string[];
    /**
     * No grant was recorded when the cluster was read: the state layer writes the grant as the
     * whole map first (one write for a cluster's first tenant instead of a refused one and a retry).
     */
    readonly firstGrant?: boolean;
  };
}

export type EnterClusterOutcome =
  | { readonly kind: 'entered'; readonly state: ClusterState }
  | { readonly kind: 'missing' }
  | { readonly kind: 'busy'; readonly activeRunId: string }
  | { readonly kind: 'status'; readonly status: EnvironmentStatus }
  /** Another placement (or a cluster change) wrote first: re-read and check again. */
  | { readonly kind: 'changed' };

/** A tenant run leaving its cluster. */
export interface LeaveClusterInput {
  readonly cluster: string;
  readonly runId: string;
  /** Undo a placement whose run never started: the tenant's previous grant (or none). */
  readonly restore?: { readonly key: string; readonly previous: TenantGrant | undefined };
}

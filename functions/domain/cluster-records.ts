/**
 * A shared cluster as the state layer records it: its environment record (organization `cluster`,
 * see cluster.ts), the tenants' grants (the capacity index) and the tenant runs in progress on it.
 */
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

/**
 * Shared clusters in the state table. A cluster is the environment item `ORG#cluster` / `ENV#<name>`
 * (its runs, lock and successes are an environment's) carrying two more attributes:
 * - `tenants`: map `<org>/<env>` → the tenant's grant (its namespace quotas summed), the capacity
 *   index that placements are checked against;
 * - `tenantRuns`: string set of the tenant runs in progress on the cluster.
 *
 * A placement is one conditional write on the cluster item (compare-and-set on its `version`, the
 * cluster READY and unlocked) that sets its own tenant's grant (`SET tenants.#key`, never the whole
 * map from a copy) and adds the run to `tenantRuns`; the release and undo paths delete only their
 * run and restore only their own entry, so no write drops another tenant's grant. Of two
 * placements that read the same version only one lands, the other re-reads and is checked again,
 * so two concurrent placements can never both exceed the capacity. (DynamoDB's TransactWriteItems
 * could join it with the tenant's own lock write; dynalite has no transactions, so the tenant's
 * lock follows in its own write and a refused lock undoes the entry: {@link leaveCluster}.)
 * A cluster run takes its lock only while `tenantRuns` is absent (lock.ts), and a tenant run enters
 * only while the cluster holds no lock: the two never overlap.
 */

import { CLUSTER_ORGANIZATION } from '../../domain/cluster.js';
import type {
  ClusterState,
  EnterClusterInput,
  EnterClusterOutcome,
  LeaveClusterInput,
  TenantGrant,
} from '../../domain/cluster-records.js';
import type { RepositoryContext } from './context.js';
import { listEnvironments } from './environments.js';
import { toEnvironment } from './items.js';
import { keys } from './keys.js';
import type { Page, PageOptions } from './pages.js';
import type { StoredItem } from './store.js';
import { UpdateBuilder } from './update-builder.js';

export type { EnterClusterInput, EnterClusterOutcome, LeaveClusterInput };

function isGrant(value: unknown): value is TenantGrant {
  if (typeof value !== 'object' || value === null) return false;
  const grant = value as Record<string, unknown>;
  return (
    typeof grant.organization === 'string' &&
    typeof grant.environment === 'string' &&
    typeof grant.cpuMillicores === 'number' &&
    typeof grant.memoryBytes === 'number' &&
    typeof grant.pods === 'number' &&
    (grant.namespaces === undefined ||
      (Array.isArray(grant.namespaces) && grant.namespaces.every((name) => typeof name === 'string')))
  );
}

export function toClusterState(item: StoredItem): ClusterState {
  const tenants: Record<string, TenantGrant> = {};
  if (typeof item.tenants === 'object' && item.tenants !== null) {
    for (const [key, value] of Object.entries(item.tenants)) {
      if (isGrant(value)) tenants[key] = value;
    }
  }
  const runs = item.tenantRuns;
  const tenantRuns =
    runs instanceof Set ? [...runs].filter((run): run is string => typeof run === 'string') : [];
  return { record: toEnvironment(item), tenants, tenantRuns: tenantRuns.sort() };
}

export async function getCluster(ctx: RepositoryContext, name: string): Promise<ClusterState | undefined> {
  const item = await ctx.store.get(keys.environment(CLUSTER_ORGANIZATION, name));
  return item ? toClusterState(item) : undefined;
}

/** The registered clusters, by name. */
export async function listClusters(
  ctx: RepositoryContext,
  options: PageOptions = {},
): Promise<Page<ClusterState>> {
  const page = await listEnvironments(ctx, CLUSTER_ORGANIZATION, options);
  const states = await Promise.all(page.items.map((record) => getCluster(ctx, record.environment)));
  return {
    items: states.filter((state): state is ClusterState => state !== undefined),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

/**
 * The compare-and-set of a tenant run's entry on its cluster (see the module comment). It writes
 * only this tenant's entry of `tenants` (`SET tenants.#key`, `REMOVE` of stale keys): another
 * tenant's grant is never rewritten from a copy, so no write can drop one. The first grant of a
 * cluster creates the map (a path into a missing map is invalid), conditional on its absence.
 */
export async function enterCluster(
  ctx: RepositoryContext,
  input: EnterClusterInput,
): Promise<EnterClusterOutcome> {
  const key = keys.environment(CLUSTER_ORGANIZATION, input.cluster);
  // Whether the grants map exists decides the write (one entry of it, or the whole map): the
  // caller's read says which to try first, the other is the retry when that read was wrong.
  const attempts = input.placement?.firstGrant ? [false, true] : [true, false];
  for (const mapExists of attempts) {
    const update = new UpdateBuilder();
    let mapCondition = '';
    if (input.placement) {
      const { key: tenant, grant, stale } = input.placement;
      if (mapExists) {
        update.set(['tenants', tenant], grant);
        for (const gone of stale) update.remove(['tenants', gone]);
        mapCondition = ` AND attribute_exists(${update.path('tenants')})`;
      } else {
        // No map, or an empty one (every tenant left): nothing of another tenant is overwritten.
        update.set(['tenants'], { [tenant]: grant });
        const tenants = update.path('tenants');
        mapCondition = ` AND (attribute_not_exists(${tenants}) OR size(${tenants}) = ${update.value(0)})`;
      }
    }
    update
      .addToSet(['tenantRuns'], [input.runId])
      .increment(['version'])
      .set(['updatedAt'], ctx.now().toISOString())
      .condition(
        `${update.path('version')} = ${update.value(input.expectedVersion)} AND ` +
          `attribute_not_exists(${update.path('activeRunId')}) AND ${update.oneOf(['status'], input.statuses)}` +
          mapCondition,
      );
    const result = await ctx.store.update(key, update.build());
    if (result.ok) return { kind: 'entered', state: toClusterState(result.item) };
    const item = await ctx.store.get(key);
    if (!item) return { kind: 'missing' };
    const now = toClusterState(item);
    if (now.record.activeRunId) return { kind: 'busy', activeRunId: now.record.activeRunId };
    if (!input.statuses.includes(now.record.status)) return { kind: 'status', status: now.record.status };
    // Same version: only the guess about the map was wrong, so the other write is tried.
    const wrongGuess =
      input.placement !== undefined &&
      now.record.version === input.expectedVersion &&
      (mapExists ? !('tenants' in item) : 'tenants' in item);
    if (!wrongGuess) return { kind: 'changed' };
  }
  return { kind: 'changed' };
}

/**
 * A tenant run leaves its cluster (its lock was released, or it never took it). Idempotent: the
 * run is deleted from the set; a cluster item that is gone is left gone.
 */
export async function leaveCluster(ctx: RepositoryContext, input: LeaveClusterInput): Promise<void> {
  const update = new UpdateBuilder();
  update.deleteFromSet(['tenantRuns'], [input.runId]).condition('attribute_exists(pk)');
  if (input.restore) {
    if (input.restore.previous) update.set(['tenants', input.restore.key], input.restore.previous);
    else update.remove(['tenants', input.restore.key]);
  }
  await ctx.store.update(keys.environment(CLUSTER_ORGANIZATION, input.cluster), update.build());
}

import { type ClusterStatusPatch, clusterStatusEvictions } from '../../domain/cluster-event-status.js';
import {
  EnvironmentLockedError,
  EnvironmentNotFoundError,
  TransitionRefusedError,
} from '../../domain/errors.js';
import { gitopsSourceOf } from '../../domain/git-push.js';
import { TIERS, type Tier } from '../../domain/model.js';
import type { EnvironmentRecord } from '../../domain/records.js';
import { statusesAllowingSpecChange } from '../../domain/transitions.js';
import type { RepositoryContext } from './context.js';
import { toEnvironment } from './items.js';
import { keys } from './keys.js';
import { type Page, type PageOptions, queryPage, TABLE_KEY_ATTRIBUTES } from './pages.js';
import { UpdateBuilder } from './update-builder.js';

export interface RecordSpecInput {
  readonly organization: string;
  readonly environment: string;
  /** The validated desired spec (functions/domain/environment-spec.ts). */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly specHash: string;
}

function tierOf(spec: Readonly<Record<string, unknown>>): Tier | undefined {
  const tier = spec.tier;
  return TIERS.find((known) => known === tier);
}

/**
 * The attributes of a recorded desired spec, for any write that records one (a spec-only change,
 * or the lock a new run takes); creates the environment's identity fields when it is new.
 */
export function recordSpecFields(
  update: UpdateBuilder,
  organization: string,
  environment: string,
  desired: { readonly spec: Readonly<Record<string, unknown>>; readonly specHash: string },
  at: string,
): UpdateBuilder {
  update
    .set(['entity'], 'ENVIRONMENT')
    .set(['organization'], organization)
    .set(['environment'], environment)
    .set(['spec'], desired.spec)
    .set(['specHash'], desired.specHash)
    .setIfAbsent(['createdAt'], at);
  const tier = tierOf(desired.spec);
  if (tier) update.set(['tier'], tier);
  else update.remove(['tier']);
  // The Git push index (gsi2): which repository and branch the environment follows, and its path.
  const source = gitopsSourceOf(desired.spec);
  if (source) {
    const indexKeys = keys.environmentBySource(organization, environment, source.repository, source.branch);
    update
      .set(['gsi2pk'], indexKeys.gsi2pk)
      .set(['gsi2sk'], indexKeys.gsi2sk)
      .set(['gitopsPath'], source.path);
  } else {
    update.remove(['gsi2pk']).remove(['gsi2sk']).remove(['gitopsPath']);
  }
  return update;
}

/**
 * Records an environment's desired spec without starting a run: creates it PENDING, or updates
 * the spec of an idle environment. Refused while a run holds the lock (the run provisions the spec
 * it started with, identified by its hash, and AcquireLock checks it), while a teardown is in
 * progress, and after one (a deleted environment comes back through a run).
 */
export async function recordSpec(ctx: RepositoryContext, input: RecordSpecInput): Promise<EnvironmentRecord> {
  const at = ctx.now().toISOString();
  const update = recordSpecFields(new UpdateBuilder(), input.organization, input.environment, input, at);
  update
    .set(['updatedAt'], at)
    .setIfAbsent(['runSeq'], 0)
    .setIfAbsent(['successes'], {})
    .setIfAbsent(['status'], 'PENDING')
    .setIfAbsent(['statusChangedAt'], at)
    .increment(['version'])
    .condition(
      `attribute_not_exists(pk) OR (attribute_not_exists(${update.path('activeRunId')}) AND ` +
        `${update.oneOf(['status'], statusesAllowingSpecChange())})`,
    );
  const result = await ctx.store.update(
    keys.environment(input.organization, input.environment),
    update.build(),
  );
  if (result.ok) return toEnvironment(result.item);

  const current = await getEnvironment(ctx, input.organization, input.environment);
  const where = `${input.organization}/${input.environment}`;
  if (current?.activeRunId) {
    throw new EnvironmentLockedError(
      `environment ${where} is busy with run ${current.activeRunId}: its spec cannot change now`,
      current.activeRunId,
    );
  }
  throw new TransitionRefusedError(
    `environment ${where} is ${current?.status ?? 'changing'}: its spec cannot change now`,
  );
}

export async function getEnvironment(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
): Promise<EnvironmentRecord | undefined> {
  const item = await ctx.store.get(keys.environment(organization, environment));
  return item ? toEnvironment(item) : undefined;
}

/** An organization's environments, by name. */
export async function listEnvironments(
  ctx: RepositoryContext,
  organization: string,
  options: PageOptions = {},
): Promise<Page<EnvironmentRecord>> {
  const partition = keys.organization(organization).pk;
  return queryPage(
    ctx,
    {
      input: {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': keys.environmentPrefix },
        ConsistentRead: true,
      },
      partition: { attribute: 'pk', value: partition },
      keyAttributes: TABLE_KEY_ATTRIBUTES,
    },
    options,
    toEnvironment,
  );
}

/**
 * Records what an environment's cluster reported (functions/domain/cluster-event-status.ts):
 * each entry of the patch replaces the entry of its key (an Application, an alert fingerprint, an
 * unrouted event) under `cluster`, leaving the others alone, so two hooks reporting different
 * Applications never overwrite each other. The environment's status, lock and spec are never
 * touched. The first report of an environment creates `cluster` (one write more). A map grown past
 * its bound (CLUSTER_STATUS_MAP_LIMIT) has its oldest settled entries removed right after, from the
 * item as written (one write more, only then), so the item never grows toward DynamoDB's 400 KB.
 */
export async function recordClusterStatus(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
  patch: ClusterStatusPatch,
): Promise<void> {
  const key = keys.environment(organization, environment);
  const entries = (['applications', 'alerts', 'unrouted'] as const).flatMap((map) =>
    Object.entries(patch[map] ?? {}).map(([name, value]) => [map, name, value] as const),
  );
  if (entries.length === 0) return;
  const write = async (): Promise<boolean> => {
    const update = new UpdateBuilder();
    for (const [map, name, value] of entries) update.set(['cluster', map, name], value);
    update.set(['cluster', 'updatedAt'], ctx.now().toISOString()).increment(['version']);
    update.condition(`attribute_exists(${update.path('cluster')})`);
    const result = await ctx.store.update(key, update.build());
    if (result.ok) await trim(result.item);
    return result.ok;
  };
  const trim = async (item: Record<string, unknown>) => {
    const cluster = toEnvironment(item).cluster;
    if (!cluster) return;
    const evictions = clusterStatusEvictions(cluster, { keep: new Set(entries.map(([, name]) => name)) });
    const removals = (['applications', 'alerts', 'unrouted'] as const).flatMap((map) =>
      evictions[map].map((name) => [map, name] as const),
    );
    if (removals.length === 0) return;
    const update = new UpdateBuilder();
    for (const [map, name] of removals) update.remove(['cluster', map, name]);
    update.condition(`attribute_exists(${update.path('cluster')})`);
    await ctx.store.update(key, update.build());
  };
  if (await write()) return;
  const created = new UpdateBuilder().setIfAbsent(['cluster'], {
    applications: {},
    alerts: {},
    unrouted: {},
  });
  created.condition(`attribute_exists(${created.path('pk')})`);
  if (!(await ctx.store.update(key, created.build())).ok) {
    throw new EnvironmentNotFoundError(`environment ${organization}/${environment} does not exist`);
  }
  if (!(await write())) {
    throw new Error(`cluster status of ${organization}/${environment} could not be recorded`);
  }
}

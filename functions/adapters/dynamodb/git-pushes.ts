/**
 * What the state layer keeps for Git pushes (docs/data-model.md, "Git pushes"):
 * - the gsi2 index of environments by the repository and branch they follow (keys set with the
 *   spec, see `recordSpecFields`), queried page by page — never a scan;
 * - one push record per (environment, commit), the dedup key of push runs: the first delivery
 *   claims it, every redelivery or replay finds it and starts nothing new;
 * - the environment's queued push (`queuedPush`): a push that arrived while a run held the lock,
 *   started when that run releases it (latest commit wins);
 * - unrouted records: pushes that could not be routed or started, never dropped silently.
 */
import * as z from 'zod/mini';
import { GIT_PUSH_SOURCES, type GitPushed, gitSourceKey } from '../../domain/git-push.js';
import { ENVIRONMENT_STATUSES, type EnvironmentStatus } from '../../domain/model.js';
import type { RepositoryContext } from './context.js';
import { keys } from './keys.js';
import { GSI2 } from './table-schema.js';
import { UpdateBuilder } from './update-builder.js';

/** Push records and unrouted records expire (TTL) after 120 days, longer than the archive keeps events. */
export const PUSH_RETENTION_SECONDS = 120 * 24 * 60 * 60;

export interface FollowingEnvironment {
  readonly organization: string;
  readonly environment: string;
  readonly gitopsPath: string;
  readonly status: EnvironmentStatus;
}

const FollowingItem = z.object({
  organization: z.string(),
  environment: z.string(),
  gitopsPath: z._default(z.string(), ''),
  status: z.enum(ENVIRONMENT_STATUSES),
});

/** One page (at most `limit`) of the environments following a repository and branch (gsi2). */
export async function listFollowingEnvironments(
  ctx: RepositoryContext,
  repository: string,
  branch: string,
  options: { readonly limit?: number; readonly startKey?: Record<string, unknown> } = {},
): Promise<{ items: FollowingEnvironment[]; nextKey?: Record<string, unknown> }> {
  const page = await ctx.store.queryPage(
    {
      IndexName: GSI2,
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': gitSourceKey(repository, branch) },
    },
    options.limit ?? 100,
    options.startKey,
  );
  return {
    items: page.items.map((item) => FollowingItem.parse(item)),
    ...(page.lastKey ? { nextKey: page.lastKey } : {}),
  };
}

export const PUSH_STATUSES = ['claimed', 'started', 'queued', 'unchanged', 'failed'] as const;
export type PushStatus = (typeof PUSH_STATUSES)[number];

const PushItem = z.object({
  organization: z.string(),
  environment: z.string(),
  commit: z.string(),
  status: z.enum(PUSH_STATUSES),
  source: z.enum(GIT_PUSH_SOURCES),
  deliveryId: z.string(),
  runId: z.optional(z.string()),
  reason: z.optional(z.string()),
  at: z.string(),
  updatedAt: z.string(),
});
export type PushRecord = z.infer<typeof PushItem>;

export interface PushRef {
  readonly organization: string;
  readonly environment: string;
  readonly commit: string;
}

/**
 * Claims (environment, commit) for this push: `claimed: true` when it is new, or when an earlier
 * attempt stopped before deciding (`claimed` or `failed`: this attempt carries on); otherwise the
 * record of the earlier delivery that handled it.
 */
export async function claimPush(
  ctx: RepositoryContext,
  ref: PushRef,
  push: Pick<GitPushed, 'source' | 'deliveryId'>,
): Promise<{ readonly claimed: true } | { readonly claimed: false; readonly record: PushRecord }> {
  const at = ctx.now().toISOString();
  const key = keys.push(ref.organization, ref.environment, ref.commit);
  const created = await ctx.store.put(
    {
      ...key,
      entity: 'PUSH',
      organization: ref.organization,
      environment: ref.environment,
      commit: ref.commit,
      status: 'claimed',
      source: push.source,
      deliveryId: push.deliveryId,
      at,
      updatedAt: at,
      expiresAt: Math.floor(ctx.now().getTime() / 1000) + PUSH_RETENTION_SECONDS,
    },
    'attribute_not_exists(pk)',
  );
  if (created) return { claimed: true };
  const item = await ctx.store.get(key);
  if (!item) return { claimed: true };
  const record = PushItem.parse(item);
  if (record.status === 'claimed' || record.status === 'failed') return { claimed: true };
  return { claimed: false, record };
}

/** Records what became of a claimed push (started with its run, queued, unchanged, failed). */
export async function markPush(
  ctx: RepositoryContext,
  ref: PushRef,
  outcome: { readonly status: PushStatus; readonly runId?: string; readonly reason?: string },
): Promise<void> {
  const update = new UpdateBuilder();
  update.set(['status'], outcome.status).set(['updatedAt'], ctx.now().toISOString());
  if (outcome.runId) update.set(['runId'], outcome.runId);
  if (outcome.reason) update.set(['reason'], outcome.reason);
  update.condition(`attribute_exists(${update.path('pk')})`);
  await ctx.store.update(keys.push(ref.organization, ref.environment, ref.commit), update.build());
}

export async function getPush(ctx: RepositoryContext, ref: PushRef): Promise<PushRecord | undefined> {
  const item = await ctx.store.get(keys.push(ref.organization, ref.environment, ref.commit));
  return item ? PushItem.parse(item) : undefined;
}

/** A push waiting for the environment's lock: enough to start its run later. */
export interface QueuedPush {
  readonly source: GitPushed['source'];
  readonly repository: string;
  readonly branch: string;
  readonly before: string;
  readonly after: string;
  readonly deliveryId: string;
  readonly pushedAt: string;
  readonly queuedAt: string;
}

const QueuedPushItem = z.object({
  source: z.enum(GIT_PUSH_SOURCES),
  repository: z.string(),
  branch: z.string(),
  before: z.string(),
  after: z.string(),
  deliveryId: z.string(),
  pushedAt: z.string(),
  queuedAt: z.string(),
});

/**
 * Queues the push as the environment's next run while a run holds its lock; a push queued
 * earlier is replaced (the latest commit wins) — unless the queued push is the one that came right
 * after this one (its `before` is this push's `after`): a delivery that arrives late, or a
 * redelivery of an older push, never replaces the newer commit (`superseded`). `not-locked` when
 * the lock is free by now: the caller starts the run itself.
 */
export async function queuePush(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
  push: GitPushed,
): Promise<'queued' | 'not-locked' | 'superseded'> {
  const queued: QueuedPush = {
    source: push.source,
    repository: push.repository,
    branch: push.branch,
    before: push.before,
    after: push.after,
    deliveryId: push.deliveryId,
    pushedAt: push.pushedAt,
    queuedAt: ctx.now().toISOString(),
  };
  const update = new UpdateBuilder();
  const queuedBefore = update.path('queuedPush', 'before');
  update
    .set(['queuedPush'], queued)
    .condition(`attribute_exists(${update.path('activeRunId')})`)
    .condition(`attribute_not_exists(${queuedBefore}) OR ${queuedBefore} <> ${update.value(push.after)}`);
  const key = keys.environment(organization, environment);
  const result = await ctx.store.update(key, update.build());
  if (result.ok) return 'queued';
  const current = await ctx.store.get(key);
  return current?.activeRunId === undefined ? 'not-locked' : 'superseded';
}

/** The environment's queued push, if any (consistent read). */
export async function getQueuedPush(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
): Promise<QueuedPush | undefined> {
  const item = await ctx.store.get(keys.environment(organization, environment));
  const queued = item?.queuedPush;
  return queued === undefined ? undefined : QueuedPushItem.parse(queued);
}

/**
 * Clears the queued push once its run holds the lock — only if it is still that commit: a push
 * queued meanwhile (for the run just started) stays queued.
 */
export async function clearQueuedPush(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
  commit: string,
): Promise<boolean> {
  const update = new UpdateBuilder();
  update.remove(['queuedPush']).condition(`${update.path('queuedPush', 'after')} = ${update.value(commit)}`);
  const result = await ctx.store.update(keys.environment(organization, environment), update.build());
  return result.ok;
}

export interface UnroutedInput {
  readonly push: Pick<GitPushed, 'source' | 'repository' | 'branch' | 'after' | 'deliveryId'>;
  readonly reason: string;
  readonly organization?: string;
  readonly environment?: string;
}

/** Records a push that could not be routed or started (kept 120 days, listed by day). */
export async function recordUnrouted(ctx: RepositoryContext, input: UnroutedInput): Promise<void> {
  const now = ctx.now();
  const at = now.toISOString();
  const target = input.organization ? `${input.organization}/${input.environment ?? ''}` : '-';
  await ctx.store.put({
    ...keys.unrouted(at.slice(0, 10), at, `${input.push.deliveryId}#${target}`),
    entity: 'UNROUTED',
    kind: 'git-push',
    source: input.push.source,
    repository: input.push.repository,
    branch: input.push.branch,
    commit: input.push.after,
    deliveryId: input.push.deliveryId,
    reason: input.reason,
    ...(input.organization ? { organization: input.organization } : {}),
    ...(input.environment ? { environment: input.environment } : {}),
    at,
    expiresAt: Math.floor(now.getTime() / 1000) + PUSH_RETENTION_SECONDS,
  });
}

/** The unrouted records of one day (`YYYY-MM-DD`), oldest first. */
export async function listUnrouted(
  ctx: RepositoryContext,
  day: string,
  limit = 100,
): Promise<Record<string, unknown>[]> {
  return ctx.store.query(
    { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `UNROUTED#${day}` } },
    limit,
  );
}

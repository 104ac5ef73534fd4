/**
 * The environment lock: `activeRunId` on the environment item. Taking it moves the environment
 * to PROVISIONING (DELETING for a teardown) and records the run as `lastRunId`/`lastRunSeq`;
 * releasing it moves it to the run's outcome. Both are single conditional updates, so two runs
 * can never hold it, a replayed event cannot take it again after its run has finished, and a run
 * older than the last one that locked never takes it at all.
 */
import type { EnvironmentStatus, RunTrigger } from '../../domain/model.js';
import type { EnvironmentRecord } from '../../domain/records.js';
import { lockedStatusFor, statusesAllowingRun } from '../../domain/transitions.js';
import type { RepositoryContext } from './context.js';
import { getEnvironment } from './environments.js';
import { toEnvironment } from './items.js';
import { keys } from './keys.js';
import { UpdateBuilder } from './update-builder.js';

export interface LockRequest {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  /** The run's sequence number: it must be higher than the environment's `lastRunSeq`. */
  readonly seq: number;
  readonly trigger: RunTrigger;
  readonly at: string;
}

export type LockOutcome =
  | { readonly kind: 'locked'; readonly environment: EnvironmentRecord }
  | { readonly kind: 'missing' }
  | { readonly kind: 'held-by-other'; readonly environment: EnvironmentRecord }
  | { readonly kind: 'run-finished'; readonly environment: EnvironmentRecord }
  /** A run with the same or a higher sequence number has taken the lock since. */
  | { readonly kind: 'superseded'; readonly environment: EnvironmentRecord }
  | { readonly kind: 'status-refused'; readonly environment: EnvironmentRecord };

/**
 * Takes the lock for `runId` (idempotent for the run that holds it) and records the run as the
 * environment's last one (`lastRunId`, `lastRunSeq`) in the same write.
 */
export async function takeLock(ctx: RepositoryContext, request: LockRequest): Promise<LockOutcome> {
  const update = new UpdateBuilder();
  const status = update.path('status');
  const activeRunId = update.path('activeRunId');
  const lastRunId = update.path('lastRunId');
  const lastRunSeq = update.path('lastRunSeq');
  const runId = update.value(request.runId);
  const seq = update.value(request.seq);
  const allowed = statusesAllowingRun(request.trigger).map((value) => update.value(value));
  update
    .set(['status'], lockedStatusFor(request.trigger))
    .set(['activeRunId'], request.runId)
    .set(['lastRunId'], request.runId)
    .set(['lastRunSeq'], request.seq)
    .set(['gsi1pk'], keys.activeRun(request.at, request.runId).gsi1pk)
    .set(['gsi1sk'], keys.activeRun(request.at, request.runId).gsi1sk)
    .set(['statusChangedAt'], request.at)
    .set(['updatedAt'], request.at)
    .increment(['version'])
    .condition(
      `attribute_exists(pk) AND (${activeRunId} = ${runId} OR (attribute_not_exists(${activeRunId}) AND ` +
        `(attribute_not_exists(${lastRunId}) OR ${lastRunId} <> ${runId}) AND ` +
        `(attribute_not_exists(${lastRunSeq}) OR ${lastRunSeq} < ${seq}) AND ` +
        `${status} IN (${allowed.join(', ')})))`,
    );
  const result = await ctx.store.update(
    keys.environment(request.organization, request.environment),
    update.build(),
  );
  if (result.ok) return { kind: 'locked', environment: toEnvironment(result.item) };

  const current = await getEnvironment(ctx, request.organization, request.environment);
  if (!current) return { kind: 'missing' };
  if (current.activeRunId !== undefined) return { kind: 'held-by-other', environment: current };
  if (current.lastRunId === request.runId) return { kind: 'run-finished', environment: current };
  if (current.lastRunSeq !== undefined && current.lastRunSeq >= request.seq) {
    return { kind: 'superseded', environment: current };
  }
  return { kind: 'status-refused', environment: current };
}

export interface ReleaseRequest {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  /** The environment status the run's outcome sets. */
  readonly status: EnvironmentStatus;
  readonly at: string;
}

export type ReleaseOutcome =
  | { readonly kind: 'released'; readonly environment: EnvironmentRecord }
  /** Already released by this run with this outcome: a replay. */
  | { readonly kind: 'already-released'; readonly environment: EnvironmentRecord }
  | { readonly kind: 'not-held'; readonly environment: EnvironmentRecord | undefined };

/** Releases the lock if `runId` holds it, setting the outcome status. */
export async function releaseLock(ctx: RepositoryContext, request: ReleaseRequest): Promise<ReleaseOutcome> {
  const update = new UpdateBuilder();
  update
    .set(['status'], request.status)
    .set(['statusChangedAt'], request.at)
    .set(['updatedAt'], request.at)
    .remove(['activeRunId'])
    .remove(['gsi1pk'])
    .remove(['gsi1sk'])
    .increment(['version'])
    .condition(`${update.path('activeRunId')} = ${update.value(request.runId)}`);
  const result = await ctx.store.update(
    keys.environment(request.organization, request.environment),
    update.build(),
  );
  if (result.ok) return { kind: 'released', environment: toEnvironment(result.item) };

  const current = await getEnvironment(ctx, request.organization, request.environment);
  if (
    current &&
    current.activeRunId === undefined &&
    current.lastRunId === request.runId &&
    current.status === request.status
  ) {
    return { kind: 'already-released', environment: current };
  }
  return { kind: 'not-held', environment: current };
}

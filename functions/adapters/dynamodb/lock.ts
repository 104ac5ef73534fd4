/**
 * The environment lock: `activeRunId` on the environment item. Taking it records the run's desired
 * spec, moves the environment to PROVISIONING (DELETING for a teardown) and records the run as
 * `lastRunId`/`lastRunSeq`; releasing it moves it to the run's outcome and records what the run's
 * phases left for the next phase plan. Both are single conditional updates, so two runs can never
 * hold it, a replayed request cannot take it again after its run has finished, and a run older
 * than the last one that locked never takes it at all. The statuses a run may start from come
 * from the domain's transition table.
 */
import type { EnvironmentStatus, PhaseName, RunTrigger } from '../../domain/model.js';
import type { PhaseSuccess } from '../../domain/phase-plan.js';
import type { EnvironmentRecord } from '../../domain/records.js';
import { lockedStatusFor, statusesAllowingRun } from '../../domain/transitions.js';
import type { RepositoryContext } from './context.js';
import { getEnvironment, recordSpecFields } from './environments.js';
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
  /**
   * The desired spec the run provisions, recorded in the same write (the API's PUT). When given,
   * an environment that does not exist yet is created by this write.
   */
  readonly spec?: { readonly spec: Readonly<Record<string, unknown>>; readonly specHash: string };
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
 * environment's last one (`lastRunId`, `lastRunSeq`, `runSeq`) in the same write.
 */
export async function takeLock(ctx: RepositoryContext, request: LockRequest): Promise<LockOutcome> {
  const update = new UpdateBuilder();
  const activeRunId = update.path('activeRunId');
  const lastRunId = update.path('lastRunId');
  const lastRunSeq = update.path('lastRunSeq');
  const runId = update.value(request.runId);
  const seq = update.value(request.seq);
  const allowed = update.oneOf(['status'], statusesAllowingRun(request.trigger));
  if (request.spec) {
    recordSpecFields(update, request.organization, request.environment, request.spec, request.at);
  }
  update
    .copy(['statusBeforeRun'], ['status'], 'PENDING')
    .set(['status'], lockedStatusFor(request.trigger))
    .set(['activeRunId'], request.runId)
    .set(['lastRunId'], request.runId)
    .set(['lastRunSeq'], request.seq)
    .set(['runSeq'], request.seq)
    .setIfAbsent(['successes'], {})
    .set(['gsi1pk'], keys.activeRun(request.at, request.runId).gsi1pk)
    .set(['gsi1sk'], keys.activeRun(request.at, request.runId).gsi1sk)
    .set(['statusChangedAt'], request.at)
    .set(['updatedAt'], request.at)
    .increment(['version']);
  const free =
    `attribute_not_exists(${activeRunId}) AND ` +
    `(attribute_not_exists(${lastRunId}) OR ${lastRunId} <> ${runId}) AND ` +
    `(attribute_not_exists(${lastRunSeq}) OR ${lastRunSeq} < ${seq}) AND ` +
    `(attribute_not_exists(${update.path('runSeq')}) OR ${update.path('runSeq')} <= ${seq}) AND ${allowed}`;
  // Both branches imply the item exists (it holds this lock, or it has a status), so no
  // attribute_exists(pk) term is needed — dynalite evaluates the flat form ten times faster.
  const lockable = `${activeRunId} = ${runId} OR (${free})`;
  // A run that records its spec may create the environment; one that does not needs it to exist.
  update.condition(request.spec ? `attribute_not_exists(pk) OR ${lockable}` : lockable);
  const result = await ctx.store.update(
    keys.environment(request.organization, request.environment),
    update.build(),
  );
  if (result.ok) return { kind: 'locked', environment: toEnvironment(result.item) };

  const current = await getEnvironment(ctx, request.organization, request.environment);
  if (!current) return { kind: 'missing' };
  if (current.activeRunId !== undefined) return { kind: 'held-by-other', environment: current };
  if (current.lastRunId === request.runId) return { kind: 'run-finished', environment: current };
  if (
    (current.lastRunSeq !== undefined && current.lastRunSeq >= request.seq) ||
    current.runSeq > request.seq
  ) {
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
  /**
   * What the run's phases leave for the next plan: a success per phase it ran to SUCCEEDED, or
   * `null` for a phase a teardown undid; `'reset'` forgets every phase (a finished teardown).
   */
  readonly successes?: Partial<Record<PhaseName, PhaseSuccess | null>> | 'reset';
}

export type ReleaseOutcome =
  | { readonly kind: 'released'; readonly environment: EnvironmentRecord }
  /** Already released by this run with this outcome: a replay. */
  | { readonly kind: 'already-released'; readonly environment: EnvironmentRecord }
  | { readonly kind: 'not-held'; readonly environment: EnvironmentRecord | undefined };

/** Releases the lock if `runId` holds it, setting the outcome status and the phases' successes. */
export async function releaseLock(ctx: RepositoryContext, request: ReleaseRequest): Promise<ReleaseOutcome> {
  const update = new UpdateBuilder();
  update
    .set(['status'], request.status)
    .set(['statusChangedAt'], request.at)
    .set(['updatedAt'], request.at)
    .remove(['activeRunId'])
    .remove(['statusBeforeRun'])
    .remove(['gsi1pk'])
    .remove(['gsi1sk'])
    .increment(['version'])
    .condition(`${update.path('activeRunId')} = ${update.value(request.runId)}`);
  if (request.successes === 'reset') {
    update.set(['successes'], {});
  } else {
    for (const [phase, success] of Object.entries(request.successes ?? {})) {
      if (success) update.set(['successes', phase], { ...success, outputs: { ...success.outputs } });
      else update.remove(['successes', phase]);
    }
  }
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

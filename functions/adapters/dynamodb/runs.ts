/**
 * Run items and the workflow's transitions. Each step of the workflow is one conditional write
 * to the run item (which also appends the step to the run's history) plus, at the start and
 * the end, one to the environment item: 7 writes for a successful three-phase run.
 * A failed condition is diagnosed with a consistent read: a replay of a step already applied
 * is a no-op; anything else is refused with a typed error.
 */
import {
  EnvironmentLockedError,
  EnvironmentNotFoundError,
  RunNotFoundError,
  TransitionRefusedError,
  ValidationError,
} from '../../domain/errors.js';
import { PHASES, type PhaseName, type RunTrigger } from '../../domain/model.js';
import type { EnvironmentRecord } from '../../domain/records.js';
import { type HistoryEntry, initialPhases, type RunRecord } from '../../domain/run.js';
import { parseRunId } from '../../domain/run-id.js';
import {
  failedStatusFor,
  type PhaseChangePlan,
  phaseOrderFor,
  planPhaseClose,
  planPhaseFail,
  planPhaseOpen,
  succeededStatusFor,
} from '../../domain/transitions.js';
import { DEFAULT_LIST_LIMIT, type RepositoryContext } from './context.js';
import { getEnvironment } from './environments.js';
import { toRun } from './items.js';
import { type ItemKey, keys } from './keys.js';
import { type LockOutcome, type ReleaseOutcome, releaseLock, takeLock } from './lock.js';
import { GSI1 } from './table-schema.js';
import { UpdateBuilder } from './update-builder.js';

export interface RunRef {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
}

// ---------------------------------------------------------------- reads

/** A run by id (gsi1, eventually consistent): for callers that only know the id. */
export async function getRun(ctx: RepositoryContext, runId: string): Promise<RunRecord | undefined> {
  const [item] = await ctx.store.query(
    {
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :sk',
      ExpressionAttributeValues: { ':pk': keys.runById(runId).gsi1pk, ':sk': keys.runById(runId).gsi1sk },
    },
    1,
  );
  return item ? toRun(item) : undefined;
}

export async function getRunBySeq(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
  seq: number,
): Promise<RunRecord | undefined> {
  const item = await ctx.store.get(keys.run(organization, environment, seq));
  return item ? toRun(item) : undefined;
}

/** An environment's runs, newest first. */
export async function listRuns(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
  options: { readonly limit?: number } = {},
): Promise<RunRecord[]> {
  const items = await ctx.store.query(
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.runPartition(organization, environment),
        ':prefix': keys.runPrefix,
      },
      ScanIndexForward: false,
      ConsistentRead: true,
    },
    options.limit ?? DEFAULT_LIST_LIMIT,
  );
  return items.map(toRun);
}

/** Environments whose lock is held, oldest lock first (gsi1, sparse): for crash recovery. */
export async function listLockedEnvironments(
  ctx: RepositoryContext,
  options: { readonly limit?: number } = {},
): Promise<{ organization: string; environment: string; runId: string }[]> {
  const items = await ctx.store.query(
    {
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.activeRunsPartition },
    },
    options.limit ?? DEFAULT_LIST_LIMIT,
  );
  return items.flatMap((item) =>
    typeof item.organization === 'string' &&
    typeof item.environment === 'string' &&
    typeof item.activeRunId === 'string'
      ? [{ organization: item.organization, environment: item.environment, runId: item.activeRunId }]
      : [],
  );
}

/** The key of a run: the sequence number is always intact in a run id (see run-id.ts). */
async function runKey(ctx: RepositoryContext, ref: RunRef): Promise<ItemKey> {
  const parsed = parseRunId(ref.runId);
  if (parsed) return keys.run(ref.organization, ref.environment, parsed.seq);
  const run = await getRun(ctx, ref.runId);
  if (!run) throw new RunNotFoundError(`run ${ref.runId} does not exist`);
  return keys.run(run.organization, run.environment, run.seq);
}

/** Consistent read of the run, checking it is the one asked for. */
async function readRun(ctx: RepositoryContext, key: ItemKey, ref: RunRef): Promise<RunRecord> {
  const item = await ctx.store.get(key);
  const run = item ? toRun(item) : undefined;
  if (
    !run ||
    run.runId !== ref.runId ||
    run.organization !== ref.organization ||
    run.environment !== ref.environment
  ) {
    throw new RunNotFoundError(`run ${ref.runId} of ${ref.organization}/${ref.environment} does not exist`);
  }
  return run;
}

// ---------------------------------------------------------------- acquireLock

export interface AcquireLockInput extends RunRef {
  readonly seq: number;
  readonly trigger: RunTrigger;
  readonly commit: string;
  readonly specHash: string;
  /** Phases this run does not execute; recorded as SKIPPED. */
  readonly skipPhases?: readonly PhaseName[];
  readonly at?: Date;
}

export interface AcquireLockResult {
  readonly run: RunRecord;
  readonly environment: EnvironmentRecord;
}

/**
 * Starts a run: puts the run item (RUNNING, phases PENDING) then takes the environment lock.
 * The run item goes first so a crash between the two leaves a run that a replay completes,
 * never a lock without its run. A run item that already exists is only accepted while RUNNING
 * (a replay of this step); a finished run never takes the lock again. If taking the lock fails,
 * for a refusal or a fault, the untouched run item is deleted again (see {@link discardUnlockedRun}).
 */
export async function acquireLock(
  ctx: RepositoryContext,
  input: AcquireLockInput,
): Promise<AcquireLockResult> {
  const parsed = parseRunId(input.runId);
  if (parsed && parsed.seq !== input.seq) {
    throw new ValidationError(`run id ${input.runId} does not carry sequence ${input.seq}`);
  }
  const at = (input.at ?? ctx.now()).toISOString();
  const key = keys.run(input.organization, input.environment, input.seq);
  const order = phaseOrderFor(input.trigger);
  const started: HistoryEntry = {
    at,
    event: 'run.started',
    detail: { trigger: input.trigger, commit: input.commit, specHash: input.specHash },
  };
  const run: RunRecord = {
    organization: input.organization,
    environment: input.environment,
    runId: input.runId,
    seq: input.seq,
    trigger: input.trigger,
    commit: input.commit,
    specHash: input.specHash,
    status: 'RUNNING',
    startedAt: at,
    phaseOrder: order,
    phases: initialPhases(order, input.skipPhases),
    history: [started],
    updatedAt: at,
  };

  const created = await ctx.store.put(
    { ...key, ...keys.runById(input.runId), entity: 'RUN', ...run },
    'attribute_not_exists(pk)',
  );
  let current = run;
  if (!created) {
    current = await readRun(ctx, key, input).catch((error: unknown) => {
      throw error instanceof RunNotFoundError
        ? new TransitionRefusedError(
            `run sequence ${input.seq} of ${input.organization}/${input.environment} is taken`,
            { cause: error },
          )
        : error;
    });
    // A late or duplicated AcquireLock of a run that has ended: never lock (or move) anything.
    if (current.status !== 'RUNNING') {
      throw new TransitionRefusedError(
        `run ${input.runId} is ${current.status}: a finished run never takes the lock again`,
      );
    }
  }

  let lock: LockOutcome;
  try {
    lock = await takeLock(ctx, { ...input, at });
  } catch (error) {
    // The lock write failed without an answer (throttled past the SDK's retries, timed out). It
    // may have been applied all the same: then the run is started. Otherwise no RUNNING run may
    // be left without its lock (the Step Functions retry puts it again).
    const environment = await getEnvironment(ctx, input.organization, input.environment).catch(
      () => undefined,
    );
    if (environment?.activeRunId === input.runId) return { run: current, environment };
    if (created) await discardUnlockedRun(ctx, key).catch(() => undefined);
    throw error;
  }
  if (lock.kind === 'locked') return { run: current, environment: lock.environment };

  // Refused: this run does not hold the lock, so its run item (created now, or left by an
  // earlier attempt of this step) never did anything and goes.
  await discardUnlockedRun(ctx, key);
  const where = `${input.organization}/${input.environment}`;
  switch (lock.kind) {
    case 'missing':
      throw new EnvironmentNotFoundError(`environment ${where} does not exist`);
    case 'held-by-other':
      throw new EnvironmentLockedError(
        `environment ${where} is locked by run ${lock.environment.activeRunId}`,
        lock.environment.activeRunId,
      );
    case 'run-finished':
      throw new TransitionRefusedError(
        `run ${input.runId} has already finished; it cannot take the lock again`,
      );
    case 'superseded':
      throw new TransitionRefusedError(
        `run ${input.runId} (#${input.seq}) is older than run ${lock.environment.lastRunId} ` +
          `(#${lock.environment.lastRunSeq}), which took the lock of ${where} since: an older run never provisions after a newer one`,
      );
    case 'status-refused':
      throw new TransitionRefusedError(
        `environment ${where} is ${lock.environment.status}: a ${input.trigger} run cannot start`,
      );
  }
}

/**
 * Deletes a run item that never got past `run.started` (RUNNING, one history entry), i.e. one
 * whose lock was never taken. Conditional, so a run that has made progress is never deleted.
 */
async function discardUnlockedRun(ctx: RepositoryContext, key: ItemKey): Promise<void> {
  await ctx.store.delete(key, '#status = :running AND size(#history) = :one', {
    names: { '#status': 'status', '#history': 'history' },
    values: { ':running': 'RUNNING', ':one': 1 },
  });
}

// ---------------------------------------------------------------- recordPhase

export interface ClosePhase {
  readonly phase: PhaseName;
  readonly buildId: string;
  readonly logLink?: string | undefined;
  readonly outputs: Readonly<Record<string, string>>;
}

export interface RecordPhaseInput extends RunRef {
  readonly close?: ClosePhase;
  readonly open?: { readonly phase: PhaseName };
  readonly at?: Date;
}

export interface RecordPhaseResult {
  readonly run: RunRecord;
  /** False when the event was a replay and nothing was written. */
  readonly changed: boolean;
}

function applyClose(update: UpdateBuilder, close: ClosePhase, at: string, history: HistoryEntry[]): void {
  const phase = ['phases', close.phase];
  update
    .set([...phase, 'status'], 'SUCCEEDED')
    .set([...phase, 'endedAt'], at)
    .set([...phase, 'buildId'], close.buildId)
    .set([...phase, 'outputs'], { ...close.outputs })
    .condition(`${update.path(...phase, 'status')} = ${update.value('RUNNING')}`);
  if (close.logLink) update.set([...phase, 'logLink'], close.logLink);
  history.push({ at, event: 'phase.succeeded', detail: { phase: close.phase, buildId: close.buildId } });
}

function requireRunning(update: UpdateBuilder, runId: string): void {
  update.condition(
    `${update.path('runId')} = ${update.value(runId)} AND ${update.path('status')} = ${update.value('RUNNING')}`,
  );
}

/**
 * Closes a phase as SUCCEEDED and/or opens the next one as RUNNING, in one write.
 * Close needs the phase RUNNING (SUCCEEDED by the same build = replay, no-op); open needs it
 * PENDING (RUNNING or further = replay, no-op). The run must be RUNNING for any change.
 */
export async function recordPhase(
  ctx: RepositoryContext,
  input: RecordPhaseInput,
): Promise<RecordPhaseResult> {
  if (!input.close && !input.open) throw new ValidationError('recordPhase needs close, open or both');
  if (input.close && input.open && input.close.phase === input.open.phase) {
    throw new ValidationError(`phase ${input.open.phase} cannot be closed and opened at once`);
  }
  const at = (input.at ?? ctx.now()).toISOString();
  const key = await runKey(ctx, input);
  let plan: { close: PhaseChangePlan | undefined; open: PhaseChangePlan | undefined } = {
    close: input.close ? 'apply' : undefined,
    open: input.open ? 'apply' : undefined,
  };

  // Two attempts: the optimistic write, then (after diagnosing a failed condition) the part
  // of the change that is still missing.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const update = new UpdateBuilder();
    const history: HistoryEntry[] = [];
    requireRunning(update, input.runId);
    if (input.close && plan.close === 'apply') applyClose(update, input.close, at, history);
    if (input.open && plan.open === 'apply') {
      const phase = ['phases', input.open.phase];
      update
        .set([...phase, 'status'], 'RUNNING')
        .set([...phase, 'startedAt'], at)
        .condition(`${update.path(...phase, 'status')} = ${update.value('PENDING')}`);
      history.push({ at, event: 'phase.started', detail: { phase: input.open.phase } });
    }
    update.append(['history'], history).set(['updatedAt'], at);
    const result = await ctx.store.update(key, update.build());
    if (result.ok) return { run: toRun(result.item), changed: true };

    const run = await readRun(ctx, key, input);
    plan = {
      close: input.close
        ? planPhaseClose(input.close.phase, run.phases[input.close.phase], input.close.buildId)
        : undefined,
      open: input.open ? planPhaseOpen(input.open.phase, run.phases[input.open.phase]) : undefined,
    };
    if (plan.close !== 'apply' && plan.open !== 'apply') return { run, changed: false };
    if (run.status !== 'RUNNING') {
      throw new TransitionRefusedError(`run ${input.runId} is ${run.status}: its phases cannot change`);
    }
  }
  throw new TransitionRefusedError(`run ${input.runId} changed concurrently; phase change not recorded`);
}

// ---------------------------------------------------------------- completeRun

export interface CompleteRunInput extends RunRef {
  readonly close: ClosePhase;
  readonly at?: Date;
}

export interface FinishRunResult {
  readonly run: RunRecord;
  readonly environment: EnvironmentRecord | undefined;
  readonly changed: boolean;
  /**
   * What happened to the environment lock: `released` by this call, `already-released` by an
   * earlier call for this run with the same outcome, or `not-held` by this run (left alone).
   */
  readonly lock: ReleaseOutcome['kind'];
}

/**
 * Closes the last phase and marks the run SUCCEEDED (one write; every other phase must be
 * SUCCEEDED or SKIPPED), then sets the environment READY (DELETED for a teardown) and releases
 * the lock (one write, only if this run holds it).
 */
export async function completeRun(ctx: RepositoryContext, input: CompleteRunInput): Promise<FinishRunResult> {
  const at = (input.at ?? ctx.now()).toISOString();
  const key = await runKey(ctx, input);
  const update = new UpdateBuilder();
  const history: HistoryEntry[] = [];
  requireRunning(update, input.runId);
  applyClose(update, input.close, at, history);
  const done = [update.value('SUCCEEDED'), update.value('SKIPPED')].join(', ');
  for (const phase of PHASES.filter((name) => name !== input.close.phase)) {
    update.condition(`${update.path('phases', phase, 'status')} IN (${done})`);
  }
  history.push({ at, event: 'run.succeeded' });
  update
    .set(['status'], 'SUCCEEDED')
    .set(['endedAt'], at)
    .set(['updatedAt'], at)
    .append(['history'], history);

  const result = await ctx.store.update(key, update.build());
  let run: RunRecord;
  let changed = true;
  if (result.ok) {
    run = toRun(result.item);
  } else {
    run = await readRun(ctx, key, input);
    const closed = run.phases[input.close.phase];
    const replay =
      run.status === 'SUCCEEDED' && planPhaseClose(input.close.phase, closed, input.close.buildId) === 'noop';
    if (!replay) {
      const pending = run.phaseOrder.filter(
        (phase) =>
          phase !== input.close.phase && !['SUCCEEDED', 'SKIPPED'].includes(run.phases[phase].status),
      );
      throw new TransitionRefusedError(
        run.status === 'RUNNING'
          ? `run ${input.runId} cannot complete: phase ${input.close.phase} is ${closed.status}` +
              (pending.length > 0 ? `, unfinished phases: ${pending.join(', ')}` : '')
          : `run ${input.runId} is ${run.status}: it cannot complete`,
      );
    }
    changed = false;
  }

  const release = await releaseLock(ctx, { ...input, status: succeededStatusFor(run.trigger), at });
  if (release.kind === 'not-held') {
    throw new TransitionRefusedError(
      `run ${input.runId} does not hold the lock of ${input.organization}/${input.environment}` +
        (release.environment?.activeRunId ? ` (run ${release.environment.activeRunId} does)` : ''),
    );
  }
  return {
    run,
    environment: release.environment,
    changed: changed || release.kind === 'released',
    lock: release.kind,
  };
}

// ---------------------------------------------------------------- failRun

export interface FailRunInput extends RunRef {
  readonly phase: PhaseName;
  readonly cause: string;
  readonly retryable: boolean;
  readonly buildId?: string | undefined;
  readonly logLink?: string | undefined;
  readonly at?: Date;
}

export interface FailRunResult extends FinishRunResult {
  /**
   * `failed`: this call recorded the failure. `replay`: this failure (same phase) was already
   * recorded. `already-finished`: the run had ended otherwise (SUCCEEDED, FAILED in another
   * phase, INTERRUPTED); its outcome is kept and only the lock it still held, if any, was
   * released with the status that outcome implies.
   */
  readonly outcome: 'failed' | 'replay' | 'already-finished';
}

/**
 * Marks the phase FAILED and the run FAILED with a structured error (later phases stay
 * PENDING, so a resume knows where to start), then sets the environment FAILED (DELETE_FAILED
 * for a teardown) and releases the lock if this run holds it. A replay is a no-op.
 *
 * A run that has already finished is never overwritten, and never left holding the lock: e.g.
 * when CompleteRun marked the run SUCCEEDED but its environment write failed past its retries,
 * the Catch lands here and the lock is released with the status the run's real outcome implies
 * (READY, DELETED for a teardown; FAILED/DELETE_FAILED for a failed or interrupted run).
 */
export async function failRun(ctx: RepositoryContext, input: FailRunInput): Promise<FailRunResult> {
  const at = (input.at ?? ctx.now()).toISOString();
  const key = await runKey(ctx, input);
  const error = {
    phase: input.phase,
    cause: input.cause,
    retryable: input.retryable,
    ...(input.buildId ? { buildId: input.buildId } : {}),
    ...(input.logLink ? { logLink: input.logLink } : {}),
  };
  const update = new UpdateBuilder();
  const phase = ['phases', input.phase];
  requireRunning(update, input.runId);
  update
    .set([...phase, 'status'], 'FAILED')
    .set([...phase, 'endedAt'], at)
    .set([...phase, 'error'], input.cause)
    .set(['status'], 'FAILED')
    .set(['endedAt'], at)
    .set(['updatedAt'], at)
    .set(['error'], error)
    .append(
      ['history'],
      [
        {
          at,
          event: 'phase.failed',
          detail: { phase: input.phase, ...(input.buildId ? { buildId: input.buildId } : {}) },
        },
        { at, event: 'run.failed', detail: { phase: input.phase, retryable: String(input.retryable) } },
      ],
    )
    .condition(
      `${update.path(...phase, 'status')} IN (${update.value('PENDING')}, ${update.value('RUNNING')})`,
    );
  if (input.buildId) update.set([...phase, 'buildId'], input.buildId);
  if (input.logLink) update.set([...phase, 'logLink'], input.logLink);

  const result = await ctx.store.update(key, update.build());
  let run: RunRecord;
  let outcome: FailRunResult['outcome'] = 'failed';
  if (result.ok) {
    run = toRun(result.item);
  } else {
    run = await readRun(ctx, key, input);
    if (run.status === 'RUNNING') {
      // Still running, so the phase itself refused (SUCCEEDED or SKIPPED), or a concurrent change.
      planPhaseFail(input.phase, run.phases[input.phase]);
      throw new TransitionRefusedError(
        `run ${input.runId} changed concurrently; failure of phase ${input.phase} not recorded`,
      );
    }
    outcome = run.status === 'FAILED' && run.error?.phase === input.phase ? 'replay' : 'already-finished';
  }

  // Only a lock this run holds is released; a run that never took the lock, or whose lock is
  // already released, leaves the environment as it is.
  const status = run.status === 'SUCCEEDED' ? succeededStatusFor(run.trigger) : failedStatusFor(run.trigger);
  const release = await releaseLock(ctx, { ...input, status, at });
  return {
    run,
    environment: release.environment,
    changed: outcome === 'failed' || release.kind === 'released',
    lock: release.kind,
    outcome,
  };
}

// ---------------------------------------------------------------- interruptRun

export interface InterruptRunInput extends RunRef {
  readonly reason: string;
  readonly at?: Date;
}

/**
 * Marks a RUNNING run INTERRUPTED (its execution is gone, e.g. after a local-mode crash) and
 * releases its lock with the failed status, so the environment can be resumed.
 */
export async function interruptRun(
  ctx: RepositoryContext,
  input: InterruptRunInput,
): Promise<FinishRunResult> {
  const at = (input.at ?? ctx.now()).toISOString();
  const key = await runKey(ctx, input);
  const update = new UpdateBuilder();
  requireRunning(update, input.runId);
  update
    .set(['status'], 'INTERRUPTED')
    .set(['endedAt'], at)
    .set(['updatedAt'], at)
    .append(['history'], [{ at, event: 'run.interrupted', detail: { reason: input.reason } }]);
  const result = await ctx.store.update(key, update.build());
  let run: RunRecord;
  if (result.ok) {
    run = toRun(result.item);
  } else {
    run = await readRun(ctx, key, input);
    if (run.status !== 'INTERRUPTED') {
      throw new TransitionRefusedError(`run ${input.runId} is ${run.status}: it cannot be interrupted`);
    }
  }
  const release = await releaseLock(ctx, { ...input, status: failedStatusFor(run.trigger), at });
  return {
    run,
    environment: release.environment,
    changed: result.ok || release.kind === 'released',
    lock: release.kind,
  };
}

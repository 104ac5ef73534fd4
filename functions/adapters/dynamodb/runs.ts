/**
 * Run items and the workflow's transitions. The API starts a run with two writes (the run item,
 * then the environment's spec + lock); the workflow's AcquireLock only verifies that start and
 * opens the first phase; each later step is one conditional write to the run item (which also
 * appends the step to the run's history) and the end one more to the environment: 5 workflow
 * writes for a successful three-phase run. Every condition on a status comes from the domain's
 * transition tables. A failed condition is diagnosed with a consistent read: a replay of a step
 * already applied is a no-op; anything else is refused with a typed error.
 */
import {
  EnvironmentLockedError,
  EnvironmentNotFoundError,
  RunNotFoundError,
  TransitionRefusedError,
  ValidationError,
} from '../../domain/errors.js';
import { PHASES, type PhaseName, type RunStatus, type RunTrigger } from '../../domain/model.js';
import { type PhasePlan, planEveryPhase, successesOfRun } from '../../domain/phase-plan.js';
import type { EnvironmentRecord } from '../../domain/records.js';
import { type HistoryEntry, initialPhases, planInputs, type RunRecord } from '../../domain/run.js';
import { parseRunId } from '../../domain/run-id.js';
import {
  failedStatusFor,
  PHASE_DONE_STATUSES,
  type PhaseChangePlan,
  phaseStatusesAllowing,
  planPhaseClose,
  planPhaseFail,
  planPhaseOpen,
  RUN_START_STATUS,
  runStatusesAllowing,
  runStatusesStillOpen,
  succeededStatusFor,
} from '../../domain/transitions.js';
import { DEFAULT_LIST_LIMIT, type RepositoryContext } from './context.js';
import { getEnvironment } from './environments.js';
import { toRun } from './items.js';
import { type ItemKey, keys } from './keys.js';
import { type LockOutcome, type LockRequest, type ReleaseOutcome, releaseLock, takeLock } from './lock.js';
import { type Page, type PageOptions, queryPage, TABLE_KEY_ATTRIBUTES } from './pages.js';
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
  options: PageOptions = {},
): Promise<Page<RunRecord>> {
  const partition = keys.runPartition(organization, environment);
  return queryPage(
    ctx,
    {
      input: {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': keys.runPrefix },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      partition: { attribute: 'pk', value: partition },
      keyAttributes: TABLE_KEY_ATTRIBUTES,
    },
    options,
    toRun,
  );
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

// ---------------------------------------------------------------- startRun

export interface StartRunInput extends RunRef {
  /** `runSeq + 1` of the environment as the caller read it (1 for a new environment). */
  readonly seq: number;
  readonly trigger: RunTrigger;
  readonly commit: string;
  readonly specHash: string;
  /** The desired spec, recorded on the environment in the lock's write (created if absent). */
  readonly spec?: Readonly<Record<string, unknown>>;
  /** The phase plan (functions/domain/phase-plan.ts). @default every phase runs */
  readonly plan?: PhasePlan;
  /** Successes recorded with the lock (a shared cluster's tenant: its cluster's, see lock.ts). */
  readonly successes?: LockRequest['successes'];
  /** A shared cluster's own run: refused while tenant runs are in progress on it. */
  readonly exclusiveOfTenants?: boolean;
  readonly at?: Date;
}

export interface StartRunResult {
  readonly run: RunRecord;
  readonly environment: EnvironmentRecord;
}

/**
 * Starts a run for the API: puts the run item (RUNNING; the first phase it runs RUNNING, which
 * saves the workflow's first step a write, the others PENDING, or SKIPPED with their reason and
 * handed-on outputs, per the plan) then, in one write on the environment, records the
 * desired spec and takes the lock. The run item goes first and its key is the sequence number, so
 * of two concurrent requests only one can start sequence N (the other is told the environment is
 * busy). A run item that already exists with this id is accepted while RUNNING (a retried
 * request); a finished run never takes the lock again. If taking the lock fails, for a refusal or
 * a fault, the untouched run item is deleted again (see {@link discardUnlockedRun}).
 */
export async function startRun(ctx: RepositoryContext, input: StartRunInput): Promise<StartRunResult> {
  const parsed = parseRunId(input.runId);
  if (parsed && parsed.seq !== input.seq) {
    throw new ValidationError(`run id ${input.runId} does not carry sequence ${input.seq}`);
  }
  const at = (input.at ?? ctx.now()).toISOString();
  const key = keys.run(input.organization, input.environment, input.seq);
  const plan = input.plan ?? planEveryPhase(input.trigger, input.spec ?? {}, input.commit);
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
    status: RUN_START_STATUS,
    startedAt: at,
    phaseOrder: plan.order,
    phases: initialPhases(plan, at),
    inputs: planInputs(plan),
    history: plan.startAt
      ? [started, { at, event: 'phase.started', detail: { phase: plan.startAt } }]
      : [started],
    updatedAt: at,
  };

  const created = await ctx.store.put(
    { ...key, ...keys.runById(input.runId), entity: 'RUN', ...run },
    'attribute_not_exists(pk)',
  );
  let current = run;
  if (!created) {
    current = await readRun(ctx, key, input).catch(async (error: unknown) => {
      if (!(error instanceof RunNotFoundError)) throw error;
      // Another request started sequence N first (with another spec): this environment is busy.
      const other = await ctx.store.get(key);
      const otherRun = other ? toRun(other) : undefined;
      throw new EnvironmentLockedError(
        `run sequence ${input.seq} of ${input.organization}/${input.environment} was just taken` +
          (otherRun ? ` by run ${otherRun.runId}` : ''),
        otherRun?.runId,
        { cause: error },
      );
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
    lock = await takeLock(ctx, {
      organization: input.organization,
      environment: input.environment,
      runId: input.runId,
      seq: input.seq,
      trigger: input.trigger,
      at,
      commit: input.commit,
      ...(input.spec ? { spec: { spec: input.spec, specHash: input.specHash } } : {}),
      ...(input.successes ? { successes: input.successes } : {}),
      ...(input.exclusiveOfTenants ? { exclusiveOfTenants: true } : {}),
    });
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
    case 'tenants-busy':
      throw new EnvironmentLockedError(
        `cluster ${input.environment} has tenant runs in progress: ${lock.runIds.join(', ')}`,
        lock.runIds[0],
      );
  }
}

/**
 * Deletes a run item that never got past `run.started` (RUNNING, one history entry), i.e. one
 * whose lock was never taken. Conditional, so a run that has made progress is never deleted.
 */
async function discardUnlockedRun(ctx: RepositoryContext, key: ItemKey): Promise<void> {
  // As started: run.started, and phase.started of the phase it opened with.
  await ctx.store.delete(key, '#status = :running AND size(#history) <= :started', {
    names: { '#status': 'status', '#history': 'history' },
    values: { ':running': RUN_START_STATUS, ':started': 2 },
  });
}

// ---------------------------------------------------------------- verifyRunStart

export interface VerifyRunStartInput extends RunRef {
  readonly seq: number;
  readonly trigger: RunTrigger;
  readonly specHash: string;
  /** Phases the execution input says the run skips: must be exactly the run's. */
  readonly skipPhases: readonly PhaseName[];
}

export interface VerifyRunStartResult {
  readonly run: RunRecord;
  readonly environment: EnvironmentRecord;
  /** The first phase the run executes (opened RUNNING by this call). */
  readonly startAt: PhaseName;
}

/**
 * The workflow's first step. The run was started by the API ({@link startRun}); this checks that
 * the execution is that run and nothing else — the environment's lock is held by it, its recorded
 * desired spec has the run's hash, the run is RUNNING with the same trigger and plan, and every
 * phase it skips hands on outputs that the environment recorded for it. The first phase it
 * executes was opened by startRun, so the check writes nothing; a run item whose first phase is
 * still PENDING has it opened here (one write). Anything else is refused before any write, so an execution
 * started by hand with an arbitrary spec or plan changes nothing.
 */
export async function verifyRunStart(
  ctx: RepositoryContext,
  input: VerifyRunStartInput,
): Promise<VerifyRunStartResult> {
  const where = `${input.organization}/${input.environment}`;
  const environment = await getEnvironment(ctx, input.organization, input.environment);
  if (!environment) throw new EnvironmentNotFoundError(`environment ${where} does not exist`);
  const refuse = (why: string) => new TransitionRefusedError(`run ${input.runId} refused: ${why}`);
  if (environment.activeRunId !== input.runId) {
    throw refuse(
      environment.activeRunId
        ? `the lock of ${where} is held by run ${environment.activeRunId}`
        : `it does not hold the lock of ${where}`,
    );
  }
  if (environment.specHash !== input.specHash) {
    throw refuse(`spec hash ${input.specHash.slice(0, 12)} is not the recorded desired spec of ${where}`);
  }
  const run = await readRun(ctx, keys.run(input.organization, input.environment, input.seq), input);
  if (run.specHash !== input.specHash || run.trigger !== input.trigger) {
    throw refuse('its spec hash or trigger differs from the run the API started');
  }
  if (!runStatusesStillOpen().includes(run.status)) throw refuse(`the run is ${run.status}`);
  const skipped = run.phaseOrder.filter((phase) => run.phases[phase].status === 'SKIPPED');
  if (skipped.join(',') !== [...input.skipPhases].join(',')) {
    throw refuse(`its plan skips [${input.skipPhases.join(', ')}], the run's skips [${skipped.join(', ')}]`);
  }
  if (run.trigger !== 'teardown') {
    for (const phase of skipped) {
      const recorded = environment.successes[phase];
      if (!recorded || recorded.runId !== run.phases[phase].handedOnFrom) {
        throw refuse(`it skips ${phase}, which has no earlier success to hand on`);
      }
    }
  }
  const startAt = run.phaseOrder.find((phase) => !PHASE_DONE_STATUSES.includes(run.phases[phase].status));
  if (!startAt) throw refuse('it has no phase to run');
  // startRun opened it (no write here); a run item without it open is opened now.
  if (run.phases[startAt].status === 'RUNNING') return { run, environment, startAt };
  const opened = await recordPhase(ctx, { ...input, open: { phase: startAt } });
  return { run: opened.run, environment, startAt };
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
    .condition(update.oneOf([...phase, 'status'], phaseStatusesAllowing('SUCCEEDED')));
  if (close.logLink) update.set([...phase, 'logLink'], close.logLink);
  history.push({ at, event: 'phase.succeeded', detail: { phase: close.phase, buildId: close.buildId } });
}

/**
 * The run is this one and may still change: in a status from which it may reach `to` (its
 * ending), or, without `to`, any status that still has a way out (a phase being recorded).
 */
function requireRunning(update: UpdateBuilder, runId: string, to?: RunStatus): void {
  const statuses = to === undefined ? runStatusesStillOpen() : runStatusesAllowing(to);
  update.condition(
    `${update.path('runId')} = ${update.value(runId)} AND ${update.oneOf(['status'], statuses)}`,
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
        .condition(update.oneOf([...phase, 'status'], phaseStatusesAllowing('RUNNING')));
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
  requireRunning(update, input.runId, 'SUCCEEDED');
  applyClose(update, input.close, at, history);
  for (const phase of PHASES.filter((name) => name !== input.close.phase)) {
    update.condition(update.oneOf(['phases', phase, 'status'], PHASE_DONE_STATUSES));
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
        (phase) => phase !== input.close.phase && !PHASE_DONE_STATUSES.includes(run.phases[phase].status),
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

  const release = await releaseLock(ctx, {
    ...input,
    status: succeededStatusFor(run.trigger),
    at,
    successes: run.trigger === 'teardown' ? 'reset' : successesOfRun(run),
  });
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
  requireRunning(update, input.runId, 'FAILED');
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
    .condition(update.oneOf([...phase, 'status'], phaseStatusesAllowing('FAILED')));
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
  const release = await releaseLock(ctx, { ...input, status, at, successes: successesOfRun(run) });
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
  update.condition(
    `${update.path('runId')} = ${update.value(input.runId)} AND ${update.oneOf(['status'], runStatusesAllowing('INTERRUPTED'))}`,
  );
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
  const release = await releaseLock(ctx, {
    ...input,
    status: failedStatusFor(run.trigger),
    at,
    successes: successesOfRun(run),
  });
  return {
    run,
    environment: release.environment,
    changed: result.ok || release.kind === 'released',
    lock: release.kind,
  };
}

// ---------------------------------------------------------------- abandonRun

export interface AbandonRunInput extends RunRef {
  readonly cause: string;
  readonly at?: Date;
}

/**
 * A run the API started whose execution could not be started (StartExecution refused or failed):
 * the run is marked FAILED before any phase ran and the lock is released with the status the
 * environment had before, so a failed start never leaves an environment locked or worse off.
 */
export async function abandonRun(ctx: RepositoryContext, input: AbandonRunInput): Promise<void> {
  const at = (input.at ?? ctx.now()).toISOString();
  const key = await runKey(ctx, input);
  const run = await readRun(ctx, key, input);
  const unfinished = run.phaseOrder.find((name) => !PHASE_DONE_STATUSES.includes(run.phases[name].status));
  const phase = unfinished ?? run.phaseOrder[0];
  const environment = await getEnvironment(ctx, input.organization, input.environment);
  if (phase && runStatusesAllowing('FAILED').includes(run.status)) {
    const update = new UpdateBuilder();
    requireRunning(update, input.runId, 'FAILED');
    update
      .set(['status'], 'FAILED')
      .set(['endedAt'], at)
      .set(['updatedAt'], at)
      .set(['error'], { phase, cause: input.cause, retryable: true })
      .append(['history'], [{ at, event: 'run.failed', detail: { phase, reason: 'execution not started' } }]);
    // The phase startRun opened never started a build: it fails with the run.
    if (unfinished) {
      update
        .set(['phases', unfinished, 'status'], 'FAILED')
        .set(['phases', unfinished, 'endedAt'], at)
        .condition(update.oneOf(['phases', unfinished, 'status'], phaseStatusesAllowing('FAILED')));
    }
    // Refused: the run moved on after all (its execution did start): it keeps its lock.
    if (!(await ctx.store.update(key, update.build())).ok) return;
  }
  if (environment?.activeRunId === input.runId) {
    const before = environment.statusBeforeRun;
    await releaseLock(ctx, {
      ...input,
      status: before ?? failedStatusFor(run.trigger),
      abandoned: before !== undefined,
      at,
    });
  }
}

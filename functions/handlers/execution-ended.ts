/**
 * EventBridge target for "Step Functions Execution Status Change" events of the provisioning
 * workflow that ended TIMED_OUT, ABORTED or FAILED. When the run is still RUNNING, the workflow
 * could not record its end (it timed out, a person stopped it, or its own failure path failed):
 * the run is marked INTERRUPTED, the environment lock released (nothing recorded is lost) and one
 * `run.interrupted` alert published. A run that has already finished is left alone, so a
 * workflow that recorded its own failure, or a redelivered event, changes nothing.
 */
import type { Repository } from '../adapters/dynamodb/repository.js';
import type { FinishRunResult } from '../adapters/dynamodb/runs.js';
import type { AlertPublisher } from '../adapters/sns/alert-publisher.js';
import { buildRunInterruptedAlert, executionConsoleLink } from '../domain/alert.js';
import { TransitionRefusedError, ValidationError } from '../domain/errors.js';
import type { ExecutionFailureStatus, PhaseName, RunStatus } from '../domain/model.js';
import type { RunRecord } from '../domain/run.js';
import { parseRunId } from '../domain/run-id.js';
import { type ExecutionEnded, parseExecutionEnded } from '../domain/workflow-events.js';
import { lambdaAlertPublisher } from '../shared/lambda-alert-publisher.js';
import { lambdaRepository } from '../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../shared/middleware.js';
import { lambdaObservability, type Observability } from '../shared/observability.js';
import { type PublishOnceResult, publishAlertOnce } from '../shared/publish-once.js';

export interface ExecutionEndedDeps extends Observability {
  readonly repository: Repository;
  readonly publisher: AlertPublisher;
  /** Default: the system clock (used when the event carries no stop time). */
  readonly now?: () => Date;
}

export type ExecutionEndedOutput =
  | {
      readonly runId: string;
      readonly executionStatus: ExecutionFailureStatus;
      /** The run's status when the event arrived; ABSENT when no run was started (lock refused). */
      readonly found: RunStatus | 'ABSENT';
      readonly interrupted: false;
      /** Set when a finished run still held the lock and this call released it. */
      readonly lock?: FinishRunResult['lock'];
    }
  | {
      readonly runId: string;
      readonly executionStatus: ExecutionFailureStatus;
      readonly found: 'RUNNING' | 'INTERRUPTED';
      readonly interrupted: true;
      readonly environmentStatus: string | undefined;
      readonly alert: PublishOnceResult;
    };

/** The phase the run was in: the one RUNNING, else the first not yet finished. */
function phaseInProgress(run: RunRecord): PhaseName | undefined {
  return (
    run.phaseOrder.find((phase) => run.phases[phase].status === 'RUNNING') ??
    run.phaseOrder.find((phase) => run.phases[phase].status === 'PENDING')
  );
}

function interruptReason(ended: ExecutionEnded): string {
  return `execution ${ended.status}${ended.error ? `: ${ended.error}` : ''}`;
}

/**
 * A run that recorded its end but still holds the environment lock: the environment write of its
 * last step (CompleteRun or RecordFailure) failed past every retry. `failRun` on a finished run
 * releases only that lock, with the status the run's outcome implies, and never changes the run.
 */
async function releaseLockOfFinishedRun(
  deps: ExecutionEndedDeps,
  ended: ExecutionEnded,
  run: RunRecord,
): Promise<FinishRunResult['lock'] | undefined> {
  const environment = await deps.repository.getEnvironment(ended.organization, ended.environment);
  if (environment?.activeRunId !== run.runId) return undefined;
  const phase = run.error?.phase ?? run.phaseOrder.at(-1);
  if (!phase) return undefined;
  const released = await deps.repository.failRun({
    organization: ended.organization,
    environment: ended.environment,
    runId: run.runId,
    phase,
    cause: interruptReason(ended),
    retryable: false,
  });
  return released.lock;
}

export const makeExecutionEnded =
  (deps: ExecutionEndedDeps) =>
  async (event: unknown): Promise<ExecutionEndedOutput> => {
    const ended = parseExecutionEnded(event);
    const { organization, environment, runId } = ended;
    const parsedId = parseRunId(runId);
    if (!parsedId) {
      const issue = `detail.name: ${runId} is not a Slipway run id`;
      throw new ValidationError(`invalid Step Functions execution status change event: ${issue}`, [issue]);
    }
    const base = { runId, executionStatus: ended.status } as const;

    const found = await deps.repository.getRunBySeq(organization, environment, parsedId.seq);
    if (!found || found.runId !== runId) {
      deps.logger?.info('execution ended before its run started; nothing to do', { ...base });
      return { ...base, found: 'ABSENT', interrupted: false };
    }
    if (found.status === 'SUCCEEDED' || found.status === 'FAILED') {
      const lock = await releaseLockOfFinishedRun(deps, ended, found);
      deps.logger?.info('execution ended after its run recorded its end', {
        ...base,
        runStatus: found.status,
        lock: lock ?? 'not held',
      });
      return { ...base, found: found.status, interrupted: false, ...(lock ? { lock } : {}) };
    }

    // RUNNING, or INTERRUPTED by an earlier delivery of this event whose alert may not be out yet.
    const stoppedAt = ended.stoppedAt ? new Date(ended.stoppedAt) : undefined;
    const at =
      stoppedAt && !Number.isNaN(stoppedAt.getTime()) ? stoppedAt : (deps.now ?? (() => new Date()))();
    let interrupted: Awaited<ReturnType<Repository['interruptRun']>>;
    try {
      interrupted = await deps.repository.interruptRun({
        organization,
        environment,
        runId,
        reason: interruptReason(ended),
        at,
      });
    } catch (error) {
      // The workflow recorded the run's end between the read and the write: nothing to do.
      if (!(error instanceof TransitionRefusedError)) throw error;
      const now = await deps.repository.getRunBySeq(organization, environment, parsedId.seq);
      deps.logger?.info('run finished while its execution end was handled; nothing to do', {
        ...base,
        runStatus: now?.status,
      });
      return { ...base, found: now?.status ?? 'ABSENT', interrupted: false };
    }

    const phase = phaseInProgress(found);
    const alert = buildRunInterruptedAlert({
      organization,
      environment,
      runId,
      executionStatus: ended.status,
      ...(ended.error ? { error: ended.error } : {}),
      ...(ended.cause ? { cause: ended.cause } : {}),
      ...(phase ? { phase } : {}),
      executionLink: executionConsoleLink(ended.region, ended.executionArn),
      ...(interrupted.environment?.tier ? { tier: interrupted.environment.tier } : {}),
      occurredAt: at.toISOString(),
    });
    deps.logger?.warn('run interrupted: its execution ended without recording it', {
      ...base,
      lock: interrupted.lock,
      environmentStatus: interrupted.environment?.status,
    });
    if (interrupted.changed) deps.metrics?.addMetric('RunInterrupted', 'Count', 1);
    return {
      ...base,
      found: found.status,
      interrupted: true,
      environmentStatus: interrupted.environment?.status,
      alert: await publishAlertOnce(deps, alert),
    };
  };

export const handler = lazyLambdaHandler(() =>
  makeExecutionEnded({
    repository: lambdaRepository(),
    publisher: lambdaAlertPublisher(),
    ...lambdaObservability,
  }),
);

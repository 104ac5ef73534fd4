/**
 * Workflow task RecordFailure (reached from a Catch): turns the caught {Error, Cause} into a
 * structured failure, marks the phase and the run FAILED, sets the environment FAILED and
 * releases the lock. Returns the failure for the alert. A run that had already finished keeps its
 * outcome; the lock it may still hold is released with the status that outcome implies.
 */
import type { Repository } from '../adapters/dynamodb/repository.js';
import { parseFailureCause } from '../domain/failure-cause.js';
import { type FailureOutput, parseInput, RecordFailureInput } from '../domain/workflow-events.js';
import { lambdaRepository } from '../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../shared/middleware.js';
import { lambdaObservability, type Observability } from '../shared/observability.js';

export interface RecordFailureDeps extends Observability {
  readonly repository: Repository;
}

export const makeRecordFailure =
  (deps: RecordFailureDeps) =>
  async (event: unknown): Promise<FailureOutput> => {
    const input = parseInput(RecordFailureInput, event, 'RecordFailure input');
    const failure = parseFailureCause(input.phase, {
      Error: input.error.Error,
      Cause: input.error.Cause ?? undefined,
    });
    const { run, changed, outcome, lock, environment } = await deps.repository.failRun({
      organization: input.organization,
      environment: input.environment,
      runId: input.runId,
      ...failure,
    });
    if (outcome === 'already-finished') {
      // E.g. CompleteRun marked the run SUCCEEDED, then its environment write failed past its
      // retries: the run keeps its outcome, and the lock it still held is released accordingly.
      deps.logger?.warn('run had already finished; its outcome is kept', {
        runId: run.runId,
        runStatus: run.status,
        phase: failure.phase,
        lock,
        environmentStatus: environment?.status,
      });
    } else {
      deps.logger?.warn('run failed', {
        runId: run.runId,
        phase: failure.phase,
        retryable: failure.retryable,
        changed,
      });
    }
    if (changed && outcome === 'failed') deps.metrics?.addMetric('RunFailed', 'Count', 1);
    // The recorded error, not this event's: a replay reports what the first failure recorded.
    if (run.error) {
      const recorded = run.error;
      return {
        phase: recorded.phase,
        ...(recorded.buildId ? { buildId: recorded.buildId } : {}),
        ...(recorded.logLink ? { logLink: recorded.logLink } : {}),
        cause: recorded.cause,
        retryable: recorded.retryable,
        ...(run.endedAt ? { failedAt: run.endedAt } : {}),
        runStatus: run.status,
      };
    }
    // A run that ended without a recorded error (SUCCEEDED, INTERRUPTED): report what the workflow
    // caught, prefixed with what the run's record holds, so the alert's reader is not misled.
    const settled = environment?.status ? ` (environment ${environment.status})` : '';
    return {
      phase: failure.phase,
      ...(failure.buildId ? { buildId: failure.buildId } : {}),
      ...(failure.logLink ? { logLink: failure.logLink } : {}),
      cause:
        `Run ${run.runId} had already ${run.status === 'SUCCEEDED' ? 'succeeded' : 'been interrupted'}${settled}; ` +
        `the workflow then failed recording phase ${failure.phase}: ${failure.cause}`,
      retryable: false,
      ...(run.endedAt ? { failedAt: run.endedAt } : {}),
      runStatus: run.status,
    };
  };

export const handler = lazyLambdaHandler(() =>
  makeRecordFailure({ repository: lambdaRepository(), ...lambdaObservability }),
);

/**
 * Workflow task RecordFailure (reached from a Catch): turns the caught {Error, Cause} into a
 * structured failure, marks the phase and the run FAILED, sets the environment FAILED and
 * releases the lock. Returns the failure for the alert.
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
    const { run, changed } = await deps.repository.failRun({
      organization: input.organization,
      environment: input.environment,
      runId: input.runId,
      ...failure,
    });
    deps.logger?.warn('run failed', {
      runId: run.runId,
      phase: failure.phase,
      retryable: failure.retryable,
      changed,
    });
    if (changed) deps.metrics?.addMetric('RunFailed', 'Count', 1);
    // The recorded error, not this event's: a replay reports what the first failure recorded.
    const recorded = run.error ?? failure;
    return {
      phase: recorded.phase,
      ...(recorded.buildId ? { buildId: recorded.buildId } : {}),
      ...(recorded.logLink ? { logLink: recorded.logLink } : {}),
      cause: recorded.cause,
      retryable: recorded.retryable,
      ...(run.endedAt ? { failedAt: run.endedAt } : {}),
    };
  };

export const handler = lazyLambdaHandler(() =>
  makeRecordFailure({ repository: lambdaRepository(), ...lambdaObservability }),
);

/**
 * Workflow task AcquireLock: starts the run (run item RUNNING) and takes the environment's lock.
 * A second run for a busy environment fails with EnvironmentLockedError.
 */
import type { Repository } from '../adapters/dynamodb/repository.js';
import { ValidationError } from '../domain/errors.js';
import { runIdMatches } from '../domain/run-id.js';
import { parseInput, WorkflowInput } from '../domain/workflow-events.js';
import { lambdaRepository } from '../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../shared/middleware.js';
import { lambdaObservability, type Observability } from '../shared/observability.js';

export interface AcquireLockDeps extends Observability {
  readonly repository: Repository;
}

export interface AcquireLockOutput {
  readonly runId: string;
  readonly acquiredAt: string;
}

export const makeAcquireLock =
  (deps: AcquireLockDeps) =>
  async (event: unknown): Promise<AcquireLockOutput> => {
    const input = parseInput(WorkflowInput, event, 'AcquireLock input');
    // The run id is the execution name, the dedup key of runs: it must be the one this input derives.
    if (!runIdMatches(input.runId, input)) {
      throw new ValidationError(
        `run id ${input.runId} does not match ${input.organization}/${input.environment} #${input.seq} ${input.specHash.slice(0, 8)}`,
      );
    }
    const { run } = await deps.repository.acquireLock({
      organization: input.organization,
      environment: input.environment,
      runId: input.runId,
      seq: input.seq,
      trigger: input.trigger,
      commit: input.commit,
      specHash: input.specHash,
      skipPhases: input.skipPhases,
    });
    deps.logger?.info('lock acquired', { runId: run.runId, trigger: run.trigger });
    deps.metrics?.addMetric('RunStarted', 'Count', 1);
    return { runId: run.runId, acquiredAt: run.startedAt };
  };

export const handler = lazyLambdaHandler(() =>
  makeAcquireLock({ repository: lambdaRepository(), ...lambdaObservability }),
);

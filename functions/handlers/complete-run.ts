/**
 * Workflow task CompleteRun: closes the last phase, marks the run SUCCEEDED, sets the
 * environment READY (DELETED after a teardown) and releases the lock.
 */
import type { Repository } from '../adapters/dynamodb/repository.js';
import { CompleteRunInput, exportedOutputs, parseInput } from '../domain/workflow-events.js';
import { lambdaRepository } from '../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../shared/middleware.js';
import { lambdaObservability, type Observability } from '../shared/observability.js';

export interface CompleteRunDeps extends Observability {
  readonly repository: Repository;
}

export interface CompleteRunOutput {
  readonly status: 'SUCCEEDED';
  readonly outputs: Record<string, string>;
}

export const makeCompleteRun =
  (deps: CompleteRunDeps) =>
  async (event: unknown): Promise<CompleteRunOutput> => {
    const input = parseInput(CompleteRunInput, event, 'CompleteRun input');
    const { close } = input;
    const { run, environment, changed } = await deps.repository.completeRun({
      organization: input.organization,
      environment: input.environment,
      runId: input.runId,
      close: {
        phase: close.phase,
        buildId: close.build.id,
        logLink: close.build.logLink ?? undefined,
        outputs: exportedOutputs(close.build),
      },
    });
    deps.logger?.info('run completed', { runId: run.runId, environmentStatus: environment?.status, changed });
    if (changed) deps.metrics?.addMetric('RunSucceeded', 'Count', 1);
    return { status: 'SUCCEEDED', outputs: { ...(run.phases[close.phase].outputs ?? {}) } };
  };

export const handler = lazyLambdaHandler(() =>
  makeCompleteRun({ repository: lambdaRepository(), ...lambdaObservability }),
);

/**
 * Workflow task RecordPhase: closes the finished phase (SUCCEEDED, with its build and exported
 * variables) and opens the next one (RUNNING), in one write. Returns the closed phase's outputs,
 * which the state machine hands to the next phase as SLIPWAY_PREVIOUS_OUTPUTS.
 */
import type { Repository } from '../adapters/dynamodb/repository.js';
import { exportedOutputs, parseInput, RecordPhaseInput } from '../domain/workflow-events.js';
import { lambdaRepository } from '../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../shared/middleware.js';
import { lambdaObservability, type Observability } from '../shared/observability.js';

export interface RecordPhaseDeps extends Observability {
  readonly repository: Repository;
}

export interface RecordPhaseOutput {
  readonly outputs: Record<string, string>;
}

export const makeRecordPhase =
  (deps: RecordPhaseDeps) =>
  async (event: unknown): Promise<RecordPhaseOutput> => {
    const input = parseInput(RecordPhaseInput, event, 'RecordPhase input');
    const { close, open } = input;
    const { run, changed } = await deps.repository.recordPhase({
      organization: input.organization,
      environment: input.environment,
      runId: input.runId,
      ...(close
        ? {
            close: {
              phase: close.phase,
              buildId: close.build.id,
              logLink: close.build.logLink ?? undefined,
              outputs: exportedOutputs(close.build),
            },
          }
        : {}),
      ...(open ? { open: { phase: open.phase } } : {}),
    });
    deps.logger?.info('phase recorded', {
      runId: run.runId,
      closed: close?.phase,
      opened: open?.phase,
      changed,
    });
    // The stored outputs, not the event's: a replayed event returns what the first one recorded.
    return { outputs: close ? { ...(run.phases[close.phase].outputs ?? {}) } : {} };
  };

export const handler = lazyLambdaHandler(() =>
  makeRecordPhase({ repository: lambdaRepository(), ...lambdaObservability }),
);

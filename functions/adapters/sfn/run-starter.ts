/**
 * Starts provisioning runs. The run id is the Step Functions execution name, built from the
 * environment, the run's sequence number and the spec hash: the same spec can run again after a
 * failure (a new sequence number, so a new name), while a duplicated start of the same run is
 * refused by Step Functions itself (a name is never reused for another input or after it ended).
 */
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { validateEnvironmentSpec } from '../../domain/environment-spec.js';
import { RunAlreadyStartedError, ValidationError } from '../../domain/errors.js';
import type { RunTrigger } from '../../domain/model.js';
import { buildRunId } from '../../domain/run-id.js';
import { specHash } from '../../domain/spec-hash.js';
import type { WorkflowInput } from '../../domain/workflow-events.js';
import type { Repository } from '../dynamodb/repository.js';

export interface RunStarterOptions {
  readonly client: SFNClient;
  readonly stateMachineArn: string;
  readonly repository: Pick<Repository, 'allocateRunSeq'>;
}

export interface RunRequest {
  readonly organization: string;
  readonly environment: string;
  readonly trigger: RunTrigger;
  /** Git commit the run provisions; empty for API-triggered runs. */
  readonly commit?: string;
  readonly spec: Record<string, unknown>;
}

export interface StartedRun {
  readonly runId: string;
  readonly executionArn: string;
  readonly input: WorkflowInput;
}

export interface RunStarter {
  /**
   * Validates the spec with the shared validator (the one the API and the tenant renderer use),
   * then allocates the next run of the environment and starts it. A bad spec is a ValidationError
   * naming each field, and nothing is written or started.
   */
  startRun(request: RunRequest): Promise<StartedRun>;
  /**
   * Starts an already planned run (a retried delivery): the same input while it runs returns the
   * original execution; anything else is a RunAlreadyStartedError.
   */
  startExecution(input: WorkflowInput): Promise<StartedRun>;
}

export function createRunStarter({ client, stateMachineArn, repository }: RunStarterOptions): RunStarter {
  const startExecution = async (input: WorkflowInput): Promise<StartedRun> => {
    try {
      const output = await client.send(
        new StartExecutionCommand({ stateMachineArn, name: input.runId, input: JSON.stringify(input) }),
      );
      return { runId: input.runId, executionArn: output.executionArn ?? '', input };
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') {
        throw new RunAlreadyStartedError(`run ${input.runId} was already started`, { cause: error });
      }
      throw error;
    }
  };
  return {
    startExecution,
    async startRun(request) {
      const validation = validateEnvironmentSpec(request.spec, request);
      if (!validation.ok) {
        const messages = validation.issues.map((issue) => issue.message);
        throw new ValidationError(`environment spec is invalid: ${messages.join('; ')}`, messages);
      }
      const hash = specHash(request.spec);
      const seq = await repository.allocateRunSeq(request.organization, request.environment);
      const runId = buildRunId({
        organization: request.organization,
        environment: request.environment,
        seq,
        specHash: hash,
      });
      return startExecution({
        organization: request.organization,
        environment: request.environment,
        runId,
        seq,
        trigger: request.trigger,
        commit: request.commit ?? '',
        specHash: hash,
        spec: request.spec,
        skipPhases: [],
      });
    },
  };
}

/**
 * Starts the execution of a run the API has already recorded (the repository's `startRun` wrote
 * the run and took the environment's lock). The execution name is the run id, or, for a run a Git
 * push started, one derived from the environment and the commit (functions/domain/execution-name.ts):
 * a duplicated start is refused by Step Functions itself (a name is never reused for another input
 * or after it ended).
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { RunAlreadyStartedError } from '../../domain/errors.js';
import { executionNameOf } from '../../domain/execution-name.js';
import type { WorkflowInput } from '../../domain/workflow-events.js';

export interface RunStarterOptions {
  /**
   * The client, or how to build it on first use: in Lambda, the SDK package is imported when the
   * first run starts rather than at cold start (functions/shared/http/lambda-run-starter.ts).
   */
  readonly client: SFNClient | (() => Promise<SFNClient>);
  readonly stateMachineArn: string;
}

export interface StartedRun {
  readonly runId: string;
  readonly executionArn: string;
  readonly input: WorkflowInput;
}

export interface RunStarter {
  /**
   * Starts a recorded run: the same input while it runs returns the original execution (a retried
   * delivery); anything else under the same name is a RunAlreadyStartedError.
   */
  startExecution(input: WorkflowInput): Promise<StartedRun>;
}

export function createRunStarter({ client, stateMachineArn }: RunStarterOptions): RunStarter {
  let built: Promise<SFNClient> | undefined;
  const sfn = () => {
    built ??= typeof client === 'function' ? client() : Promise.resolve(client);
    return built.catch((error: unknown) => {
      built = undefined;
      throw error;
    });
  };
  return {
    async startExecution(input) {
      // Loaded with the client: the package is in memory once the client exists.
      const [sfnClient, { StartExecutionCommand }] = await Promise.all([
        sfn(),
        import('@aws-sdk/client-sfn'),
      ]);
      const name = executionNameOf(input);
      try {
        const output = await sfnClient.send(
          new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
        );
        return { runId: input.runId, executionArn: output.executionArn ?? '', input };
      } catch (error) {
        if (error instanceof Error && error.name === 'ExecutionAlreadyExists') {
          throw new RunAlreadyStartedError(
            name === input.runId
              ? `run ${input.runId} was already started`
              : `an execution ${name} of ${input.organization}/${input.environment} at ${input.commit} was already started`,
            { cause: error },
          );
        }
        throw error;
      }
    },
  };
}

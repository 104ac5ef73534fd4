/**
 * A real `SFNClient` whose StartExecution and DescribeExecution are answered by the local engine
 * instead of AWS, so code written for Step Functions — the run starter above all — runs
 * unchanged in local mode: same command objects, same `ExecutionAlreadyExists` error class.
 * A middleware at the very start of the client's stack answers the command; nothing is
 * serialized or sent, and no credentials are needed. Other commands are refused by name.
 */
import {
  type DescribeExecutionCommandInput,
  type DescribeExecutionCommandOutput,
  type ServiceOutputTypes,
  SFNClient,
  type StartExecutionCommandInput,
  type StartExecutionCommandOutput,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { Repository } from '../../functions/adapters/dynamodb/repository.js';
import { createRunStarter, type RunStarter } from '../../functions/adapters/sfn/run-starter.js';
import type { LocalWorkflowEngine } from './engine.js';

export function localSfnClient(engine: LocalWorkflowEngine): SFNClient {
  const client = new SFNClient({
    region: engine.stateMachineArn.split(':')[3] ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const output = await answer(engine, context.commandName, args.input);
      // No HTTP exchange happened, so there is no raw response to hand on.
      return { output, response: undefined };
    },
    { step: 'initialize', name: 'slipwayLocalWorkflowEngine', priority: 'high' },
  );
  return client;
}

/** The run starter of the API handlers, starting executions on the local engine (name = run id). */
export function localRunStarter(
  engine: LocalWorkflowEngine,
  repository: Pick<Repository, 'allocateRunSeq'>,
): RunStarter {
  return createRunStarter({
    client: localSfnClient(engine),
    stateMachineArn: engine.stateMachineArn,
    repository,
  });
}

async function answer(
  engine: LocalWorkflowEngine,
  command: string | undefined,
  input: unknown,
): Promise<ServiceOutputTypes> {
  const $metadata = { httpStatusCode: 200 };
  switch (command) {
    case 'StartExecutionCommand': {
      const request = input as StartExecutionCommandInput;
      if (request.stateMachineArn !== engine.stateMachineArn) {
        throw new StateMachineDoesNotExist({
          message: `State Machine Does Not Exist: '${request.stateMachineArn}' (local mode runs ${engine.stateMachineArn})`,
          $metadata: { httpStatusCode: 400 },
        });
      }
      const started = await engine.startExecution({
        ...(request.name !== undefined ? { name: request.name } : {}),
        ...(request.input !== undefined ? { input: request.input } : {}),
      });
      return { ...started, $metadata } satisfies StartExecutionCommandOutput;
    }
    case 'DescribeExecutionCommand': {
      const { executionArn } = input as DescribeExecutionCommandInput;
      const { events: _events, ...description } = engine.describeExecution(executionArn ?? '');
      return { ...description, $metadata } satisfies DescribeExecutionCommandOutput;
    }
    default:
      throw new Error(`local Step Functions: ${command ?? 'this command'} is not supported in local mode`);
  }
}

/**
 * A real `SFNClient` whose StartExecution and DescribeExecution are answered by the local engine
 * instead of AWS, so code written for Step Functions — the run starter above all — runs
 * unchanged in local mode: same command objects, same `ExecutionAlreadyExists` error class.
 * A middleware at the very start of the client's stack answers the command; nothing is
 * serialized or sent, and no credentials are needed. Other commands are refused by name.
 */
import { type ServiceOutputTypes, SFNClient } from '@aws-sdk/client-sfn';
import { createRunStarter, type RunStarter } from '../../functions/adapters/sfn/run-starter.js';
import type { LocalWorkflowEngine } from './engine.js';
import { answerSfnOperation, SFN_OPERATIONS } from './sfn-operations.js';

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
export function localRunStarter(engine: LocalWorkflowEngine): RunStarter {
  return createRunStarter({ client: localSfnClient(engine), stateMachineArn: engine.stateMachineArn });
}

async function answer(
  engine: LocalWorkflowEngine,
  command: string | undefined,
  input: unknown,
): Promise<ServiceOutputTypes> {
  const operation = SFN_OPERATIONS.find((name) => `${name}Command` === command);
  if (!operation) {
    throw new Error(`local Step Functions: ${command ?? 'this command'} is not supported in local mode`);
  }
  return { ...(await answerSfnOperation(engine, operation, input)), $metadata: { httpStatusCode: 200 } };
}

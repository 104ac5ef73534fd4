/**
 * The Step Functions API operations local mode answers, on the local engine: StartExecution and
 * DescribeExecution, with Step Functions' own errors (the AWS SDK's exception classes). Shared by
 * the in-process SFN client and the HTTP endpoint, so both answer alike.
 */
import {
  type DescribeExecutionCommandOutput,
  type StartExecutionCommandOutput,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { LocalWorkflowEngine } from './engine.js';

export type SfnOperation = 'StartExecution' | 'DescribeExecution';
export const SFN_OPERATIONS: readonly SfnOperation[] = ['StartExecution', 'DescribeExecution'];

type Output<T> = Omit<T, '$metadata'>;

export async function answerSfnOperation(
  engine: LocalWorkflowEngine,
  operation: SfnOperation,
  input: unknown,
): Promise<Output<StartExecutionCommandOutput> | Output<DescribeExecutionCommandOutput>> {
  // The request as the SDK built it (in process) or as JSON parsed off the wire: read, not trusted.
  const request = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const field = (key: string) => (typeof request[key] === 'string' ? request[key] : undefined);
  if (operation === 'StartExecution') {
    const [stateMachineArn, name, text] = [field('stateMachineArn'), field('name'), field('input')];
    if (stateMachineArn !== engine.stateMachineArn) {
      throw new StateMachineDoesNotExist({
        message: `State Machine Does Not Exist: '${String(stateMachineArn)}' (local mode runs ${engine.stateMachineArn})`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    return engine.startExecution({
      ...(name !== undefined ? { name } : {}),
      ...(text !== undefined ? { input: text } : {}),
    });
  }
  const { events: _events, ...description } = engine.describeExecution(field('executionArn') ?? '');
  return description;
}

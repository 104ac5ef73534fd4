/**
 * The EventBridge "Step Functions Execution Status Change" event of a local execution, shaped as
 * Step Functions sends it on the default bus. In AWS, the run watchdog's rule passes the events
 * of executions that ended FAILED, TIMED_OUT or ABORTED to the ExecutionEnded handler, which
 * marks a run whose execution ended without recording it as INTERRUPTED and releases its lock.
 * Local mode feeds the same handler the same event: from the engine's `onEnded` hook, and at
 * startup for the executions the previous process left running (reported ABORTED).
 */
import type { ExecutionDescription } from './engine.js';

/** The statuses the run watchdog's EventBridge rule matches. */
export const WATCHED_STATUSES: ReadonlySet<string> = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/** Whether the run watchdog's rule would pass this execution's end to the ExecutionEnded handler. */
export function isWatchedEnd(execution: ExecutionDescription): boolean {
  return WATCHED_STATUSES.has(execution.status);
}

export function executionStatusChangeEvent(
  execution: ExecutionDescription,
  now: () => Date = () => new Date(),
): Record<string, unknown> {
  // arn:aws:states:<region>:<account>:execution:<state machine>:<name>
  const [, , , region = 'us-east-1', account = '123456789012'] = execution.executionArn.split(':');
  const stopDate = (execution.stopDate ?? now()).getTime();
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account,
    // EventBridge times have second precision.
    time: new Date(stopDate).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate.getTime(),
      stopDate,
      input: execution.input,
      inputDetails: { included: true },
      output: execution.output ?? null,
      outputDetails: execution.output === undefined ? null : { included: true },
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}

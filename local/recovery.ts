/**
 * Local mode's run watchdog, as the deployed stack's (infra/constructs/run-watchdog.ts): an
 * execution that ends FAILED, TIMED_OUT or ABORTED is handed, as Step Functions' status change
 * event, to the very ExecutionEnded handler the EventBridge rule invokes in AWS — which marks a run
 * still RUNNING as INTERRUPTED, releases its lock and sends one `run.interrupted` alert.
 *
 * At startup the same handler recovers from a crash: the executions the engine's journal still
 * shows RUNNING died with the previous process and are reported ABORTED; a lock held by a run that
 * has no execution at all (the process died between the API's start of the run and its
 * StartExecution) is interrupted directly, since no execution event exists for it.
 */
import type { Repository } from '../functions/adapters/dynamodb/repository.js';
import type { AlertPublisher } from '../functions/adapters/sns/alert-publisher.js';
import { TransitionRefusedError } from '../functions/domain/errors.js';
import { makeExecutionEnded } from '../functions/handlers/execution-ended.js';
import type { ExecutionDescription, LocalWorkflowEngine } from './workflow/engine.js';
import { executionStatusChangeEvent, isWatchedEnd } from './workflow/status-change-event.js';

export interface RecoveredRun {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
}

export interface WatchdogDeps {
  readonly repository: Repository;
  readonly publisher: AlertPublisher;
}

/** The engine's `onEnded` hook: what the run watchdog's EventBridge rule does in AWS. */
export function localRunWatchdog(deps: WatchdogDeps): (execution: ExecutionDescription) => Promise<void> {
  const executionEnded = makeExecutionEnded(deps);
  return async (execution) => {
    if (isWatchedEnd(execution)) await executionEnded(executionStatusChangeEvent(execution));
  };
}

export async function recoverInterruptedRuns(
  deps: WatchdogDeps & { readonly engine: LocalWorkflowEngine },
): Promise<RecoveredRun[]> {
  const recovered: RecoveredRun[] = [];
  const executionEnded = makeExecutionEnded(deps);
  for (const execution of deps.engine.interruptedAtStartup()) {
    const { organization, environment, runId } = execution.input as Record<string, unknown>;
    await executionEnded(
      executionStatusChangeEvent({
        executionArn: execution.executionArn,
        stateMachineArn: deps.engine.stateMachineArn,
        name: execution.name,
        status: 'ABORTED',
        input: JSON.stringify(execution.input),
        startDate: execution.startDate,
        error: 'States.Aborted',
        cause: 'local mode stopped while the execution ran; it was restarted since',
        events: [],
      }),
    );
    await deps.engine.acknowledgeInterrupted(execution.name);
    if (typeof organization === 'string' && typeof environment === 'string' && typeof runId === 'string') {
      recovered.push({ organization, environment, runId });
    }
  }
  const running = new Set(deps.engine.running().map((execution) => execution.name));
  for (const lock of await deps.repository.listLockedEnvironments({ limit: 1000 })) {
    if (running.has(lock.runId)) continue;
    try {
      const { changed } = await deps.repository.interruptRun({
        ...lock,
        reason: 'local mode restarted before the execution of this run was started',
      });
      if (changed) recovered.push(lock);
    } catch (error) {
      if (!(error instanceof TransitionRefusedError)) throw error;
    }
  }
  return recovered;
}

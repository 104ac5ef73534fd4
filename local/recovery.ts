/**
 * Local mode's run watchdog, as the deployed stack's (infra/constructs/run-watchdog.ts): an
 * execution that ends FAILED, TIMED_OUT or ABORTED is handed, as Step Functions' status change
 * event, to the very ExecutionEnded handler the EventBridge rule invokes in AWS — which marks a run
 * still RUNNING as INTERRUPTED, releases its lock and sends one `run.interrupted` alert.
 *
 * At startup the same handler recovers from a crash: the executions the engine's journal still
 * shows RUNNING died with the previous process and are reported ABORTED; a lock held by a run that
 * has no execution at all (the process died between the API's start of the run and its
 * StartExecution) is interrupted directly, since no execution event exists for it. Then, as the run
 * starter does in AWS when such a run's end is reported (its release path), the Git push queued
 * for each recovered environment while its run held the lock is started: a push that arrived
 * while the environment was busy is not lost to a restart.
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

export interface RecoveryDeps extends WatchdogDeps {
  readonly engine: LocalWorkflowEngine;
  /**
   * Starts the push queued for an environment whose run recovery just ended (local mode: the
   * run starter's `startQueuedPush`). A failure is reported, never fatal to the restart: the use
   * case has recorded the push as unrouted by then.
   */
  readonly startQueuedPush?: (run: RecoveredRun) => Promise<unknown>;
  /** Where such a failure goes. @default a line on stderr */
  readonly onQueuedPushError?: (error: unknown, run: RecoveredRun) => void;
}

/** The run id in an execution's input (the execution name is a push's, not always the run id). */
function runIdOf(execution: { readonly input: string }): string | undefined {
  try {
    const input: unknown = JSON.parse(execution.input);
    const runId = input && typeof input === 'object' ? (input as Record<string, unknown>).runId : undefined;
    return typeof runId === 'string' ? runId : undefined;
  } catch {
    return undefined;
  }
}

export async function recoverInterruptedRuns(deps: RecoveryDeps): Promise<RecoveredRun[]> {
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
  const running = new Set(deps.engine.running().map(runIdOf));
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
  for (const run of recovered) {
    try {
      await deps.startQueuedPush?.(run);
    } catch (error) {
      (deps.onQueuedPushError ?? reportQueuedPushError)(error, run);
    }
  }
  return recovered;
}

function reportQueuedPushError(error: unknown, run: RecoveredRun): void {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(
    `slipway local: the push queued for ${run.organization}/${run.environment} was not started: ${why}\n`,
  );
}

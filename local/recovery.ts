/**
 * Crash recovery at startup: a run whose execution is gone (the process was killed while it ran)
 * is marked INTERRUPTED and its environment's lock released with the failed status, so `resume`
 * can finish it from the phase it was in. Two sources, because a process can die at either point:
 * executions the engine's journal still shows RUNNING, and locks held by a run that has no
 * execution at all (killed between the API's start of the run and StartExecution).
 */
import type { Repository } from '../functions/adapters/dynamodb/repository.js';
import { TransitionRefusedError } from '../functions/domain/errors.js';
import type { LocalWorkflowEngine } from './workflow/engine.js';

export interface RecoveredRun {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  readonly reason: string;
}

const REASON = 'local mode restarted: the execution of this run ended with the process';

export async function recoverInterruptedRuns(deps: {
  readonly engine: LocalWorkflowEngine;
  readonly repository: Repository;
}): Promise<RecoveredRun[]> {
  const recovered: RecoveredRun[] = [];
  const interrupt = async (organization: string, environment: string, runId: string, reason: string) => {
    try {
      const { changed } = await deps.repository.interruptRun({ organization, environment, runId, reason });
      if (changed) recovered.push({ organization, environment, runId, reason });
    } catch (error) {
      // A run that ended after all (its last write landed before the kill) stays as it is.
      if (!(error instanceof TransitionRefusedError)) throw error;
    }
  };
  for (const execution of deps.engine.interruptedAtStartup()) {
    const { organization, environment, runId } = execution.input as Record<string, unknown>;
    if (typeof organization === 'string' && typeof environment === 'string' && typeof runId === 'string') {
      await interrupt(organization, environment, runId, REASON);
    }
    await deps.engine.acknowledgeInterrupted(execution.name);
  }
  const running = new Set(deps.engine.running().map((execution) => execution.name));
  for (const lock of await deps.repository.listLockedEnvironments({ limit: 1000 })) {
    if (running.has(lock.runId)) continue;
    await interrupt(lock.organization, lock.environment, lock.runId, `${REASON} (it never started)`);
  }
  return recovered;
}

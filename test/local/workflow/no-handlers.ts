import type { WorkflowTaskHandlers } from '../../../local/workflow/execute.js';

/** Handlers for hand-written definitions without Task states: none is ever called. */
export function noTaskHandlers(): WorkflowTaskHandlers {
  const unused = async (): Promise<never> => {
    throw new Error('this definition has no Task state');
  };
  return {
    acquireLock: unused,
    recordPhase: unused,
    completeRun: unused,
    recordFailure: unused,
    publishAlert: unused,
    build: unused,
  };
}

import type { Repository } from '../../functions/adapters/dynamodb/repository.js';
import type { AlertPublisher } from '../../functions/adapters/sns/alert-publisher.js';
import { makeAcquireLock } from '../../functions/handlers/acquire-lock.js';
import { makeCompleteRun } from '../../functions/handlers/complete-run.js';
import { makePublishAlert } from '../../functions/handlers/publish-alert.js';
import { makeRecordFailure } from '../../functions/handlers/record-failure.js';
import { makeRecordPhase } from '../../functions/handlers/record-phase.js';
import type { Observability } from '../../functions/shared/observability.js';
import type { WorkflowTaskHandlers } from './execute.js';

export interface InProcessDependencies extends Observability {
  readonly repository: Repository;
  readonly publisher: AlertPublisher;
  readonly build: WorkflowTaskHandlers['build'];
}

/**
 * The workflow's Lambda states bound to the very handler functions Lambda runs (the `make*`
 * factories behind each middy `handler`), over the given repository and alert publisher.
 * A handler's thrown error keeps its `name`, which is what the state machine's Retry/Catch match.
 */
export function inProcessHandlers(deps: InProcessDependencies): WorkflowTaskHandlers {
  const handlers: Omit<WorkflowTaskHandlers, 'build'> = {
    acquireLock: makeAcquireLock(deps),
    recordPhase: makeRecordPhase(deps),
    completeRun: makeCompleteRun(deps),
    recordFailure: makeRecordFailure(deps),
    publishAlert: makePublishAlert(deps),
  };
  return {
    ...handlers,
    build: deps.build,
  };
}

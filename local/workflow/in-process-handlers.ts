import type { Repository } from '../../functions/adapters/dynamodb/repository.js';
import type { AlertPublisher } from '../../functions/adapters/sns/alert-publisher.js';
import { makeAcquireLock } from '../../functions/handlers/acquire-lock.js';
import { makeCompleteRun } from '../../functions/handlers/complete-run.js';
import { makePublishAlert } from '../../functions/handlers/publish-alert.js';
import { makeRecordFailure } from '../../functions/handlers/record-failure.js';
import { makeRecordPhase } from '../../functions/handlers/record-phase.js';
import type { Observability } from '../../functions/shared/observability.js';
import type { StateHandler, WorkflowTaskHandlers } from './execute.js';

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
  const asState =
    (handle: (event: unknown) => Promise<unknown>): StateHandler =>
    async (input) =>
      (await handle(input)) as Awaited<ReturnType<StateHandler>>;
  return {
    acquireLock: asState(makeAcquireLock(deps)),
    recordPhase: asState(makeRecordPhase(deps)),
    completeRun: asState(makeCompleteRun(deps)),
    recordFailure: asState(makeRecordFailure(deps)),
    publishAlert: asState(makePublishAlert(deps)),
    build: deps.build,
  };
}

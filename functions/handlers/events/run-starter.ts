/**
 * The run starter: the EventBridge target of `GitPushed` events (Slipway's bus, archived) and of
 * the provisioning workflow's execution ends (default bus). A push starts runs on the
 * environments it touches (functions/domain/use-cases/git-push-runs.ts); an execution end starts
 * the push queued while that run held the lock — the one place queued pushes start. Errors are
 * thrown on purpose: EventBridge invokes this asynchronously, so Lambda retries a thrown event
 * twice (within up to 6 h) and then its on-failure destination puts it in the dead-letter queue,
 * whose depth alarms (EventBridge's own 24 h retries cover only delivering the event).
 */
import type { Repository } from '../../adapters/dynamodb/repository.js';
import { withStartBackoff } from '../../adapters/sfn/start-backoff.js';
import { parseRunStarterEvent } from '../../domain/git-push-event.js';
import {
  type PushResult,
  type QueuedPushOutcome,
  startQueuedPush,
  startRunsForPush,
} from '../../domain/use-cases/git-push-runs.js';
import type { ApiRunStarter } from '../../domain/use-cases/ports.js';
import { lambdaRunStarter } from '../../shared/http/lambda-run-starter.js';
import { lambdaRepository } from '../../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../../shared/middleware.js';
import { lambdaObservability, type Observability } from '../../shared/observability.js';

export interface RunStarterDeps extends Observability {
  readonly repository: Repository;
  /** Already wrapped with the throttling backoff (see {@link withStartBackoff}). */
  readonly runStarter: ApiRunStarter;
  readonly now?: () => Date;
  /** Environments handled at once. @default 8 */
  readonly concurrency?: number;
}

export type RunStarterOutput =
  | { readonly kind: 'git-pushed'; readonly result: PushResult }
  | { readonly kind: 'run-ended'; readonly runId: string; readonly queued: QueuedPushOutcome };

export const makeRunStarter =
  (deps: RunStarterDeps) =>
  async (event: unknown): Promise<RunStarterOutput> => {
    const parsed = parseRunStarterEvent(event);
    const useCase = {
      repository: deps.repository,
      runStarter: deps.runStarter,
      now: deps.now ?? (() => new Date()),
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.concurrency ? { concurrency: deps.concurrency } : {}),
    };
    if (parsed.kind === 'git-pushed') {
      return { kind: 'git-pushed', result: await startRunsForPush(useCase, parsed.push) };
    }
    const queued = await startQueuedPush(useCase, {
      organization: parsed.organization,
      environment: parsed.environment,
      endedRunId: parsed.runId,
    });
    return { kind: 'run-ended', runId: parsed.runId, queued };
  };

export const handler = lazyLambdaHandler(() =>
  makeRunStarter({
    repository: lambdaRepository(),
    runStarter: withStartBackoff(lambdaRunStarter(), {
      onRetry: () => lambdaObservability.metrics?.addMetric('StartExecutionThrottled', 'Count', 1),
    }),
    ...lambdaObservability,
  }),
);

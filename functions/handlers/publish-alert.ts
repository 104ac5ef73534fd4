/**
 * Workflow task PublishAlert: builds the `phase.failed` alert (critical on prod or an unknown
 * tier) and hands it to the durable delivery (functions/adapters/sns/alert-delivery.ts): it is
 * recorded once per dedupKey before anything is published, claimed and published until SNS accepts
 * it (a failed publish leaves it pending for the retrier and does not fail the task); a retried
 * task records nothing new, and an alert already delivered is not published again.
 */
import type { Repository } from '../adapters/dynamodb/repository.js';
import type { AlertPublisher } from '../adapters/sns/alert-publisher.js';
import { buildPhaseFailedAlert } from '../domain/alert.js';
import { PublishAlertInput, parseInput } from '../domain/workflow-events.js';
import { lambdaAlertPublisher } from '../shared/lambda-alert-publisher.js';
import { lambdaRepository } from '../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../shared/middleware.js';
import { lambdaObservability, type Observability } from '../shared/observability.js';
import { type PublishOnceResult, publishAlertOnce } from '../shared/publish-once.js';

export interface PublishAlertDeps extends Observability {
  readonly repository: Repository;
  readonly publisher: AlertPublisher;
  readonly now?: () => Date;
}

export type PublishAlertOutput = PublishOnceResult;

export const makePublishAlert =
  (deps: PublishAlertDeps) =>
  async (event: unknown): Promise<PublishAlertOutput> => {
    const input = parseInput(PublishAlertInput, event, 'PublishAlert input');
    const environment = await deps.repository.getEnvironment(input.organization, input.environment);
    const { failedAt, ...failure } = input.failure;
    const alert = buildPhaseFailedAlert({
      organization: input.organization,
      environment: input.environment,
      runId: input.runId,
      failure,
      ...(environment?.tier ? { tier: environment.tier } : {}),
      occurredAt: failedAt ?? (deps.now ?? (() => new Date()))().toISOString(),
    });

    return publishAlertOnce(deps, alert);
  };

export const handler = lazyLambdaHandler(() =>
  makePublishAlert({
    repository: lambdaRepository(),
    publisher: lambdaAlertPublisher(),
    ...lambdaObservability,
  }),
);

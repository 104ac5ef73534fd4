/**
 * Workflow task PublishAlert: builds the `phase.failed` alert, stores it once per dedupKey and
 * publishes it to SNS only when this call stored it, so a retried task publishes it once.
 */
import type { Repository } from '../adapters/dynamodb/repository.js';
import type { AlertPublisher } from '../adapters/sns/alert-publisher.js';
import { buildPhaseFailedAlert } from '../domain/alert.js';
import { PublishAlertInput, parseInput } from '../domain/workflow-events.js';
import { lambdaAlertPublisher } from '../shared/lambda-alert-publisher.js';
import { lambdaRepository } from '../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../shared/middleware.js';
import { lambdaObservability, type Observability } from '../shared/observability.js';

export interface PublishAlertDeps extends Observability {
  readonly repository: Repository;
  readonly publisher: AlertPublisher;
  readonly now?: () => Date;
}

export interface PublishAlertOutput {
  readonly alertId: string;
  readonly published: boolean;
}

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

    const { stored } = await deps.repository.recordAlert(alert);
    if (!stored) {
      deps.logger?.info('alert already recorded; not publishing again', { alertId: alert.id });
      return { alertId: alert.id, published: false };
    }
    try {
      await deps.publisher.publish(alert);
    } catch (error) {
      // Unmark the alert so the task's retry stores and publishes it; otherwise it would be lost.
      await deps.repository.forgetAlert(alert.id);
      throw error;
    }
    deps.logger?.info('alert published', { alertId: alert.id, kind: alert.kind, severity: alert.severity });
    deps.metrics?.addMetric('AlertPublished', 'Count', 1);
    return { alertId: alert.id, published: true };
  };

export const handler = lazyLambdaHandler(() =>
  makePublishAlert({
    repository: lambdaRepository(),
    publisher: lambdaAlertPublisher(),
    ...lambdaObservability,
  }),
);

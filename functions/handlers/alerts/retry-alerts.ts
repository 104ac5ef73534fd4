/**
 * The alert retrier, run every minute by an EventBridge schedule (a timer in local mode): one pass
 * over the outbox of alerts recorded but not yet accepted by SNS, oldest first, publishing the
 * ones due under a claim (functions/adapters/sns/alert-delivery.ts). It reports
 * `UndeliveredAlerts` and `OldestUndeliveredAlertAge`, which the "alerts undelivered" alarm
 * watches.
 *
 * Why a schedule and not a DynamoDB stream: a stream fires on writes, but a failed publish needs
 * a retry later (backoff), with nothing written in between; a stream's failed batch blocks its
 * shard; and local mode's DynamoDB (dynalite) has no streams. A schedule works the same in both.
 */
import {
  type AlertDeliveryDeps,
  type RetryReport,
  retryUndeliveredAlerts,
} from '../../adapters/sns/alert-delivery.js';
import { lambdaAlertPublisher } from '../../shared/lambda-alert-publisher.js';
import { lambdaRepository } from '../../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../../shared/middleware.js';
import { lambdaObservability } from '../../shared/observability.js';

export const makeRetryAlerts =
  (deps: AlertDeliveryDeps) =>
  async (_event: unknown): Promise<RetryReport> =>
    retryUndeliveredAlerts(deps);

export const handler = lazyLambdaHandler(() =>
  makeRetryAlerts({
    repository: lambdaRepository(),
    publisher: lambdaAlertPublisher(),
    ...lambdaObservability,
  }),
);

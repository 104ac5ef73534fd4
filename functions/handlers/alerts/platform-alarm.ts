/**
 * Relays a CloudWatch "Alarm State Change" event (EventBridge, default bus) of one of Slipway's
 * platform alarms as a `platform.*` alert through the one delivery path, so the platform's own
 * alarms carry the message attributes subscribers filter on.
 */
import * as z from 'zod/mini';
import {
  type AlertDeliveryDeps,
  type DeliverAlertResult,
  deliverAlert,
} from '../../adapters/sns/alert-delivery.js';
import { buildPlatformAlarmAlert } from '../../domain/alert-platform.js';
import { ValidationError } from '../../domain/errors.js';
import { lambdaAlertPublisher } from '../../shared/lambda-alert-publisher.js';
import { lambdaRepository } from '../../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../../shared/middleware.js';
import { lambdaObservability } from '../../shared/observability.js';

const AlarmEvent = z.object({
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  region: z.optional(z.string()),
  detail: z.object({
    alarmName: z.string(),
    state: z.object({ value: z.string(), reason: z.optional(z.string()), timestamp: z.string() }),
    previousState: z.optional(z.object({ value: z.string() })),
    configuration: z.optional(z.object({ description: z.optional(z.string()) })),
  }),
});

export const makePlatformAlarm =
  (deps: AlertDeliveryDeps) =>
  async (event: unknown): Promise<DeliverAlertResult | { relayed: false }> => {
    const parsed = AlarmEvent.safeParse(event);
    if (!parsed.success) {
      throw new ValidationError(
        'not a CloudWatch Alarm State Change event',
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      );
    }
    const { detail, region } = parsed.data;
    const alert = buildPlatformAlarmAlert({
      alarmName: detail.alarmName,
      state: detail.state,
      ...(detail.previousState ? { previousState: detail.previousState } : {}),
      ...(detail.configuration?.description ? { description: detail.configuration.description } : {}),
      ...(region
        ? {
            consoleLink: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(detail.alarmName)}`,
          }
        : {}),
    });
    return alert ? deliverAlert(deps, alert) : { relayed: false };
  };

export const handler = lazyLambdaHandler(() =>
  makePlatformAlarm({
    repository: lambdaRepository(),
    publisher: lambdaAlertPublisher(),
    ...lambdaObservability,
  }),
);

/**
 * The one way any alert leaves Slipway — the workflow's phase failures, interrupted runs, ArgoCD
 * and Alertmanager events, the platform's own alarms: record it first, then publish it under a
 * claim (functions/domain/alert-delivery.ts explains the states and the guarantee).
 *
 * `deliverAlert` never loses an alert to a failed publish: the alert stays recorded `pending`
 * with its error and an outbox entry, and the caller gets `delivery: 'pending'` instead of an
 * exception (a run that failed still ends, a hook still answers). `retryUndeliveredAlerts` —
 * the scheduled retrier in AWS, a timer in local mode — publishes what is left in the outbox.
 */
import { randomUUID } from 'node:crypto';
import type { Alert } from '../../domain/alert.js';
import {
  DELIVERY_LEASE_SECONDS,
  type DeliveryStatus,
  describePublishError,
  retryDelaySeconds,
} from '../../domain/alert-delivery.js';
import type { Observability } from '../../shared/observability.js';
import type { Repository } from '../dynamodb/repository.js';
import type { AlertPublisher } from './alert-publisher.js';

export type DeliveryRepository = Pick<
  Repository,
  | 'recordAlert'
  | 'getAlert'
  | 'restoreAlert'
  | 'claimAlertDelivery'
  | 'completeAlertDelivery'
  | 'releaseAlertDelivery'
  | 'listAlertOutbox'
  | 'dropAlertOutbox'
>;

export interface AlertDeliveryDeps extends Observability {
  readonly repository: DeliveryRepository;
  readonly publisher: AlertPublisher;
  readonly now?: () => Date;
}

export interface DeliverAlertResult {
  readonly alertId: string;
  /** True when this call published the alert to SNS. */
  readonly published: boolean;
  /** The alert's delivery status after this call. */
  readonly delivery: DeliveryStatus;
}

/** Publishes one recorded alert if this deliverer can claim it. */
async function attempt(deps: AlertDeliveryDeps, alertId: string): Promise<DeliverAlertResult> {
  const now = deps.now ?? (() => new Date());
  const claim = randomUUID();
  const claimed = await deps.repository.claimAlertDelivery({
    alertId,
    claim,
    leaseSeconds: DELIVERY_LEASE_SECONDS,
  });
  if (!claimed) {
    // Delivered already, or another deliverer holds the claim right now.
    const current = await deps.repository.getAlert(alertId);
    return { alertId, published: false, delivery: current?.delivery.status ?? 'pending' };
  }
  let messageId: string | undefined;
  try {
    ({ messageId } = await deps.publisher.publish(claimed));
  } catch (error) {
    const next = new Date(now().getTime() + retryDelaySeconds(claimed.delivery.attempts) * 1000);
    await deps.repository.releaseAlertDelivery({
      alertId,
      claim,
      error: describePublishError(error),
      nextAttemptAt: next.toISOString(),
    });
    deps.logger?.warn('alert publish failed; recorded as undelivered, the retrier will publish it', {
      alertId,
      kind: claimed.kind,
      attempts: claimed.delivery.attempts,
      errorName: error instanceof Error ? error.name : typeof error,
    });
    deps.metrics?.addMetric('AlertPublishFailed', 'Count', 1);
    return { alertId, published: false, delivery: 'pending' };
  }
  await deps.repository.completeAlertDelivery({ alertId, claim, ...(messageId ? { messageId } : {}) });
  deps.logger?.info('alert published', {
    alertId,
    kind: claimed.kind,
    severity: claimed.severity,
    organization: claimed.organization,
    ...(claimed.environment ? { environment: claimed.environment } : {}),
  });
  deps.metrics?.addMetric('AlertPublished', 'Count', 1);
  return { alertId, published: true, delivery: 'delivered' };
}

/**
 * Records `alert` (once per dedupKey) and publishes it unless it was delivered before. A replay of
 * an alert still pending tries again (a caller's retry is a delivery attempt too).
 */
export async function deliverAlert(deps: AlertDeliveryDeps, alert: Alert): Promise<DeliverAlertResult> {
  const recorded = await deps.repository.recordAlert(alert);
  if (!recorded.stored && recorded.alert.delivery.status === 'delivered') {
    deps.logger?.info('alert already delivered; not publishing again', { alertId: alert.id });
    return { alertId: alert.id, published: false, delivery: 'delivered' };
  }
  return attempt(deps, alert.id);
}

/** `deliverAlert` for each alert, one after another, in order (the hooks' alerts of one event). */
export async function deliverAlerts(
  deps: AlertDeliveryDeps,
  alerts: readonly Alert[],
): Promise<DeliverAlertResult[]> {
  const delivered: DeliverAlertResult[] = [];
  for (const alert of alerts) delivered.push(await deliverAlert(deps, alert));
  return delivered;
}

export interface RetryReport {
  /** Outbox entries looked at. */
  readonly examined: number;
  readonly delivered: number;
  /** Still undelivered after this pass (not due yet, failed again, or claimed elsewhere). */
  readonly pending: number;
  /** Age of the oldest undelivered alert, in seconds (0 when none). */
  readonly oldestPendingSeconds: number;
}

/**
 * One pass of the retrier over the outbox, oldest first: restores an alert whose record is
 * missing, drops entries of delivered alerts, publishes the ones due. Reports the metrics the
 * "alerts undelivered" alarm watches.
 */
export async function retryUndeliveredAlerts(
  deps: AlertDeliveryDeps,
  options: { readonly limit?: number } = {},
): Promise<RetryReport> {
  const now = (deps.now ?? (() => new Date()))();
  const entries = await deps.repository.listAlertOutbox(options.limit ?? 100);
  let delivered = 0;
  let pending = 0;
  let oldest = 0;
  for (const entry of entries) {
    const recorded =
      (await deps.repository.getAlert(entry.alert.id)) ?? (await deps.repository.restoreAlert(entry.alert));
    if (recorded.delivery.status === 'delivered') {
      await deps.repository.dropAlertOutbox(entry.alert.id);
      continue;
    }
    const due =
      recorded.delivery.nextAttemptAt === undefined ||
      Date.parse(recorded.delivery.nextAttemptAt) <= now.getTime();
    const outcome = due ? await attempt(deps, entry.alert.id) : undefined;
    if (outcome?.delivery === 'delivered') {
      if (outcome.published) delivered += 1;
      continue;
    }
    pending += 1;
    oldest = Math.max(oldest, Math.floor((now.getTime() - Date.parse(entry.recordedAt)) / 1000));
  }
  deps.metrics?.addMetric('UndeliveredAlerts', 'Count', pending);
  deps.metrics?.addMetric('OldestUndeliveredAlertAge', 'Seconds', oldest);
  if (pending > 0) deps.logger?.warn('alerts still undelivered', { pending, oldestPendingSeconds: oldest });
  return { examined: entries.length, delivered, pending, oldestPendingSeconds: oldest };
}

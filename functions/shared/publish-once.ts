/**
 * The workflow's alert handlers (`publish-alert`, `execution-ended`) deliver through the one
 * durable path (functions/adapters/sns/alert-delivery.ts): the alert is recorded before it is
 * published, a failed publish leaves it recorded as undelivered for the retrier, and a replay of a
 * delivered alert publishes nothing.
 */
import {
  type AlertDeliveryDeps,
  type DeliverAlertResult,
  deliverAlert,
} from '../adapters/sns/alert-delivery.js';
import type { Alert } from '../domain/alert.js';

export type PublishOnceDeps = AlertDeliveryDeps;
export type PublishOnceResult = DeliverAlertResult;

export function publishAlertOnce(deps: PublishOnceDeps, alert: Alert): Promise<PublishOnceResult> {
  return deliverAlert(deps, alert);
}

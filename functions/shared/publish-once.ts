/**
 * Stores an alert once per dedupKey and publishes it to SNS only when this call stored it, so a
 * retried task or a redelivered event publishes it once. If the publish fails, the stored alert
 * is forgotten again, so the retry stores and publishes it (otherwise it would be lost).
 */
import type { Repository } from '../adapters/dynamodb/repository.js';
import type { AlertPublisher } from '../adapters/sns/alert-publisher.js';
import type { Alert } from '../domain/alert.js';
import type { Observability } from './observability.js';

export interface PublishOnceDeps extends Observability {
  readonly repository: Pick<Repository, 'recordAlert' | 'forgetAlert'>;
  readonly publisher: AlertPublisher;
}

export interface PublishOnceResult {
  readonly alertId: string;
  /** False when the alert had been stored (and published) before. */
  readonly published: boolean;
}

export async function publishAlertOnce(deps: PublishOnceDeps, alert: Alert): Promise<PublishOnceResult> {
  const { stored } = await deps.repository.recordAlert(alert);
  if (!stored) {
    deps.logger?.info('alert already recorded; not publishing again', { alertId: alert.id });
    return { alertId: alert.id, published: false };
  }
  try {
    await deps.publisher.publish(alert);
  } catch (error) {
    await deps.repository.forgetAlert(alert.id);
    throw error;
  }
  deps.logger?.info('alert published', { alertId: alert.id, kind: alert.kind, severity: alert.severity });
  deps.metrics?.addMetric('AlertPublished', 'Count', 1);
  return { alertId: alert.id, published: true };
}

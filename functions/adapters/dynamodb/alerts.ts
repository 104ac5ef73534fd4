/**
 * Alerts and their delivery (functions/domain/alert-delivery.ts). Two items per alert:
 *
 * - the alert itself, `ALERT#<id>` / `ALERT`, listed on its organization (gsi1 `ALERTS#<org>`; a
 *   shared cluster's own alerts on `ALERTS#cluster#<name>`, one partition per cluster), with its
 *   `delivery` status; its key derives from the dedupKey, so the conditional put that
 *   creates it is also the dedup guard;
 * - while it is not delivered, an outbox entry `ALERT#<id>` / `OUTBOX` (gsi1 `ALERT_OUTBOX` /
 *   `<recordedAt>#<id>`, a sparse partition) carrying a copy of the alert: what the retrier lists.
 *
 * The outbox entry is written FIRST: a crash between the two puts leaves an entry whose alert the
 * retrier records itself from the copy, never an undelivered alert nobody will retry.
 */

import * as z from 'zod/mini';
import type { Alert } from '../../domain/alert.js';
import {
  type AlertDelivery,
  DELIVERY_STATUSES,
  pendingDelivery,
  type RecordedAlert,
} from '../../domain/alert-delivery.js';
import type { RepositoryContext } from './context.js';
import { toAlert } from './items.js';
import { keys } from './keys.js';
import { GSI1_KEY_ATTRIBUTES, type Page, type PageOptions, queryPage } from './pages.js';
import type { StoredItem } from './store.js';
import { GSI1 } from './table-schema.js';
import type { BuiltUpdate } from './update-builder.js';

/** Alerts expire (TTL) 90 days after they occurred. */
export const ALERT_RETENTION_SECONDS = 90 * 24 * 60 * 60;

const DeliveryItem = z.object({
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  lastAttemptAt: z.optional(z.string()),
  lastError: z.optional(z.string()),
  nextAttemptAt: z.optional(z.string()),
  deliveredAt: z.optional(z.string()),
  messageId: z.optional(z.string()),
});

/**
 * An alert item with its delivery status. Items written before deliveries were recorded carry
 * none: they were kept only once SNS had accepted them, so they count as delivered.
 */
export function toRecordedAlert(item: StoredItem): RecordedAlert {
  const alert = toAlert(item);
  const delivery: AlertDelivery =
    item.delivery === undefined ? { status: 'delivered', attempts: 1 } : DeliveryItem.parse(item.delivery);
  return { ...alert, delivery };
}

export const OUTBOX_PARTITION = 'ALERT_OUTBOX';
const outboxKey = (alertId: string) => ({ pk: `ALERT#${alertId}`, sk: 'OUTBOX' });

function expiresAt(ctx: RepositoryContext, alert: Alert): number {
  const occurred = Date.parse(alert.occurredAt);
  const base = Number.isNaN(occurred) ? ctx.now().getTime() : occurred;
  return Math.floor(base / 1000) + ALERT_RETENTION_SECONDS;
}

function alertItem(
  ctx: RepositoryContext,
  alert: Alert,
  delivery: AlertDelivery,
): StoredItem & { pk: string; sk: string } {
  return {
    ...keys.alert(alert.id),
    ...keys.alertByTime(alert.organization, alert.environment, alert.occurredAt, alert.id),
    entity: 'ALERT',
    ...alert,
    links: alert.links.map((link) => ({ ...link })),
    delivery: { ...delivery },
    expiresAt: expiresAt(ctx, alert),
  };
}

export interface RecordAlertResult {
  /** True when this call recorded the alert; false when it was recorded before. */
  readonly stored: boolean;
  /** The alert as recorded (the earlier record when `stored` is false). */
  readonly alert: RecordedAlert;
}

/**
 * Records an alert once per dedupKey, `pending` delivery, with its outbox entry. An alert recorded
 * before is answered as recorded (no write when it is delivered; its outbox entry restored when it
 * is not, so a caller's retry can never leave it stranded).
 */
export async function recordAlert(ctx: RepositoryContext, alert: Alert): Promise<RecordAlertResult> {
  const existing = await getRecordedAlert(ctx, alert.id);
  if (existing) {
    if (existing.delivery.status !== 'delivered') await putOutbox(ctx, existing, ctx.now().toISOString());
    return { stored: false, alert: existing };
  }
  const recordedAt = ctx.now().toISOString();
  await putOutbox(ctx, alert, recordedAt);
  const delivery = pendingDelivery();
  const stored = await ctx.store.put(alertItem(ctx, alert, delivery), 'attribute_not_exists(pk)');
  if (stored) return { stored: true, alert: { ...alert, delivery } };
  // Recorded concurrently by another caller: answer its record.
  const raced = await getRecordedAlert(ctx, alert.id);
  if (!raced) throw new Error(`alert ${alert.id} was neither recorded nor readable`);
  return { stored: false, alert: raced };
}

async function putOutbox(ctx: RepositoryContext, alert: Alert, recordedAt: string): Promise<void> {
  await ctx.store.put(
    {
      ...outboxKey(alert.id),
      gsi1pk: OUTBOX_PARTITION,
      gsi1sk: `${recordedAt}#${alert.id}`,
      entity: 'ALERT_OUTBOX',
      alertId: alert.id,
      recordedAt,
      alert: { ...alert, links: alert.links.map((link) => ({ ...link })) },
      expiresAt: expiresAt(ctx, alert),
    },
    'attribute_not_exists(pk)',
  );
}

export async function getRecordedAlert(
  ctx: RepositoryContext,
  alertId: string,
): Promise<RecordedAlert | undefined> {
  const item = await ctx.store.get(keys.alert(alertId));
  return item ? toRecordedAlert(item) : undefined;
}

/**
 * Records an alert from its outbox copy when the alert item is missing (a crash between the two
 * puts of `recordAlert`). Answers the alert as recorded.
 */
export async function restoreAlert(ctx: RepositoryContext, alert: Alert): Promise<RecordedAlert> {
  const delivery = pendingDelivery();
  if (await ctx.store.put(alertItem(ctx, alert, delivery), 'attribute_not_exists(pk)')) {
    return { ...alert, delivery };
  }
  const existing = await getRecordedAlert(ctx, alert.id);
  if (!existing) throw new Error(`alert ${alert.id} was neither restored nor readable`);
  return existing;
}

export interface DeliveryClaim {
  readonly alertId: string;
  /** A random id naming this deliverer: only it may complete or release the claim. */
  readonly claim: string;
  readonly leaseSeconds: number;
}

/**
 * Takes the right to publish: `pending` (or `publishing` whose lease ended) → `publishing`, one
 * attempt more, in one conditional write. Answers the alert, or undefined when another deliverer
 * holds it or it is delivered already.
 */
export async function claimAlertDelivery(
  ctx: RepositoryContext,
  input: DeliveryClaim,
): Promise<RecordedAlert | undefined> {
  const now = ctx.now();
  const update: BuiltUpdate = {
    UpdateExpression:
      'SET #d.#status = :publishing, #d.#claim = :claim, #d.#lease = :lease, #d.#last = :now, #d.#attempts = if_not_exists(#d.#attempts, :zero) + :one',
    ConditionExpression:
      'attribute_exists(pk) AND (#d.#status = :pending OR (#d.#status = :publishing AND (attribute_not_exists(#d.#lease) OR #d.#lease <= :now)))',
    ExpressionAttributeNames: {
      '#d': 'delivery',
      '#status': 'status',
      '#claim': 'claim',
      '#lease': 'leaseUntil',
      '#last': 'lastAttemptAt',
      '#attempts': 'attempts',
    },
    ExpressionAttributeValues: {
      ':publishing': 'publishing',
      ':pending': 'pending',
      ':claim': input.claim,
      ':lease': new Date(now.getTime() + input.leaseSeconds * 1000).toISOString(),
      ':now': now.toISOString(),
      ':zero': 0,
      ':one': 1,
    },
  };
  const result = await ctx.store.update(keys.alert(input.alertId), update);
  return result.ok ? toRecordedAlert(result.item) : undefined;
}

/** SNS accepted the publish: `delivered`, then the outbox entry goes. Only the claim's holder may. */
export async function completeAlertDelivery(
  ctx: RepositoryContext,
  input: { alertId: string; claim: string; messageId?: string },
): Promise<boolean> {
  const update: BuiltUpdate = {
    UpdateExpression: `SET #d.#status = :delivered, #d.#at = :now${input.messageId ? ', #d.#message = :message' : ''} REMOVE #d.#claim, #d.#lease, #d.#next, #d.#error`,
    ConditionExpression: '#d.#claim = :claim',
    ExpressionAttributeNames: {
      '#d': 'delivery',
      '#status': 'status',
      '#at': 'deliveredAt',
      '#claim': 'claim',
      '#lease': 'leaseUntil',
      '#next': 'nextAttemptAt',
      '#error': 'lastError',
      ...(input.messageId ? { '#message': 'messageId' } : {}),
    },
    ExpressionAttributeValues: {
      ':delivered': 'delivered',
      ':now': ctx.now().toISOString(),
      ':claim': input.claim,
      ...(input.messageId ? { ':message': input.messageId } : {}),
    },
  };
  const result = await ctx.store.update(keys.alert(input.alertId), update);
  if (result.ok) await ctx.store.delete(outboxKey(input.alertId));
  return result.ok;
}

/** The publish failed: back to `pending` with the error and the time of the next attempt. */
export async function releaseAlertDelivery(
  ctx: RepositoryContext,
  input: { alertId: string; claim: string; error: string; nextAttemptAt: string },
): Promise<boolean> {
  const update: BuiltUpdate = {
    UpdateExpression:
      'SET #d.#status = :pending, #d.#error = :error, #d.#next = :next REMOVE #d.#claim, #d.#lease',
    ConditionExpression: '#d.#claim = :claim',
    ExpressionAttributeNames: {
      '#d': 'delivery',
      '#status': 'status',
      '#error': 'lastError',
      '#next': 'nextAttemptAt',
      '#claim': 'claim',
      '#lease': 'leaseUntil',
    },
    ExpressionAttributeValues: {
      ':pending': 'pending',
      ':error': input.error,
      ':next': input.nextAttemptAt,
      ':claim': input.claim,
    },
  };
  return (await ctx.store.update(keys.alert(input.alertId), update)).ok;
}

export interface OutboxEntry {
  readonly alert: Alert;
  readonly recordedAt: string;
}

/** The outbox, oldest first: alerts recorded and not yet delivered. */
export async function listAlertOutbox(ctx: RepositoryContext, limit: number): Promise<OutboxEntry[]> {
  const items = await ctx.store.query(
    {
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': OUTBOX_PARTITION },
      ScanIndexForward: true,
    },
    limit,
  );
  return items.map((item) => ({
    alert: toAlert(item.alert as StoredItem),
    recordedAt: String(item.recordedAt),
  }));
}

/** Drops an outbox entry whose alert is delivered. */
export async function dropAlertOutbox(ctx: RepositoryContext, alertId: string): Promise<void> {
  await ctx.store.delete(outboxKey(alertId));
}

/** An organization's alerts with their delivery status, newest first (gsi1, eventually consistent). */
export async function listAlerts(
  ctx: RepositoryContext,
  organization: string,
  options: PageOptions = {},
): Promise<Page<RecordedAlert>> {
  return listAlertPartition(ctx, keys.alertsOf(organization), options);
}

/** One shared cluster's own alerts (its runs', its platform namespaces' events), newest first. */
export async function listClusterAlerts(
  ctx: RepositoryContext,
  cluster: string,
  options: PageOptions = {},
): Promise<Page<RecordedAlert>> {
  return listAlertPartition(ctx, keys.clusterAlertsOf(cluster), options);
}

function listAlertPartition(
  ctx: RepositoryContext,
  partition: string,
  options: PageOptions,
): Promise<Page<RecordedAlert>> {
  return queryPage(
    ctx,
    {
      input: {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
      },
      partition: { attribute: 'gsi1pk', value: partition },
      keyAttributes: GSI1_KEY_ATTRIBUTES,
    },
    options,
    toRecordedAlert,
  );
}

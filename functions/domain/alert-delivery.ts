/**
 * Durable alert delivery: an alert is recorded (with its delivery status) BEFORE it is published,
 * a failed publish leaves it recorded as `pending` and an outbox entry points the retrier at it,
 * and a publish is only attempted under a claim (a conditional write moving `pending` — or a
 * `publishing` claim whose lease ran out — to `publishing`), so two deliverers never publish the
 * same alert at once and none publishes one already `delivered`.
 *
 *   pending ──claim──► publishing ──SNS accepted──► delivered
 *      ▲                   │
 *      └──SNS failed───────┘   (lease ran out: another claim may take it over)
 *
 * The guarantee: every recorded alert is published until SNS accepts it, and after its delivery
 * is recorded it is never published again. SNS itself is at-least-once towards subscribers, and a
 * deliverer that dies between SNS's acceptance and the `delivered` write leaves a claim whose
 * lease ends, so that alert is published a second time: subscribers that must never see a
 * duplicate deduplicate on the message's `dedupKey` (or `id`).
 */
import type { Alert } from './alert.js';

export const DELIVERY_STATUSES = ['pending', 'publishing', 'delivered'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface AlertDelivery {
  readonly status: DeliveryStatus;
  /** Publish attempts so far (claims taken). */
  readonly attempts: number;
  readonly lastAttemptAt?: string;
  /** Why the last attempt failed (the error's name and message; never a secret). */
  readonly lastError?: string;
  /** Not before this time will the retrier try again (backoff). */
  readonly nextAttemptAt?: string;
  readonly deliveredAt?: string;
  /** SNS's message id of the accepted publish. */
  readonly messageId?: string;
}

/** An alert as recorded on its organization, with its delivery status. */
export interface RecordedAlert extends Alert {
  readonly delivery: AlertDelivery;
}

/** How long a claim holds: longer than one publish (SNS times out well within it). */
export const DELIVERY_LEASE_SECONDS = 60;

/**
 * An alert still undelivered this long after it was recorded raises the `platform.*` alarm
 * "alerts undelivered" (the retrier reports the age of the oldest one).
 */
export const UNDELIVERED_ALARM_SECONDS = 15 * 60;

/** Backoff between attempts: 30 s doubling to at most 10 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempts - 1), 600);
}

export function pendingDelivery(): AlertDelivery {
  return { status: 'pending', attempts: 0 };
}

/** Whether a deliverer may claim a delivery now. */
export function isClaimable(delivery: AlertDelivery, leaseUntil: string | undefined, now: Date): boolean {
  if (delivery.status === 'pending') return true;
  if (delivery.status === 'publishing')
    return leaseUntil === undefined || Date.parse(leaseUntil) <= now.getTime();
  return false;
}

/** The error of a failed publish as it is recorded: name and message, bounded. */
export function describePublishError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

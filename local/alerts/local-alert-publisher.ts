/**
 * Local mode's stand-in for the alerts SNS topic. `publish` takes the same alert the Lambda
 * publisher sends to SNS, turns it into the same message and attributes (`toSnsMessage`), and:
 *
 * 1. appends `{"message": <alert>, "attributes": {kind, severity, organization, environment}}`
 *    as one line to `<dataDir>/alerts.jsonl`, fsync'd before `publish` returns, so an alert SNS
 *    "accepted" survives a SIGKILL; if that append fails, `publish` throws TransientPublishError,
 *    as the real publisher does when SNS answers 5xx (the workflow retries it);
 * 2. POSTs that same JSON to every webhook subscription whose filter policy matches the
 *    attributes, in the background and with SNS's HTTP retry rules. Like SNS, a failing webhook
 *    never fails the publish; each delivery's outcome is kept in memory and appended to
 *    `<dataDir>/deliveries.jsonl`.
 *
 * `failNext(n)` makes the next n publishes fail as if SNS were down (nothing is written).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlertPublisher } from '../../functions/adapters/sns/alert-publisher.js';
import { type Alert, toSnsMessage } from '../../functions/domain/alert.js';
import { TransientPublishError } from '../../functions/domain/errors.js';
import { matchesFilterPolicy } from './filter-policy.js';
import type { WebhookSubscription } from './subscriptions.js';
import {
  DEFAULT_DELIVERY_POLICY,
  type DeliveryAttempt,
  type DeliveryPolicy,
  deliverWebhook,
} from './webhook-delivery.js';

export const ALERTS_FILE = 'alerts.jsonl';
export const DELIVERIES_FILE = 'deliveries.jsonl';

/** One line of alerts.jsonl, and the body POSTed to webhooks. */
export interface AlertLine {
  readonly message: Alert;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The outcome of delivering one published alert to one webhook. */
export interface DeliveryRecord {
  readonly messageId: string;
  readonly alertId: string;
  readonly url: string;
  /** The configuration entry of the subscription (e.g. `SLIPWAY_ALERT_WEBHOOKS[0]`). */
  readonly subscription: string;
  readonly delivered: boolean;
  readonly attempts: readonly DeliveryAttempt[];
  readonly finishedAt: string;
}

export interface LocalAlertPublisherOptions {
  readonly dataDir: string;
  readonly subscriptions?: readonly WebhookSubscription[];
  /** Overrides of the retry policy (tests shorten the delays). */
  readonly delivery?: Partial<DeliveryPolicy>;
  readonly now?: () => Date;
}

export interface LocalAlertPublisher extends AlertPublisher {
  /** The next `count` publishes throw TransientPublishError, as the SNS publisher does on a 5xx. */
  failNext(count: number): void;
  /** How many publishes are still to fail. */
  pendingFailures(): number;
  /** Deliveries finished so far, in the order they finished. */
  deliveries(): readonly DeliveryRecord[];
  /** Resolves once every delivery started so far has finished (delivered or given up). */
  settled(): Promise<void>;
  readonly alertsFile: string;
  readonly deliveriesFile: string;
}

export function createLocalAlertPublisher(options: LocalAlertPublisherOptions): LocalAlertPublisher {
  const alertsFile = join(options.dataDir, ALERTS_FILE);
  const deliveriesFile = join(options.dataDir, DELIVERIES_FILE);
  const subscriptions = options.subscriptions ?? [];
  const policy: DeliveryPolicy = { ...DEFAULT_DELIVERY_POLICY, ...options.delivery };
  const now = options.now ?? (() => new Date());
  const append = serializedAppender(options.dataDir);
  const finished: DeliveryRecord[] = [];
  const pending = new Set<Promise<void>>();
  let faults = 0;

  const deliver = async (
    subscription: WebhookSubscription,
    body: string,
    messageId: string,
    alert: Alert,
  ) => {
    const outcome = await deliverWebhook(subscription.url, body, policy);
    const record: DeliveryRecord = {
      messageId,
      alertId: alert.id,
      url: subscription.url,
      subscription: subscription.source,
      delivered: outcome.delivered,
      attempts: outcome.attempts,
      finishedAt: now().toISOString(),
    };
    finished.push(record);
    // The delivery log is a record for people; losing it must not touch the alert itself.
    await append(deliveriesFile, `${JSON.stringify(record)}\n`).catch(() => undefined);
  };

  return {
    alertsFile,
    deliveriesFile,
    failNext(count) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError('failNext expects a count ≥ 0');
      faults = count;
    },
    pendingFailures: () => faults,
    async publish(alert) {
      if (faults > 0) {
        faults -= 1;
        throw new TransientPublishError(
          `SNS publish of alert ${alert.id} failed transiently [simulated: local fault injection]`,
        );
      }
      const sns = toSnsMessage(alert);
      const attributes = Object.fromEntries(
        Object.entries(sns.MessageAttributes).map(([name, value]) => [name, value.StringValue]),
      );
      const line: AlertLine = { message: JSON.parse(sns.Message) as Alert, attributes };
      const body = JSON.stringify(line);
      try {
        await append(alertsFile, `${body}\n`);
      } catch (error) {
        throw new TransientPublishError(
          `local publish of alert ${alert.id} could not be written to ${alertsFile}`,
          {
            cause: error,
          },
        );
      }
      const messageId = randomUUID();
      for (const subscription of subscriptions) {
        if (subscription.filter && !matchesFilterPolicy(subscription.filter, attributes)) continue;
        const delivery = deliver(subscription, body, messageId, alert).finally(() =>
          pending.delete(delivery),
        );
        pending.add(delivery);
      }
      return { messageId };
    },
    deliveries: () => [...finished],
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/**
 * Appends text to files under `dir`, one append at a time (so concurrent publishes never
 * interleave lines), each fsync'd before it resolves. A failed append rejects only its caller.
 */
function serializedAppender(dir: string): (file: string, text: string) => Promise<void> {
  let tail: Promise<unknown> = Promise.resolve();
  return (file, text) => {
    const write = tail.then(async () => {
      await mkdir(dir, { recursive: true });
      const handle = await open(file, 'a');
      try {
        await handle.appendFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    tail = write.catch(() => undefined);
    return write;
  };
}

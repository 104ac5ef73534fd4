/**
 * Who receives alerts in local mode, read from two variables only (never the whole environment):
 *
 * - `SLIPWAY_ALERT_WEBHOOKS`: comma-separated URLs, each an HTTP(S) subscription without a filter
 *   (it receives every alert);
 * - `SLIPWAY_ALERT_SUBSCRIPTIONS`: a JSON array in the shape of the CDK app's alert subscriptions
 *   (`[{"type": "https", "url": "...", "filter": {"severity": ["critical"]}}]`), whose `filter`
 *   is an SNS filter policy on the alert attributes. `http://` URLs are accepted here because
 *   local receivers usually listen on 127.0.0.1 without TLS.
 *
 * A bad entry refuses the whole configuration with the variable and the entry named, so local
 * mode does not start with a subscription silently dropped.
 */
import { type FilterPolicy, FilterPolicyError, parseFilterPolicy } from './filter-policy.js';

export const WEBHOOKS_ENV = 'SLIPWAY_ALERT_WEBHOOKS';
export const SUBSCRIPTIONS_ENV = 'SLIPWAY_ALERT_SUBSCRIPTIONS';

export interface WebhookSubscription {
  readonly url: string;
  /** Absent: every alert is delivered. */
  readonly filter?: FilterPolicy;
  /** Where the subscription came from, for messages and delivery records. */
  readonly source: string;
}

export class AlertSubscriptionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AlertSubscriptionError';
  }
}

/** The webhook subscriptions configured by `SLIPWAY_ALERT_WEBHOOKS` and `SLIPWAY_ALERT_SUBSCRIPTIONS`. */
export function alertSubscriptionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): WebhookSubscription[] {
  return [
    ...parseWebhookList(env[WEBHOOKS_ENV] ?? ''),
    ...parseSubscriptionList(env[SUBSCRIPTIONS_ENV]?.trim() ? env[SUBSCRIPTIONS_ENV] : undefined),
  ];
}

/** `SLIPWAY_ALERT_WEBHOOKS`: comma-separated URLs, blanks ignored. */
export function parseWebhookList(text: string): WebhookSubscription[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((url, index) => {
      const source = `${WEBHOOKS_ENV}[${index}]`;
      return { url: webhookUrl(url, source), source };
    });
}

/** `SLIPWAY_ALERT_SUBSCRIPTIONS`: the JSON text (or the parsed array) of the subscriptions. */
export function parseSubscriptionList(value: unknown): WebhookSubscription[] {
  if (value === undefined) return [];
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new AlertSubscriptionError(`${SUBSCRIPTIONS_ENV} is not valid JSON`, { cause: error });
    }
  }
  if (!Array.isArray(parsed)) throw new AlertSubscriptionError(`${SUBSCRIPTIONS_ENV} must be a JSON array`);
  return parsed.map((entry: unknown, index) => parseSubscription(entry, `${SUBSCRIPTIONS_ENV}[${index}]`));
}

function parseSubscription(entry: unknown, source: string): WebhookSubscription {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new AlertSubscriptionError(
      `${source} must be an object {"type": "https", "url": ..., "filter"?: ...}`,
    );
  }
  const { type, url, filter, ...rest } = entry as Record<string, unknown>;
  if (type !== 'https') {
    throw new AlertSubscriptionError(
      `${source}.type must be "https": local mode delivers alerts by HTTP POST only (email and sqs subscriptions have no local stand-in), got ${JSON.stringify(type)}`,
    );
  }
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new AlertSubscriptionError(`${source} has unknown fields: ${extra.join(', ')}`);
  if (typeof url !== 'string') throw new AlertSubscriptionError(`${source}.url must be a string`);
  const subscription = { url: webhookUrl(url, `${source}.url`), source };
  if (filter === undefined) return subscription;
  try {
    return { ...subscription, filter: parseFilterPolicy(filter, `${source}.filter`) };
  } catch (error) {
    if (error instanceof FilterPolicyError) throw new AlertSubscriptionError(error.message, { cause: error });
    throw error;
  }
}

function webhookUrl(text: string, label: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new AlertSubscriptionError(
      `${label} must be an http:// or https:// URL, got ${JSON.stringify(text)}`,
    );
  }
  if (url.username || url.password) {
    // Credentials in a URL end up in logs and delivery records; SNS would print them too.
    throw new AlertSubscriptionError(`${label} must not carry credentials in the URL`);
  }
  return text;
}

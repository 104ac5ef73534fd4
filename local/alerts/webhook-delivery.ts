/**
 * One alert POSTed to one webhook, retried the way SNS retries HTTP(S) deliveries: a 5xx answer,
 * a request timeout or a connection error is a failed attempt and is retried after a delay; a
 * 4xx answer is a permanent failure and is not retried (SNS Developer Guide, "delivery retry
 * policies"). Every attempt is bounded by a timeout and the number of retries is bounded, so a
 * dead webhook costs at most `(retries + 1) × timeout + Σ delays` and never blocks a publish.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface DeliveryPolicy {
  /** Per-attempt timeout. SNS waits 15 s. @default 15000 */
  readonly timeoutMs: number;
  /** Retries after the first attempt. SNS's default policy retries 3 times. @default 3 */
  readonly retries: number;
  /** Delay before the first retry; each next retry waits twice as long. @default 1000 */
  readonly backoffMs: number;
  /** Upper bound of one delay. @default 20000 (SNS's default maximum delay) */
  readonly maxBackoffMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  timeoutMs: 15_000,
  retries: 3,
  backoffMs: 1_000,
  maxBackoffMs: 20_000,
};

export interface DeliveryAttempt {
  /** The HTTP status, when the endpoint answered. */
  readonly status?: number;
  /** Why the attempt failed without an answer (timeout, connection refused...). */
  readonly error?: string;
}

export interface DeliveryOutcome {
  readonly url: string;
  readonly delivered: boolean;
  readonly attempts: readonly DeliveryAttempt[];
}

/** POSTs `body` (already JSON text) to `url` with the SNS-like retry policy. Never throws. */
export async function deliverWebhook(
  url: string,
  body: string,
  policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
): Promise<DeliveryOutcome> {
  const attempts: DeliveryAttempt[] = [];
  for (let attempt = 0; attempt <= policy.retries; attempt += 1) {
    if (attempt > 0) {
      await sleep(Math.min(policy.backoffMs * 2 ** (attempt - 1), policy.maxBackoffMs));
    }
    const result = await attemptOnce(url, body, policy.timeoutMs);
    attempts.push(result);
    if (result.status !== undefined && result.status >= 200 && result.status < 300) {
      return { url, delivered: true, attempts };
    }
    if (!isRetryable(result)) break;
  }
  return { url, delivered: false, attempts };
}

/** SNS retries 5xx (and 100–101), timeouts and connection errors; anything else is final. */
function isRetryable(attempt: DeliveryAttempt): boolean {
  if (attempt.status === undefined) return true;
  return attempt.status >= 500 || attempt.status === 100 || attempt.status === 101;
}

async function attemptOnce(url: string, body: string, timeoutMs: number): Promise<DeliveryAttempt> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      // A redirect is the endpoint's answer, as for SNS: not followed.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read the answer so the connection is released; its content does not matter.
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status };
  } catch (error) {
    return { error: describe(error, timeoutMs) };
  }
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

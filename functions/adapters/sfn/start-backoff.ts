/**
 * StartExecution under a fan-out: one push can start hundreds of runs, past Step Functions'
 * StartExecution rate (a token bucket per account and region). A throttled or momentarily failing
 * call is retried with exponential backoff and full jitter, on top of the SDK's own retries, so
 * the fan-out slows down to the allowed rate instead of failing runs. Anything else (a name that
 * exists, a refused input) is not retried here.
 */
import type { ApiRunStarter } from '../../domain/use-cases/ports.js';
import type { WorkflowInput } from '../../domain/workflow-events.js';

const RETRYABLE = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'InternalServerError',
  'InternalFailure',
]);

export function isThrottleOrTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (RETRYABLE.has(error.name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof status === 'number' && (status === 429 || status >= 500);
}

export interface BackoffOptions {
  /** Attempts in all (the first included). @default 8 */
  readonly attempts?: number;
  /** @default 100 ms */
  readonly baseMs?: number;
  /** @default 5000 ms */
  readonly capMs?: number;
  /** Injected in tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected in tests. @default Math.random */
  readonly random?: () => number;
  /** Called before each retry (counts throttles). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function withStartBackoff(starter: ApiRunStarter, options: BackoffOptions = {}): ApiRunStarter {
  const attempts = options.attempts ?? 8;
  const base = options.baseMs ?? 100;
  const cap = options.capMs ?? 5000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  return {
    async startExecution(input: WorkflowInput) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await starter.startExecution(input);
        } catch (error) {
          if (attempt >= attempts || !isThrottleOrTransient(error)) throw error;
          const delay = Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1)));
          options.onRetry?.(error, attempt, delay);
          await sleep(delay);
        }
      }
    },
  };
}

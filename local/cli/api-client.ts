/**
 * The CLI's HTTP client: JSON in and out, the bearer token on every request (never in an error
 * message or a log line), `Idempotency-Key` where the caller gives one. A refusal becomes an
 * {@link ApiRequestError} carrying the API's code, message and details; a gateway answer
 * (`{"message"}`) gets the code `gateway`.
 *
 * With `retry`, a request that failed on the connection or was answered 502, 503 or 504 is sent
 * again, a bounded number of times with a short backoff, and with the SAME `Idempotency-Key`: a
 * retried provision whose first attempt did reach the API replays that attempt's answer instead
 * of starting a second run. Only reads (GET) and keyed requests are retried.
 */
import type { z } from 'zod';
import { ErrorBody, GatewayMessage } from './api-shapes.js';

export class ApiRequestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details: unknown) {
    super(message);
    this.name = 'ApiRequestError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The API could not be reached, or answered something that is not the API's JSON. */
export class ApiConnectionError extends Error {
  /** The request got no answer at all (refused, reset, timed out), as opposed to an answer that is not the API's. */
  readonly unreached: boolean;
  constructor(message: string, options?: ErrorOptions & { unreached?: boolean }) {
    super(message, options);
    this.name = 'ApiConnectionError';
    this.unreached = options?.unreached ?? false;
  }
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly idempotencyKey?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
}

export interface ApiClient {
  readonly endpoint: string;
  send(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  /** `send`, then the body parsed with `schema` (a body of another shape is an ApiConnectionError). */
  read<T extends z.ZodType>(
    schema: T,
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<{ status: number; body: z.infer<T> }>;
}

export interface RetryPolicy {
  /** Attempts in all, the first included (1: no retry). */
  readonly attempts: number;
  /** Wait before the first retry; doubled before each further one. */
  readonly backoffMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface ApiClientOptions {
  readonly endpoint: string;
  readonly token: string;
  readonly fetch?: typeof globalThis.fetch;
  readonly timeoutMs?: number;
  /** @default no retry */
  readonly retry?: RetryPolicy;
}

/** 502, 503 and 504: the gateway or the service could not answer this time; the request may be sent again. */
const RETRIED_STATUSES: readonly number[] = [502, 503, 504];

function retryable(error: unknown): boolean {
  return (
    (error instanceof ApiConnectionError && error.unreached) ||
    (error instanceof ApiRequestError && RETRIED_STATUSES.includes(error.status))
  );
}

/** `/v1/orgs/{org}` with each segment encoded. */
export function apiPath(...segments: string[]): string {
  return `/v1/${segments.map(encodeURIComponent).join('/')}`;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const sendOnce = async (method: string, path: string, request: RequestOptions): Promise<ApiResponse> => {
    const url = new URL(`${endpoint}${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${options.token}`,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new ApiConnectionError(`cannot reach the Slipway API at ${endpoint}: ${reason}`, {
        cause: error,
        unreached: true,
      });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiConnectionError(
        `${method} ${path} answered ${response.status} with a body that is not JSON (is ${endpoint} the Slipway API?)`,
      );
    }
    if (response.ok) return { status: response.status, body };
    const refusal = ErrorBody.safeParse(body);
    if (refusal.success) {
      const { code, message, details } = refusal.data.error;
      throw new ApiRequestError(response.status, code, message, details);
    }
    const gateway = GatewayMessage.safeParse(body);
    throw new ApiRequestError(
      response.status,
      'gateway',
      gateway.success ? gateway.data.message : `${method} ${path} answered ${response.status}`,
      undefined,
    );
  };
  const send = async (method: string, path: string, request: RequestOptions = {}): Promise<ApiResponse> => {
    const policy = options.retry;
    const safe = method === 'GET' || request.idempotencyKey !== undefined;
    const attempts = policy && safe ? Math.max(1, policy.attempts) : 1;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await sendOnce(method, path, request);
      } catch (error) {
        if (attempt >= attempts || !retryable(error) || !policy) throw error;
        await policy.sleep(policy.backoffMs * 2 ** (attempt - 1));
      }
    }
  };
  return {
    endpoint,
    send,
    async read(schema, method, path, request) {
      const { status, body } = await send(method, path, request);
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        throw new ApiConnectionError(`${method} ${path} answered ${status} with an unexpected body`);
      }
      return { status, body: parsed.data };
    },
  };
}

/**
 * The edge of the webhook routes (`/v1/hooks/…`): no JWT (the gateway's authorizer is off for
 * them; each hook authenticates its sender itself, on the raw body, before parsing anything), the
 * same API Gateway v2 event parser and error shape as the API, a larger body limit (push payloads
 * list every commit), and one log line per delivery without a body, a header or a secret.
 */
import type { Context } from 'aws-lambda';
import { HOOK_SECRET_VARIABLES, type HookSource } from '../../adapters/secrets/hook-secrets.js';
import { toApiError } from '../../domain/api/domain-errors.js';
import { ApiError, fieldIssue } from '../../domain/api/error-codes.js';
import { type HttpRequest, parseHttpEvent } from '../../shared/http/event.js';
import { errorResponse, type HttpResult, jsonResponse } from '../../shared/http/response.js';
import type { ApiHandler } from '../../shared/http/route.js';
import type { Observability } from '../../shared/observability.js';

/** Under Lambda's 6 MB synchronous payload limit (GitHub caps push payloads at 25 MB). */
export const MAX_HOOK_BODY_BYTES = 5 * 1024 * 1024;

export interface HookResult {
  readonly status: number;
  readonly body: unknown;
}

export const unauthorized = (message: string) => new ApiError('unauthorized', message);

/**
 * No value of this hook's secret is configured, so no delivery can pass: said as such (still 401),
 * naming where the value goes and never any value.
 */
export const notConfigured = (source: HookSource, what: string) =>
  unauthorized(
    `no ${what} is configured, so every delivery is refused: set the ${source} key of the webhooks secret (slipway/webhooks), or ${HOOK_SECRET_VARIABLES[source]} in local mode`,
  );

/** The JSON body of a delivery, parsed only after its sender was authenticated. */
export function parseJsonBody(raw: Buffer, field = 'body'): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'not valid UTF-8';
    throw new ApiError('validation.failed', `${field}: is not valid JSON (${reason})`, [
      fieldIssue(field, `is not valid JSON (${reason})`),
    ]);
  }
}

export function makeHookRoute(
  id: string,
  handle: (request: HttpRequest & { readonly rawBody: Buffer }) => Promise<HookResult>,
  deps: Observability,
): ApiHandler {
  return async (event: unknown, _context?: Context): Promise<HttpResult> => {
    const started = Date.now();
    let result: HttpResult;
    try {
      const request = parseHttpEvent(event);
      const rawBody = request.body ?? Buffer.alloc(0);
      if (rawBody.length > MAX_HOOK_BODY_BYTES) {
        throw new ApiError(
          'payload.too-large',
          `body: ${rawBody.length} bytes is over ${MAX_HOOK_BODY_BYTES}`,
          [fieldIssue('body', `must be at most ${MAX_HOOK_BODY_BYTES} bytes`)],
        );
      }
      const outcome = await handle({ ...request, rawBody });
      result = jsonResponse(outcome.status, outcome.body);
    } catch (error) {
      const refusal = toApiError(error);
      if (refusal) {
        result = errorResponse(refusal);
      } else {
        deps.logger?.warn('hook delivery failed', {
          route: id,
          errorName: error instanceof Error ? error.name : typeof error,
          errorMessage: error instanceof Error ? error.message : String(error),
        });
        result = errorResponse(
          new ApiError('internal', 'internal error: the delivery was not accepted; retry it'),
        );
      }
    }
    deps.logger?.info('hook delivery', {
      route: id,
      status: result.statusCode,
      durationMs: Date.now() - started,
    });
    deps.metrics?.addMetric(
      result.statusCode >= 500
        ? 'Hook5xx'
        : result.statusCode === 401
          ? 'HookUnauthorized'
          : result.statusCode >= 400
            ? 'Hook4xx'
            : 'Hook2xx',
      'Count',
      1,
    );
    return result;
  };
}

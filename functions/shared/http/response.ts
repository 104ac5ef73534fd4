/** HTTP responses of the API: JSON bodies, never cached, errors in one shape. */
import type { ApiError } from '../../domain/api/error-codes.js';

/** API Gateway's structured result (payload format 2.0), JSON-serializable so a replay can store it. */
export interface HttpResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

export function jsonResponse(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { ...HEADERS }, body: JSON.stringify(body) };
}

/** `{"error":{"code","message","details"}}` */
export function errorResponse(error: ApiError): HttpResult {
  return jsonResponse(error.status, {
    error: { code: error.code, message: error.message, details: error.details },
  });
}

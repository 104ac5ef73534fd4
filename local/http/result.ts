/**
 * Turns a function's result into the HTTP response an HTTP API (payload format 2.0) sends: a
 * result with a `statusCode` is used as given (headers, `cookies` as Set-Cookie, a base64 body
 * decoded when `isBase64Encoded`); any other result is 200 with `content-type:
 * application/json` — a string as the body itself, anything else as its JSON. A malformed
 * result is the gateway's 500.
 */

export interface HttpReply {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

export function gatewayMessage(statusCode: number, message: string): HttpReply {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

export const INTERNAL_ERROR = () => gatewayMessage(500, 'Internal Server Error');

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function toHttpReply(result: unknown): HttpReply {
  if (!isRecord(result) || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null');
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
  }
  const { statusCode, headers = {}, body = '', isBase64Encoded = false, cookies = [] } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599 ||
    !isRecord(headers) ||
    typeof body !== 'string' ||
    typeof isBase64Encoded !== 'boolean' ||
    !Array.isArray(cookies)
  ) {
    return INTERNAL_ERROR();
  }
  const replyHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return INTERNAL_ERROR();
    }
    replyHeaders[name.toLowerCase()] = String(value);
  }
  if (cookies.length > 0) replyHeaders['set-cookie'] = cookies.map(String);
  return {
    statusCode,
    headers: replyHeaders,
    body: isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body),
  };
}

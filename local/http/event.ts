/**
 * Builds the event an API Gateway HTTP API (payload format 2.0, JWT authorizer) sends to a
 * route's function, from a plain HTTP request. What the gateway does is kept: header names in
 * lower case with repeated headers joined by commas, cookies moved out of the headers into
 * `cookies`, `rawQueryString` as sent and `queryStringParameters` decoded (repeats joined by
 * commas), `rawPath` and path parameters URL-decoded, the body byte-for-byte — as text when it
 * is valid UTF-8, base64 with `isBase64Encoded: true` otherwise — and absent when empty.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { JwtClaims } from '../auth/tokens.js';
import { flattenClaims, scopesOf } from './claims.js';
import { safeDecode } from './route-table.js';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** The account id of every local event and function ARN (no AWS account is involved). */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_API_ID = 'local';

export interface IncomingApiRequest {
  readonly method: string;
  /** Request target as sent: path and optional `?query`. */
  readonly url: string;
  /** Lower-case names, each with every value received (Node's `headersDistinct`). */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  /** `HTTP/1.1` */
  readonly protocol: string;
}

export interface EventContext {
  readonly routeKey: string;
  readonly pathParameters: Record<string, string>;
  readonly claims: JwtClaims;
  readonly requestId: string;
  readonly now: Date;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `01/Dec/2026:19:57:00 +0000`, the gateway's `requestContext.time`. */
export function gatewayTime(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(now.getUTCDate())}/${MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}:` +
    `${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())} +0000`
  );
}

/** A request id shaped like the gateway's (`apigw-requestid`: 15 base64 characters and `=`). */
export function newRequestId(): string {
  return randomBytes(11).toString('base64');
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function encodeBody(body: Buffer): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  try {
    return { body: utf8.decode(body), isBase64Encoded: false };
  } catch {
    return { body: body.toString('base64'), isBase64Encoded: true };
  }
}

function splitTarget(url: string): { path: string; query: string } {
  const at = url.indexOf('?');
  return at === -1 ? { path: url, query: '' } : { path: url.slice(0, at), query: url.slice(at + 1) };
}

function queryParameters(rawQuery: string): Record<string, string> | undefined {
  if (rawQuery === '') return undefined;
  const joined = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const previous = joined.get(name);
    joined.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return joined.size === 0 ? undefined : Object.fromEntries(joined);
}

export function toApiGatewayEvent(request: IncomingApiRequest, context: EventContext): ApiEvent {
  const { path, query } = splitTarget(request.url);
  const decodedPath = safeDecode(path) ?? path;
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, values] of Object.entries(request.headers)) {
    if (!values || values.length === 0) continue;
    if (name === 'cookie') {
      cookies = values.flatMap((value) => value.split(/;\s*/)).filter((cookie) => cookie !== '');
      continue;
    }
    headers[name] = values.join(',');
  }
  const queryStringParameters = queryParameters(query);
  const hasParameters = Object.keys(context.pathParameters).length > 0;
  const host = headers.host ?? '127.0.0.1';
  const timeEpoch = context.now.getTime();
  return {
    version: '2.0',
    routeKey: context.routeKey,
    rawPath: decodedPath,
    rawQueryString: query,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(hasParameters ? { pathParameters: { ...context.pathParameters } } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: flattenClaims(context.claims), scopes: scopesOf(context.claims) },
      },
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method,
        path: decodedPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: context.routeKey,
      stage: '$default',
      time: gatewayTime(context.now),
      timeEpoch,
    },
    ...encodeBody(request.body),
  };
}

/**
 * The edge: an API Gateway HTTP API (payload format 2.0) event with a JWT authorizer, reduced to
 * what a route needs. Local mode's HTTP adapter builds the same event shape, so both doors share
 * this parser. Header names arrive lower-case; a base64 body (`isBase64Encoded`) is decoded here.
 */
import * as z from 'zod/mini';
import '../../domain/spec/locale.js';
import { ApiError, fieldIssue, validationFailed } from '../../domain/api/error-codes.js';
import { MAX_BODY_BYTES } from '../../domain/api/schemas.js';
import type { Claims } from './claims.js';

const StringMap = z.nullish(z.record(z.string(), z.optional(z.string())));

/** The members of APIGatewayProxyEventV2WithJWTAuthorizer that the API reads; the rest is ignored. */
const HttpApiEvent = z.object({
  rawPath: z.string(),
  headers: StringMap,
  pathParameters: StringMap,
  queryStringParameters: StringMap,
  body: z.nullish(z.string()),
  isBase64Encoded: z.optional(z.boolean()),
  requestContext: z.object({
    http: z.object({ method: z.string() }),
    authorizer: z.nullish(z.object({ jwt: z.object({ claims: z.record(z.string(), z.unknown()) }) })),
  }),
});

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** The raw body, decoded from base64 when the gateway encoded it; undefined when absent. */
  readonly body: Buffer | undefined;
  readonly claims: Claims | undefined;
}

function definedEntries(map: Readonly<Record<string, string | undefined>> | null | undefined) {
  return Object.fromEntries(
    Object.entries(map ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export function parseHttpEvent(event: unknown): HttpRequest {
  const parsed = HttpApiEvent.safeParse(event);
  if (!parsed.success) {
    throw validationFailed(
      parsed.error.issues.map((issue) => fieldIssue(`event.${issue.path.join('.')}`, issue.message)),
      'the API Gateway event',
    );
  }
  const { data } = parsed;
  const headers = Object.fromEntries(
    Object.entries(definedEntries(data.headers)).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const body =
    data.body === undefined || data.body === null
      ? undefined
      : Buffer.from(data.body, data.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: data.requestContext.http.method.toUpperCase(),
    path: data.rawPath,
    headers,
    pathParameters: definedEntries(data.pathParameters),
    query: definedEntries(data.queryStringParameters),
    body,
    claims: data.requestContext.authorizer?.jwt.claims,
  };
}

/**
 * The JSON body of a PUT or POST: at most 64 KiB (413), `Content-Type: application/json` (415),
 * well-formed JSON (400 naming `body`). A route without a body refuses one (400 naming `body`).
 */
export function readJsonBody(request: HttpRequest, expectsBody: boolean): unknown {
  const size = request.body?.length ?? 0;
  if (size > MAX_BODY_BYTES) {
    throw new ApiError(
      'payload.too-large',
      `body: ${size} bytes is over the limit of ${MAX_BODY_BYTES} bytes (64 KiB)`,
      [fieldIssue('body', `must be at most ${MAX_BODY_BYTES} bytes`)],
    );
  }
  if (!expectsBody) {
    if (size > 0) throw validationFailed([fieldIssue('body', `${request.method} takes no body`)]);
    return null;
  }
  const contentType = request.headers['content-type'] ?? '';
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='));
  if (mediaType !== 'application/json' || (charset !== undefined && charset !== 'charset=utf-8')) {
    throw new ApiError(
      'unsupported-media-type',
      `Content-Type: ${request.method} needs 'application/json' (UTF-8), got '${contentType || 'none'}'`,
      [fieldIssue('Content-Type', "must be 'application/json'")],
    );
  }
  if (size === 0) throw validationFailed([fieldIssue('body', 'is required (a JSON object)')]);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(request.body);
  } catch {
    throw validationFailed([fieldIssue('body', 'is not valid UTF-8')]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unreadable';
    throw validationFailed([fieldIssue('body', `is not valid JSON (${reason})`)]);
  }
}

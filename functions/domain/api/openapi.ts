/**
 * Builds the HTTP API's OpenAPI 3.1 document from the route table and the same zod schemas the
 * handlers parse with. `npm run openapi` writes it to docs/openapi.json; a test fails when the
 * committed document differs from this one. Build-time only: no Lambda bundle imports it.
 */
import * as z from 'zod/mini';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { API_ROUTES, CLUSTER_HOOK_ROUTES, HOOK_ROUTES } from '../../handlers/api/routes.js';
import { contractOf } from './contracts.js';
import { ERROR_STATUS, type ErrorCode } from './error-codes.js';
import { HOOK_SECURITY_SCHEMES, hookContractOf } from './hook-contracts.js';
import { ErrorBody, GatewayMessage, IdempotencyKey, ListQuery } from './schemas.js';

const IdempotencyHeaders = z.object({ 'Idempotency-Key': z.optional(IdempotencyKey) });

/** Refusals every route can answer; bodies add the ones of body parsing. */
const COMMON: readonly ErrorCode[] = ['validation.failed', 'unauthorized', 'forbidden', 'internal'];
const WITH_BODY: readonly ErrorCode[] = ['payload.too-large', 'unsupported-media-type'];

/**
 * Every route, the webhooks included, is throttled by API Gateway (a rate and a burst per route);
 * over it, API Gateway answers 429 itself, with its own body rather than the error shape.
 */
const THROTTLED = {
  '429': {
    description:
      'Throttled by API Gateway: the route\'s rate or burst was exceeded (docs/api.md, "Throttling"). The body is API Gateway\'s `{"message":"Too Many Requests"}`, not the error shape; nothing was done, so the request can be sent again after a short backoff.',
    content: { 'application/json': { schema: GatewayMessage } },
  },
} as const;

function errorResponses(codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: `Refused: ${list.map((code) => `\`${code}\``).join(', ')}`,
          content: { 'application/json': { schema: ErrorBody } },
        },
      ]),
  );
}

function tagOf(routeId: string): string {
  if (routeId.endsWith('organization') || routeId.endsWith('organizations')) return 'organizations';
  if (routeId.includes('environment')) return 'environments';
  if (routeId.includes('run')) return 'runs';
  return 'activity';
}

function operation(routeId: string, idempotent: boolean): ZodOpenApiOperationObject {
  const contract = contractOf(routeId);
  const hasBody = contract.body !== undefined;
  const codes = [...COMMON, ...(hasBody ? WITH_BODY : []), ...contract.errors];
  const success = Object.fromEntries(
    Object.entries(contract.responses).map(([status, response]) => [
      status,
      { description: response.description, content: { 'application/json': { schema: response.schema } } },
    ]),
  );
  return {
    operationId: routeId,
    summary: contract.summary,
    description: `Roles: ${contract.roles}. Another organization's resources answer 404.`,
    tags: [tagOf(routeId)],
    requestParams: {
      path: contract.params,
      ...(contract.paginated ? { query: ListQuery } : {}),
      ...(idempotent ? { header: IdempotencyHeaders } : {}),
    },
    ...(hasBody && contract.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: contract.body } } } }
      : {}),
    responses: { ...success, ...errorResponses(codes), ...THROTTLED },
  };
}

/** A webhook route: its own security (no JWT), the sender's body, its answers (hook-contracts.ts). */
function hookOperation(routeId: string): ZodOpenApiOperationObject {
  const contract = hookContractOf(routeId);
  const response = (description: string, schema: z.ZodMiniType) => ({
    description,
    content: { 'application/json': { schema } },
  });
  return {
    operationId: routeId,
    summary: contract.summary,
    description:
      'No JWT: the sender is authenticated on the raw body before it is parsed, in constant time. See docs/git-push.md and docs/alerts.md.',
    tags: [contract.tag],
    security: [...contract.security],
    requestParams: { path: contract.params },
    requestBody: { required: true, content: { 'application/json': { schema: contract.body } } },
    responses: {
      ...Object.fromEntries(
        Object.entries(contract.responses).map(([status, { description, schema }]) => [
          status,
          response(description, schema),
        ]),
      ),
      ...Object.fromEntries(
        Object.entries(contract.errors).map(([status, description]) => [
          status,
          response(description, ErrorBody),
        ]),
      ),
      ...THROTTLED,
    },
  };
}

export function buildOpenApiDocument() {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of API_ROUTES) {
    const method = route.method.toLowerCase() as 'get' | 'put' | 'post' | 'delete';
    paths[route.path] = { ...paths[route.path], [method]: operation(route.id, route.idempotent ?? false) };
  }
  for (const route of [...HOOK_ROUTES, ...CLUSTER_HOOK_ROUTES]) {
    paths[route.path] = { ...paths[route.path], post: hookOperation(route.id) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Slipway HTTP API',
      version: '1.0.0',
      description:
        'Provision, inspect, resume and tear down Kubernetes environments. Every route needs a bearer JWT except the webhooks (tag hooks), which authenticate their senders themselves; errors are `{"error":{"code","message","details"}}`. See docs/api.md.',
    },
    servers: [{ url: '/', description: 'The API Gateway stage URL (or the local server)' }],
    security: [{ bearerJwt: [] }],
    components: {
      securitySchemes: {
        bearerJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Claims: sub, role (or cognito:groups), orgs (or custom:orgs)',
        },
        ...HOOK_SECURITY_SCHEMES,
      },
    },
    paths,
  });
}

/** The document as committed: two-space JSON with a final newline. */
export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

/**
 * API Gateway HTTP API (payload format 2.0) events as the gateway delivers them to a route's
 * function with a JWT authorizer: lower-case headers, `rawPath` and `pathParameters`, the query
 * as `queryStringParameters`, claims flattened to strings the way the gateway formats them
 * (an array `["a","b"]` arrives as `"[a b]"`).
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import type { Role } from '../../functions/domain/authorization.js';
import type { ApiRoute } from '../../functions/handlers/api/routes.js';

export interface Identity {
  readonly sub: string;
  readonly role?: Role | string;
  readonly orgs?: readonly string[];
  /** Extra claims, as given (already flattened strings). */
  readonly claims?: Record<string, string>;
}

export interface EventOptions {
  readonly identity?: Identity | null;
  readonly path: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  readonly body?: unknown;
  readonly base64?: boolean;
}

function flattened(identity: Identity): Record<string, string> {
  return {
    sub: identity.sub,
    iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_test',
    exp: String(Math.floor(Date.now() / 1000) + 3600),
    ...(identity.role !== undefined ? { role: identity.role } : {}),
    ...(identity.orgs !== undefined ? { orgs: `[${identity.orgs.join(' ')}]` } : {}),
    ...identity.claims,
  };
}

export function apiEvent(route: ApiRoute, options: EventOptions): APIGatewayProxyEventV2WithJWTAuthorizer {
  const rawPath = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = options.path[name];
    if (value === undefined) throw new Error(`apiEvent: no value for {${name}} of ${route.path}`);
    return encodeURIComponent(value);
  });
  const body =
    options.body === undefined
      ? undefined
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  const hasJson = options.body !== undefined && (route.method === 'PUT' || route.method === 'POST');
  const headers: Record<string, string> = {
    host: 'api.slipway.example.com',
    'user-agent': 'slipway-tests',
    ...(hasJson ? { 'content-type': 'application/json' } : {}),
    ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const query = options.query && Object.keys(options.query).length > 0 ? options.query : undefined;
  const identity =
    options.identity === undefined ? { sub: 'tester', role: 'platform-admin' } : options.identity;
  const event = {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(Object.keys(options.path).length > 0 ? { pathParameters: { ...options.path } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api.slipway.example.com',
      domainPrefix: 'api',
      http: {
        method: route.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'slipway-tests',
      },
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(identity
        ? {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: flattened(identity), scopes: null },
            },
          }
        : {}),
    },
    isBase64Encoded: options.base64 ?? false,
    ...(body ? { body: options.base64 ? body.toString('base64') : body.toString('utf8') } : {}),
  };
  return event as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** The Lambda context fields Powertools reads. */
export function lambdaContext(functionName = 'slipway-api-test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'req-1',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function routeById(routes: readonly ApiRoute[], id: string): ApiRoute {
  const route = routes.find((candidate) => candidate.id === id);
  if (!route) throw new Error(`no route ${id}`);
  return route;
}

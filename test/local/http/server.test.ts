import { randomBytes } from 'node:crypto';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ROUTES, type ApiRoute } from '../../../functions/handlers/api/routes.js';
import { localTokenVerifier, signLocalToken } from '../../../local/auth/tokens.js';
import type { ApiEvent } from '../../../local/http/event.js';
import { type ApiServer, type RouteHandler, startApiServer } from '../../../local/http/server.js';
import { send } from './send.js';

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);

interface Call {
  readonly route: string;
  readonly event: ApiEvent;
  readonly context: Context;
}

describe('local HTTP API server', () => {
  const calls: Call[] = [];
  const failures: string[] = [];
  let reply: (event: ApiEvent) => unknown = () => ({ statusCode: 200, body: '{}' });
  let server: ApiServer;
  let token: string;

  const recording =
    (route: ApiRoute): RouteHandler =>
    async (event, context) => {
      calls.push({ route: route.id, event, context });
      return reply(event);
    };

  beforeAll(async () => {
    server = await startApiServer({
      verifyToken: localTokenVerifier(KEY),
      resolveHandler: recording,
      onError: (error, routeKey) => failures.push(`${routeKey}: ${String(error)}`),
      localRoutes: {
        'POST /local/faults': {
          handler: async (event, context) => {
            calls.push({ route: 'local-faults', event, context });
            return { accepted: true };
          },
          authorization: 'none',
        },
      },
    });
    token = await signLocalToken(KEY, {
      subject: 'alice',
      role: 'org-admin',
      organizations: ['acme', 'globex'],
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    calls.length = 0;
    reply = () => ({ statusCode: 200, body: '{}' });
  });

  const auth = (): [string, string] => ['Authorization', `Bearer ${token}`];
  const onlyCall = (): Call => {
    expect(calls).toHaveLength(1);
    const [call] = calls;
    if (!call) throw new Error('no call');
    return call;
  };

  it('listens on 127.0.0.1 with a free port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it('builds a payload 2.0 event with the route key, decoded path parameters and query, lower-cased joined headers and cookies', async () => {
    const response = await send(
      server.url,
      'GET',
      '/v1/orgs/acme/environments/prod%2Dblue/runs/r%2D1?limit=5&cursor=a%2Bb&tag=x&tag=y',
      {
        headers: [
          auth(),
          ['X-Trace', 'one'],
          ['X-Trace', 'two'],
          ['User-Agent', 'slipway-test/1'],
          ['Cookie', 'a=1; b=2'],
        ],
      },
    );

    expect(response.status).toBe(200);
    const { event, context, route } = onlyCall();
    expect(route).toBe('get-run');
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('GET /v1/orgs/{org}/environments/{env}/runs/{runId}');
    expect(event.rawPath).toBe('/v1/orgs/acme/environments/prod-blue/runs/r-1');
    expect(event.rawQueryString).toBe('limit=5&cursor=a%2Bb&tag=x&tag=y');
    expect(event.queryStringParameters).toEqual({ limit: '5', cursor: 'a+b', tag: 'x,y' });
    expect(event.pathParameters).toEqual({ org: 'acme', env: 'prod-blue', runId: 'r-1' });
    expect(event.headers['x-trace']).toBe('one,two');
    expect(event.headers.authorization).toBe(`Bearer ${token}`);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
    const { requestContext } = event;
    expect(requestContext.routeKey).toBe(event.routeKey);
    expect(requestContext.stage).toBe('$default');
    expect(requestContext.http).toEqual({
      method: 'GET',
      path: '/v1/orgs/acme/environments/prod-blue/runs/r-1',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'slipway-test/1',
    });
    expect(requestContext.requestId).toBe(response.headers['apigw-requestid']);
    expect(requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(requestContext.timeEpoch - Date.now())).toBeLessThan(5_000);
    expect(requestContext.domainName).toBe(server.url.replace('http://', ''));
    expect(context.functionName).toBe('slipway-get-run');
    // A second opinion on the shape: Powertools' own schema of the payload 2.0 event.
    expect(APIGatewayProxyEventV2Schema.safeParse(event).error).toBeUndefined();
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(25_000);
  });

  it('passes verified claims with arrays flattened the way HTTP API JWT authorizers do', async () => {
    await send(server.url, 'GET', '/v1/orgs', { headers: [auth()] });

    const { claims, scopes } = onlyCall().event.requestContext.authorizer.jwt;
    expect(claims).toMatchObject({
      sub: 'alice',
      role: 'org-admin',
      orgs: '[acme globex]',
      iss: 'slipway-local',
      aud: 'slipway',
    });
    expect(claims.exp).toMatch(/^\d+$/);
    expect(scopes).toBeNull();
  });

  it('keeps a UTF-8 body as text, byte for byte', async () => {
    const body = '{"displayName":"Acmé ✓",\n "quota":{"cpu":"32"}}';
    await send(server.url, 'PUT', '/v1/orgs/acme', {
      headers: [auth(), ['Content-Type', 'application/json']],
      body,
    });

    const { event } = onlyCall();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBe(body);
  });

  it('passes a body that is not UTF-8 as base64 with isBase64Encoded', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7d]);
    await send(server.url, 'PUT', '/v1/orgs/acme', {
      headers: [auth(), ['Content-Type', 'application/json']],
      body: bytes,
    });

    const { event } = onlyCall();
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64').equals(bytes)).toBe(true);
    expect(APIGatewayProxyEventV2Schema.safeParse(event).error).toBeUndefined();
  });

  it.each([
    ['no Authorization header', () => []],
    ['a token signed with another key', async () => [['Authorization', `Bearer ${await otherToken()}`]]],
    ['an expired token', async () => [['Authorization', `Bearer ${await expiredToken()}`]]],
    ['a malformed token', () => [['Authorization', 'Bearer not.a.jwt']]],
    ['an empty bearer', () => [['Authorization', 'Bearer ']]],
  ] as const)('answers 401 Unauthorized for %s and never calls the function', async (_, headers) => {
    const response = await send(server.url, 'GET', '/v1/orgs', {
      headers: (await headers()) as [string, string][],
    });

    expect(response.status).toBe(401);
    expect(response.json()).toEqual({ message: 'Unauthorized' });
    expect(calls).toHaveLength(0);
  });

  it('answers 404 Not Found for an unknown path or method, before checking the token', async () => {
    const unknownPath = await send(server.url, 'GET', '/v1/nothing', { headers: [auth()] });
    const wrongMethod = await send(server.url, 'PATCH', '/v1/orgs/acme', {});
    const trailingSlash = await send(server.url, 'GET', '/v1/orgs/', { headers: [auth()] });

    for (const response of [unknownPath, wrongMethod, trailingSlash]) {
      expect(response.status).toBe(404);
      expect(response.json()).toEqual({ message: 'Not Found' });
    }
    expect(calls).toHaveLength(0);
  });

  it('serves every route of the table', async () => {
    const paths: Record<string, string> = { org: 'acme', env: 'prod', runId: 'r1' };
    for (const route of API_ROUTES) {
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => paths[name] ?? name);
      const response = await send(server.url, route.method, path, { headers: [auth()] });
      expect(response.status, route.id).toBe(200);
    }
    expect(calls.map((call) => call.route)).toEqual(API_ROUTES.map((route) => route.id));
  });

  it('writes a structured result: status, headers, cookies and a base64 body decoded', async () => {
    const bytes = Buffer.from([0, 1, 2, 250]);
    reply = () => ({
      statusCode: 202,
      headers: { 'Content-Type': 'application/octet-stream', 'X-Count': 3 },
      cookies: ['s=1; Path=/', 't=2'],
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });

    const response = await send(server.url, 'GET', '/v1/orgs', { headers: [auth()] });

    expect(response.status).toBe(202);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['x-count']).toBe('3');
    expect(response.headers['set-cookie']).toEqual(['s=1; Path=/', 't=2']);
    expect(response.body.equals(bytes)).toBe(true);
  });

  it('maps a plain result like payload format 2.0: an object as JSON, a string as the body, both 200', async () => {
    reply = () => ({ items: [{ name: 'acme' }] });
    const object = await send(server.url, 'GET', '/v1/orgs', { headers: [auth()] });
    reply = () => 'hello';
    const text = await send(server.url, 'GET', '/v1/orgs', { headers: [auth()] });

    expect(object.status).toBe(200);
    expect(object.headers['content-type']).toBe('application/json');
    expect(object.json()).toEqual({ items: [{ name: 'acme' }] });
    expect(text.status).toBe(200);
    expect(text.body.toString()).toBe('hello');
  });

  it('answers 500 Internal Server Error when the function throws or returns a malformed result', async () => {
    reply = () => {
      throw new Error('boom');
    };
    const thrown = await send(server.url, 'GET', '/v1/orgs', { headers: [auth()] });
    reply = () => ({ statusCode: 'two hundred' });
    const malformed = await send(server.url, 'GET', '/v1/orgs', { headers: [auth()] });

    for (const response of [thrown, malformed]) {
      expect(response.status).toBe(500);
      expect(response.json()).toEqual({ message: 'Internal Server Error' });
    }
    expect(failures).toContain('GET /v1/orgs: Error: boom');
  });

  it('serves local-only routes, here without a token', async () => {
    const response = await send(server.url, 'POST', '/local/faults', {
      body: '{"phase":"ansible","count":1}',
    });

    expect(response.status).toBe(200);
    const { event, route } = onlyCall();
    expect(route).toBe('local-faults');
    expect(event.routeKey).toBe('POST /local/faults');
    expect(event.body).toBe('{"phase":"ansible","count":1}');
  });

  it("refuses a body over API Gateway's 10 MB limit with 413 and never calls the function", async () => {
    const response = await send(server.url, 'PUT', '/v1/orgs/acme', {
      headers: [auth()],
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61),
    });

    expect(response.status).toBe(413);
    expect(response.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(calls).toHaveLength(0);
  });
});

describe('local HTTP API server limits', () => {
  it('accepts a body of exactly the limit and refuses one byte more, also when it is chunked', async () => {
    const seen: number[] = [];
    const server = await startApiServer({
      verifyToken: async () => ({ sub: 'x' }),
      resolveHandler: () => async (event) => {
        seen.push((event.body ?? '').length);
        return { statusCode: 204 };
      },
      maxBodyBytes: 1024,
    });
    try {
      const atLimit = await send(server.url, 'PUT', '/v1/orgs/acme', {
        headers: [['Authorization', 'Bearer t']],
        body: 'a'.repeat(1024),
      });
      const over = await send(server.url, 'PUT', '/v1/orgs/acme', {
        headers: [
          ['Authorization', 'Bearer t'],
          ['Transfer-Encoding', 'chunked'],
        ],
        body: 'a'.repeat(1025),
      });

      expect(atLimit.status).toBe(204);
      expect(over.status).toBe(413);
      expect(seen).toEqual([1024]);
    } finally {
      await server.close();
    }
  });

  it('answers 503 when the function runs past the integration timeout', async () => {
    const server = await startApiServer({
      verifyToken: async () => ({ sub: 'x' }),
      resolveHandler: () => () =>
        new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 500)),
      timeoutMs: 50,
    });
    try {
      const response = await send(server.url, 'GET', '/v1/orgs', {
        headers: [['Authorization', 'Bearer t']],
      });
      expect(response.status).toBe(503);
      expect(response.json()).toEqual({ message: 'Service Unavailable' });
    } finally {
      await server.close();
    }
  });

  it('answers 503, not 500, when a middy function would stop itself at its deadline', async () => {
    const errors: string[] = [];
    // middy stops a handler just before its context's deadline (a TimeoutError, a 500 deployed):
    // the gateway's own timeout must win, as it does in front of a deployed function.
    const slow = middy(() => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 2_000)));
    const server = await startApiServer({
      verifyToken: async () => ({ sub: 'x' }),
      resolveHandler: () => (event, context) => slow(event, context),
      timeoutMs: 100,
      onError: (error) => errors.push(String(error)),
    });
    try {
      const response = await send(server.url, 'GET', '/v1/orgs', {
        headers: [['Authorization', 'Bearer t']],
      });
      expect(response.status).toBe(503);
      expect(errors).toEqual([expect.stringContaining('ran past the 100 ms integration timeout')]);
    } finally {
      await server.close();
    }
  });

  it('refuses to start when a route has no handler', async () => {
    await expect(
      startApiServer({
        verifyToken: async () => ({}),
        routes: [{ ...firstRoute(), handler: 'api/does-not-exist' }],
      }),
    ).rejects.toThrow();
  });
});

function firstRoute(): ApiRoute {
  const [route] = API_ROUTES;
  if (!route) throw new Error('empty route table');
  return route;
}

function otherToken() {
  return signLocalToken(OTHER_KEY, { subject: 'mallory', role: 'platform-admin', organizations: [] });
}

function expiredToken() {
  return signLocalToken(KEY, {
    subject: 'alice',
    role: 'org-admin',
    organizations: ['acme'],
    ttlSeconds: 60,
    now: new Date(Date.now() - 3_600_000),
  });
}

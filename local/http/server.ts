/**
 * The HTTP API on one machine: a node:http server on 127.0.0.1 that does what API Gateway does
 * in front of the route functions — match the route (unknown → 404 `{"message":"Not Found"}`),
 * refuse bodies over the gateway's 10 MB limit (413), verify the bearer token like the JWT
 * authorizer (missing, invalid or expired → 401 `{"message":"Unauthorized"}`, the function is
 * never called), build the payload-2.0 event and write the function's result back. A function
 * that throws is the gateway's 500; one that runs past the integration timeout, its 503.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { API_ROUTES, type ApiRoute } from '../../functions/handlers/api/routes.js';
import type { JwtClaims, TokenVerifier } from '../auth/tokens.js';
import { type ApiEvent, newRequestId, toApiGatewayEvent } from './event.js';
import { importRouteHandler } from './handlers.js';
import { localLambdaContext } from './lambda-context.js';
import { gatewayMessage, type HttpReply, INTERNAL_ERROR, toHttpReply } from './result.js';
import { RouteTable } from './route-table.js';

export type RouteHandler = (event: ApiEvent, context: Context) => Promise<unknown>;

/** A route that exists only locally (e.g. `POST /local/faults`); never part of the deployed API. */
export interface LocalRoute {
  readonly handler: RouteHandler;
  /** `jwt` (default): the same bearer token check as every API route; `none`: open. */
  readonly authorization?: 'jwt' | 'none';
}

/** API Gateway's payload limit (10 MB). The API's own 64 KiB limit is the handlers' to enforce. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's maximum integration timeout for HTTP APIs. */
export const GATEWAY_TIMEOUT_MS = 30_000;
/**
 * How much longer than the integration timeout a function's context says it may run. The route
 * functions stop themselves a few milliseconds before their context's deadline (middy's early
 * timeout, a 500); with the same deadline as the gateway's timer, a slow request got a 500 or a
 * 503 depending on which timer fired first. Deployed, a request that outlives the integration is
 * the gateway's 503 while the function keeps running: so it is here, always.
 */
const FUNCTION_DEADLINE_MARGIN_MS = 1_000;

export interface AccessLogEntry {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly routeKey: string | undefined;
  readonly status: number;
  readonly durationMs: number;
}

export interface ApiServerOptions {
  readonly verifyToken: TokenVerifier;
  /** Defaults to the API's route table. */
  readonly routes?: readonly ApiRoute[];
  /** Defaults to importing `functions/handlers/<route.handler>.ts` (see handlers.ts). */
  readonly resolveHandler?: (route: ApiRoute) => RouteHandler | Promise<RouteHandler>;
  /** Extra routes by route key, e.g. `{ 'POST /local/faults': { handler } }`. */
  readonly localRoutes?: Readonly<Record<string, RouteHandler | LocalRoute>>;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Defaults to 127.0.0.1: the local API is never exposed beyond the machine by default. */
  readonly host?: string;
  readonly maxBodyBytes?: number;
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  readonly onAccess?: (entry: AccessLogEntry) => void;
  /** A function threw: name and message only (never the event, which carries the token). */
  readonly onError?: (error: unknown, routeKey: string) => void;
}

export interface ApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface Target {
  readonly handler: RouteHandler;
  readonly functionName: string;
  readonly authorization: 'jwt' | 'none';
}

const defaultOnError = (error: unknown, routeKey: string) => {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`slipway local api: ${routeKey} failed: ${text}\n`);
};

/** The token from `Authorization`; the authorizer strips an optional `Bearer ` prefix. */
function bearerToken(header: readonly string[] | undefined): string | undefined {
  const value = header?.length === 1 ? (header[0] ?? '').trim() : '';
  const token = /^bearer\s+/i.test(value) ? value.replace(/^bearer\s+/i, '') : value;
  return token === '' ? undefined : token;
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      // The response is written right away; Node discards the rest of the body.
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > limit ? 'too-large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T | 'timed-out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const resolveHandler = options.resolveHandler ?? importRouteHandler;
  const limit = options.maxBodyBytes ?? GATEWAY_MAX_BODY_BYTES;
  const timeoutMs = options.timeoutMs ?? GATEWAY_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? defaultOnError;

  // Every function is loaded before the server listens: a missing handler fails the start.
  const apiTargets = await Promise.all(
    (options.routes ?? API_ROUTES).map(async (route) => ({
      routeKey: `${route.method} ${route.path}`,
      target: {
        handler: await resolveHandler(route),
        functionName: `slipway-${route.id}`,
        authorization: 'jwt' as const,
      },
    })),
  );
  const localTargets = Object.entries(options.localRoutes ?? {}).map(([routeKey, local]) => {
    const route: LocalRoute = typeof local === 'function' ? { handler: local } : local;
    return {
      routeKey,
      target: {
        handler: route.handler,
        functionName: `slipway-local-${routeKey.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`,
        authorization: route.authorization ?? 'jwt',
      },
    };
  });
  const table = new RouteTable<Target>([...apiTargets, ...localTargets]);

  const serve = async (
    request: IncomingMessage,
    requestId: string,
  ): Promise<{ reply: HttpReply; routeKey?: string }> => {
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const body = await readBody(request, limit);
    if (body === 'too-large') return { reply: gatewayMessage(413, 'Request Entity Too Large') };
    const rawPath = url.split('?')[0] ?? '/';
    const match = table.match(method, rawPath);
    if (!match) return { reply: gatewayMessage(404, 'Not Found') };
    const { routeKey, target } = match;

    let claims: JwtClaims = {};
    if (target.authorization === 'jwt') {
      const token = bearerToken(request.headersDistinct.authorization);
      if (token === undefined) return { reply: gatewayMessage(401, 'Unauthorized'), routeKey };
      try {
        claims = await options.verifyToken(token);
      } catch {
        return { reply: gatewayMessage(401, 'Unauthorized'), routeKey };
      }
    }

    const event = toApiGatewayEvent(
      {
        method,
        url,
        headers: request.headersDistinct,
        body,
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        protocol: `HTTP/${request.httpVersion}`,
      },
      { routeKey, pathParameters: match.pathParameters, claims, requestId, now: now() },
    );
    try {
      const context = localLambdaContext(target.functionName, timeoutMs + FUNCTION_DEADLINE_MARGIN_MS);
      const result = await withTimeout(target.handler(event, context), timeoutMs);
      if (result === 'timed-out') {
        onError(
          new Error(`ran past the ${timeoutMs} ms integration timeout: answered 503, the function runs on`),
          routeKey,
        );
        return { reply: gatewayMessage(503, 'Service Unavailable'), routeKey };
      }
      return { reply: toHttpReply(result), routeKey };
    } catch (error) {
      onError(error, routeKey);
      return { reply: INTERNAL_ERROR(), routeKey };
    }
  };

  const respond = (response: ServerResponse, reply: HttpReply, requestId: string) => {
    response.writeHead(reply.statusCode, {
      ...reply.headers,
      'content-length': String(reply.body.length),
      'apigw-requestid': requestId,
    });
    response.end(reply.body);
  };

  const server = createServer((request, response) => {
    const started = Date.now();
    const requestId = newRequestId();
    serve(request, requestId)
      .catch((error: unknown) => {
        onError(error, `${request.method} ${request.url}`);
        return { reply: INTERNAL_ERROR(), routeKey: undefined };
      })
      .then(({ reply, routeKey }) => {
        respond(response, reply, requestId);
        options.onAccess?.({
          requestId,
          method: request.method ?? 'GET',
          path: (request.url ?? '/').split('?')[0] ?? '/',
          routeKey,
          status: reply.statusCode,
          durationMs: Date.now() - started,
        });
      });
  });

  // Idle sockets outlive a client's keep-alive (the CLI, the SDK, curl): with Node's 5 s default,
  // a client that reuses its socket just as the server drops it gets "socket hang up". Closing the
  // server still closes idle sockets at once.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

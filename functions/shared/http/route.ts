/**
 * One HTTP API route as a plain function: parse the event at the edge (caller, path, query, body,
 * Idempotency-Key), call the route's use case, map its result — and every refusal into the one
 * error shape. Route handlers under functions/handlers/api/ are this plus their use case.
 * Logs carry the route, status, duration and caller subject; never a body, a header or a token.
 */
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { contractOf } from '../../domain/api/contracts.js';
import { toApiError } from '../../domain/api/domain-errors.js';
import { ApiError, fieldIssue, validationFailed } from '../../domain/api/error-codes.js';
import { IdempotencyKey, ListQuery } from '../../domain/api/schemas.js';
import type { Caller } from '../../domain/authorization.js';
import type { PageOptions } from '../../domain/use-cases/ports.js';
import { API_ROUTES } from '../../handlers/api/routes.js';
import type { Observability } from '../observability.js';
import { callerFromClaims } from './claims.js';
import { type HttpRequest, parseHttpEvent, readJsonBody } from './event.js';
import type { Idempotency } from './idempotency.js';
import { errorResponse, type HttpResult, jsonResponse } from './response.js';

/** What the edge itself needs; each route adds the use case's deps (functions/handlers/api/*). */
export interface EdgeDeps extends Observability {
  /** Idempotent routes only; absent, an Idempotency-Key header is a 500 (a deployment fault). */
  readonly idempotency?: Idempotency;
}

export interface RouteInput<P> {
  readonly caller: Caller;
  readonly params: P;
  readonly page: PageOptions;
  /** The parsed JSON body (null on routes without one). */
  readonly body: unknown;
}

export interface RouteResult {
  readonly status: number;
  readonly body: unknown;
}

export interface RouteDefinition<P> {
  /** The route's id in functions/handlers/api/routes.ts. */
  readonly id: string;
  /** Schema of the path parameters: the one of the route's contract (checked), typed. */
  readonly params: z.ZodMiniType<P>;
  readonly handle: (input: RouteInput<P>) => Promise<RouteResult>;
}

export type ApiHandler = (event: unknown, context?: Context) => Promise<HttpResult>;

function issuesOf(error: z.core.$ZodError, where?: string) {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => fieldIssue(key, `is not a known ${where ?? 'field'}`));
    }
    const field = issue.path.map(String).join('.') || (where ?? 'request');
    const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
    return [fieldIssue(field, missing ? 'is required' : issue.message)];
  });
}

function parseOrRefuse<T>(schema: z.ZodMiniType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationFailed(issuesOf(parsed.error, where), `the ${where}`);
  return parsed.data;
}

function pageOf(request: HttpRequest, paginated: boolean): PageOptions {
  if (!paginated) {
    const names = Object.keys(request.query);
    if (names.length > 0) {
      throw validationFailed(names.map((name) => fieldIssue(name, 'is not a known query parameter')));
    }
    return {};
  }
  const query = parseOrRefuse(ListQuery, request.query, 'query parameter');
  return {
    ...(query.limit !== undefined ? { limit: Number(query.limit) } : {}),
    ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
  };
}

export function makeRoute<P>(definition: RouteDefinition<P>, deps: EdgeDeps): ApiHandler {
  const route = API_ROUTES.find((candidate) => candidate.id === definition.id);
  if (!route) throw new Error(`route ${definition.id} is not in functions/handlers/api/routes.ts`);
  const contract = contractOf(route.id);
  if (contract.params !== definition.params) {
    throw new Error(`route ${route.id}: its path schema is not the one its contract documents`);
  }
  const expectsBody = route.method === 'PUT' || route.method === 'POST';

  return async (event, context) => {
    const started = Date.now();
    let subject: string | undefined;
    let result: HttpResult;
    try {
      const request = parseHttpEvent(event);
      const caller = callerFromClaims(request.claims);
      subject = caller.subject;
      const body = readJsonBody(request, expectsBody);
      const params = parseOrRefuse(definition.params, request.pathParameters, 'path parameter');
      const page = pageOf(request, contract.paginated ?? false);
      const execute = async (): Promise<HttpResult> => {
        try {
          const outcome = await definition.handle({ caller, params, page, body });
          return jsonResponse(outcome.status, outcome.body);
        } catch (error) {
          const refusal = toApiError(error);
          if (!refusal) throw error;
          return errorResponse(refusal);
        }
      };
      const key = request.headers['idempotency-key'];
      if (key !== undefined && route.idempotent) {
        const idempotencyKey = parseOrRefuse(IdempotencyKey, key, 'Idempotency-Key');
        if (!deps.idempotency) {
          throw new ApiError(
            'internal',
            'Idempotency-Key is not available: no idempotency table is configured',
          );
        }
        result = await deps.idempotency.run(
          { method: request.method, path: request.path, subject: caller.subject, key: idempotencyKey, body },
          execute,
          context,
        );
      } else {
        result = await execute();
      }
    } catch (error) {
      const refusal = toApiError(error);
      if (refusal) {
        result = errorResponse(refusal);
      } else {
        deps.logger?.warn('request failed', {
          route: route.id,
          errorName: error instanceof Error ? error.name : typeof error,
          errorMessage: error instanceof Error ? error.message : String(error),
        });
        result = errorResponse(new ApiError('internal', 'internal error: the request was not completed'));
      }
    }
    deps.logger?.info('request', {
      route: route.id,
      status: result.statusCode,
      durationMs: Date.now() - started,
      ...(subject ? { subject } : {}),
    });
    deps.metrics?.addMetric(
      result.statusCode >= 500 ? 'Api5xx' : result.statusCode >= 400 ? 'Api4xx' : 'Api2xx',
      'Count',
      1,
    );
    return result;
  };
}

/**
 * What the two cluster-facing hooks (Argo CD, Alertmanager) share: the token check BEFORE the body
 * is read (the environment's derived token, constant time, current and previous secret), the body
 * limits, and answers a cluster's retry logic understands — 4xx when the same request can never
 * succeed (bad token, foreign event, malformed body: nothing recorded), 503 only when a retry could
 * (a secret or the state table unavailable). The event-specific part is the `handle` callback.
 */
import type { Repository } from '../../adapters/dynamodb/repository.js';
import { type HookSecrets, verifierFor } from '../../adapters/secrets/hook-secrets.js';
import {
  type AlertDeliveryDeps,
  type DeliverAlertResult,
  deliverAlerts,
} from '../../adapters/sns/alert-delivery.js';
import { MAX_BODY_BYTES } from '../../domain/api/schemas.js';
import { EnvironmentName, OrganizationName } from '../../domain/environment-spec.js';
import { TransientStoreError } from '../../domain/errors.js';
import {
  type ClusterHookSource,
  environmentTokenSubject,
  hookTokenMatches,
  presentedToken,
  type TokenCarrier,
} from '../../domain/hook-token.js';
import type { EnvironmentRecord } from '../../domain/records.js';
import { type ClusterEventPorts, ForeignClusterEventError } from '../../domain/use-cases/cluster-events.js';
import { parseHttpEvent } from '../../shared/http/event.js';
import { type HttpResult, jsonResponse } from '../../shared/http/response.js';
import type { Observability } from '../../shared/observability.js';

export interface ClusterHookDeps extends AlertDeliveryDeps, Observability {
  readonly repository: AlertDeliveryDeps['repository'] &
    Pick<Repository, 'getEnvironment' | 'recordClusterStatus'>;
  readonly secrets: HookSecrets;
}

export type HookHandler = (event: unknown) => Promise<HttpResult>;

/** A refusal or answer of a hook, with the metric it counts under. */
export class HookAnswer extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly metric?: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HookAnswer';
  }
}

const answer = (status: number, code: string, message: string, field?: string) =>
  jsonResponse(status, {
    error: { code, message, details: field ? [{ field, message }] : {} },
  });

export interface ClusterHookDefinition {
  readonly source: ClusterHookSource;
  readonly carrier: TokenCarrier;
  /** Parses the body and calls the use case; answers the 2xx body. Throw HookAnswer to refuse. */
  readonly handle: (input: {
    readonly organization: string;
    readonly environment: EnvironmentRecord;
    readonly body: unknown;
  }) => Promise<object>;
  /**
   * A shared cluster's hook: every namespace the body is about (throws a 400 HookAnswer when the
   * body is malformed), so the event is routed to the tenant owning them before `handle` runs.
   */
  readonly namespacesOf: (body: unknown) => readonly string[];
  /** The body as the tenant's own hook would have received it (the cluster's notification context replaced). */
  readonly forTenant?: (body: unknown, cluster: string, organization: string, environment: string) => unknown;
}

/** The cluster-event use cases' ports over the hook's adapters. */
export const clusterEventPorts = (deps: ClusterHookDeps): ClusterEventPorts<DeliverAlertResult> => ({
  recordClusterStatus: (organization, environment, patch) =>
    deps.repository.recordClusterStatus(organization, environment, patch),
  deliver: (alerts) => deliverAlerts(deps, alerts),
  countUnrouted: (count) => deps.metrics?.addMetric('UnroutedClusterEvents', 'Count', count),
});

export function makeClusterHook(definition: ClusterHookDefinition, deps: ClusterHookDeps): HookHandler {
  const verify = verifierFor(deps.secrets);
  return answering(definition.source, deps, async (event) => {
    const request = parseHttpEvent(event);
    const organization = OrganizationName.safeParse(request.pathParameters.org);
    const environmentName = EnvironmentName.safeParse(request.pathParameters.env);
    // Nothing is derived for a name no environment can have; it answers like a wrong token.
    const token = presentedToken(request.headers, definition.carrier);
    if (!organization.success || !environmentName.success) throw refusedToken('environment');
    const subject = environmentTokenSubject(organization.data, environmentName.data);
    const accepted = await verify(definition.source, (secrets) => hookTokenMatches(token, secrets, subject));
    if (!accepted) throw refusedToken('environment');
    const body = readBody(request.body);
    const environment = await deps.repository.getEnvironment(organization.data, environmentName.data);
    if (!environment || environment.status === 'DELETED') {
      throw new HookAnswer(404, 'not-found', `environment ${subject} does not exist`, 'HookRefused');
    }
    return jsonResponse(202, await definition.handle({ organization: organization.data, environment, body }));
  });
}

export const refusedToken = (owner: 'environment' | 'cluster') =>
  new HookAnswer(401, 'unauthorized', `the hook token is missing or not this ${owner}’s`, 'HookRefused');

/** The body, read only once the token was accepted: bounded, UTF-8 JSON. */
export function readBody(raw: Uint8Array | undefined): unknown {
  const size = raw?.length ?? 0;
  if (size > MAX_BODY_BYTES) {
    throw new HookAnswer(
      413,
      'payload.too-large',
      `body: ${size} bytes is over the limit of ${MAX_BODY_BYTES} bytes`,
      undefined,
      'body',
    );
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw ?? new Uint8Array()));
  } catch {
    throw new HookAnswer(400, 'validation.failed', 'body: is not valid UTF-8 JSON', 'HookMalformed', 'body');
  }
}

/**
 * A hook's answer to every outcome: a HookAnswer as its status (counted under its metric), a
 * foreign cluster event 403, a transient failure 503 (a retry could succeed), anything else 500; 5xx counted as `Hook5xx`.
 */
export function answering(
  source: ClusterHookSource,
  deps: Observability,
  serve: (event: unknown) => Promise<HttpResult>,
): HookHandler {
  const count = (metric: string) => deps.metrics?.addMetric(metric, 'Count', 1);
  return async (event) => {
    let result: HttpResult;
    try {
      result = await serve(event);
    } catch (error) {
      if (error instanceof HookAnswer) {
        if (error.metric) count(error.metric);
        result = answer(error.status, error.code, error.message, error.field);
      } else if (error instanceof ForeignClusterEventError) {
        // Another tenant's namespace or Application: the same report can never be accepted.
        count('ClusterEventsForeign');
        result = answer(403, 'forbidden', error.message);
      } else {
        const transient =
          error instanceof TransientStoreError ||
          (error instanceof Error && error.name === 'GetParameterError');
        deps.logger?.warn('hook failed', {
          source,
          errorName: error instanceof Error ? error.name : typeof error,
          errorMessage: error instanceof Error ? error.message : String(error),
        });
        result = transient
          ? answer(503, 'unavailable', 'temporarily unavailable: retry')
          : answer(500, 'internal', 'internal error: the event was not recorded');
      }
    }
    if (result.statusCode >= 500) count('Hook5xx');
    deps.logger?.info('hook', { source, status: result.statusCode });
    return result;
  };
}

/** A hook's body parsed by its schema, or the 400 naming the first field that fails. */
export function parseHookBody<T>(
  schema: {
    safeParse(input: unknown):
      | { success: true; data: T }
      | {
          success: false;
          error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> };
        };
  },
  body: unknown,
): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw firstIssue(parsed.error.issues);
  return parsed.data;
}

/** A zod issue list as the one `body.<path>` field a refusal names. */
export function firstIssue(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): HookAnswer {
  const [issue] = issues;
  const field = ['body', ...(issue?.path ?? []).map(String)].join('.');
  return new HookAnswer(
    400,
    'validation.failed',
    `${field}: ${issue?.message ?? 'is invalid'}`,
    'HookMalformed',
    field,
  );
}

/**
 * POST /v1/hooks/argocd/{org}/{env} — Argo CD notifications of that environment's cluster. The
 * token (X-Slipway-Token, or Basic auth with the token as password) is checked before anything
 * else; an event about an Application or namespace that is not this environment's is refused
 * (403, counted as `ClusterEventsForeign`); one that names nothing known is recorded as unrouted
 * (`UnroutedClusterEvents`). Otherwise the Application's sync and health status is recorded on
 * the environment and its alerts are delivered. The routing and recording rules are the use case's
 * (functions/domain/use-cases/cluster-events.ts); this handler checks, parses and answers.
 */
import { CLUSTER_ORGANIZATION } from '../../domain/cluster.js';
import { ArgoNotification } from '../../domain/cluster-event-argocd.js';
import { recordArgoNotification } from '../../domain/use-cases/cluster-events.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import {
  type ClusterHookDefinition,
  type ClusterHookDeps,
  clusterEventPorts,
  type HookHandler,
  makeClusterHook,
  parseHookBody,
} from './cluster-hook.js';
import { lambdaHookDeps } from './lambda-hook-deps.js';
import { makeSharedClusterHook, type SharedClusterHookDeps } from './shared-cluster-hook.js';

const parseNotification = (body: unknown): ArgoNotification => parseHookBody(ArgoNotification, body);

/** What the environment's hook and a shared cluster's hook both do with one notification. */
const argocdHook = (deps: ClusterHookDeps): ClusterHookDefinition => {
  const ports = clusterEventPorts(deps);
  return {
    source: 'argocd',
    carrier: 'x-slipway-token-or-basic',
    namespacesOf: (body) => {
      const namespace = parseNotification(body).namespace;
      return namespace ? [namespace] : [];
    },
    // A shared cluster's notification context names the cluster (`cluster`/<name>): once routed,
    // the event is the tenant's. Any other context is left as sent, and refused below as foreign.
    forTenant: (body, cluster, organization, environment) => {
      const event = parseNotification(body);
      const fromCluster =
        (event.organization == null || event.organization === CLUSTER_ORGANIZATION) &&
        (event.environment == null || event.environment === cluster);
      return fromCluster ? { ...event, organization, environment } : event;
    },
    handle: ({ organization, environment, body }) =>
      recordArgoNotification(ports, {
        organization,
        environment,
        report: parseNotification(body),
        now: (deps.now ?? (() => new Date()))().toISOString(),
      }),
  };
};

export const makeArgocdHook = (deps: ClusterHookDeps): HookHandler => makeClusterHook(argocdHook(deps), deps);

/** POST /v1/clusters/{cluster}/hooks/argocd: routed to the tenant, then handled as above. */
export const makeSharedClusterArgocdHook = (deps: SharedClusterHookDeps): HookHandler =>
  makeSharedClusterHook(argocdHook(deps), deps);

export const handler = apiLambdaHandler(() => makeArgocdHook(lambdaHookDeps()));

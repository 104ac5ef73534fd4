/**
 * POST /v1/hooks/argocd/{org}/{env} — Argo CD notifications of that environment's cluster. The
 * token (X-Slipway-Token, or Basic auth with the token as password) is checked before anything
 * else; an event about an Application or namespace that is not this environment's is refused
 * (403, counted as `ClusterEventsForeign`); one that names nothing known is recorded as unrouted
 * (`UnroutedClusterEvents`). Otherwise the Application's sync and health status is recorded on
 * the environment and its alerts are delivered (functions/domain/cluster-event-argocd.ts).
 */
import { deliverAlerts } from '../../adapters/sns/alert-delivery.js';
import { CLUSTER_ORGANIZATION } from '../../domain/cluster.js';
import { routeArgoEvent, tenantScope } from '../../domain/cluster-event.js';
import { ArgoNotification, applyArgoEvent } from '../../domain/cluster-event-argocd.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import {
  type ClusterHookDefinition,
  type ClusterHookDeps,
  HookAnswer,
  type HookHandler,
  makeClusterHook,
  parseHookBody,
} from './cluster-hook.js';
import { lambdaHookDeps } from './lambda-hook-deps.js';
import { makeSharedClusterHook, type SharedClusterHookDeps } from './shared-cluster-hook.js';

const parseNotification = (body: unknown): ArgoNotification => parseHookBody(ArgoNotification, body);

/** What the environment's hook and a shared cluster's hook both do with one notification. */
const argocdHook = (deps: ClusterHookDeps): ClusterHookDefinition => ({
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
  async handle({ organization, environment, body }) {
    const event = parseNotification(body);
    const now = (deps.now ?? (() => new Date()))().toISOString();
    const scope = tenantScope(organization, environment.environment, environment.spec);
    const route = routeArgoEvent(scope, event);
    if (route === 'foreign') {
      throw new HookAnswer(
        403,
        'forbidden',
        `application ${event.app} (namespace ${event.namespace ?? 'none'}) is not one of ${organization}/${environment.environment}`,
        'ClusterEventsForeign',
      );
    }
    if (route === 'unknown') {
      deps.metrics?.addMetric('UnroutedClusterEvents', 'Count', 1);
      await deps.repository.recordClusterStatus(organization, environment.environment, {
        unrouted: {
          [`argocd:${event.app}`]: {
            source: 'argocd',
            application: event.app,
            ...(event.namespace ? { namespace: event.namespace } : {}),
            reason: 'no namespace of this environment is named like the application',
            receivedAt: now,
          },
        },
      });
      return { accepted: 0, unrouted: 1, alerts: [] };
    }
    const outcome = applyArgoEvent(environment.cluster?.applications[event.app], event, {
      organization,
      environment: environment.environment,
      ...(environment.tier ? { tier: environment.tier } : {}),
      now,
    });
    // Recorded before the alerts go out: GET shows what the alert says.
    await deps.repository.recordClusterStatus(organization, environment.environment, {
      applications: { [event.app]: outcome.status },
    });
    const delivered = await deliverAlerts(deps, outcome.alerts);
    return { accepted: 1, unrouted: 0, alerts: delivered };
  },
});

export const makeArgocdHook = (deps: ClusterHookDeps): HookHandler => makeClusterHook(argocdHook(deps), deps);

/** POST /v1/clusters/{cluster}/hooks/argocd: routed to the tenant, then handled as above. */
export const makeSharedClusterArgocdHook = (deps: SharedClusterHookDeps): HookHandler =>
  makeSharedClusterHook(argocdHook(deps), deps);

export const handler = apiLambdaHandler(() => makeArgocdHook(lambdaHookDeps()));

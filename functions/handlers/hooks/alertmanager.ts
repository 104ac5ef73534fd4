/**
 * POST /v1/hooks/alertmanager/{org}/{env} — Alertmanager (webhook payload version 4) of that
 * environment's cluster, with the environment's bearer token, checked before anything else. Each
 * quota or crash-loop alert about one of the environment's namespaces is recorded on the
 * environment (firing, then resolved) and delivered once per fingerprint and `startsAt`; one about
 * a namespace the environment does not declare is recorded as unrouted and counted; one about
 * another tenant's namespace refuses the whole payload (403), nothing recorded. Alertmanager
 * retries on 5xx: those are answered only when a retry could succeed; a malformed payload is 400.
 */
import { deliverAlerts } from '../../adapters/sns/alert-delivery.js';
import { routeNamespace, tenantScope } from '../../domain/cluster-event.js';
import {
  AlertmanagerPayload,
  fromAlertmanagerAlert,
  isHandledAlert,
} from '../../domain/cluster-event-alertmanager.js';
import type { ClusterAlertStatus, UnroutedEvent } from '../../domain/cluster-event-status.js';
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

const parsePayload = (body: unknown): AlertmanagerPayload => parseHookBody(AlertmanagerPayload, body);

/** What the environment's hook and a shared cluster's hook both do with one payload. */
const alertmanagerHook = (deps: ClusterHookDeps): ClusterHookDefinition => ({
  source: 'alertmanager',
  carrier: 'bearer',
  // Only the alerts this hook handles are routed; a namespace-less alert routes nowhere.
  namespacesOf: (body) => [
    ...new Set(
      parsePayload(body)
        .alerts.filter(isHandledAlert)
        .flatMap((alert) => (alert.labels.namespace ? [alert.labels.namespace] : [])),
    ),
  ],
  async handle({ organization, environment, body }) {
    const payload = parsePayload(body);
    const now = (deps.now ?? (() => new Date()))().toISOString();
    const scope = tenantScope(organization, environment.environment, environment.spec);
    const handled = payload.alerts.filter(isHandledAlert);
    // Every alert is routed before anything is written: one foreign alert refuses them all.
    const routes = handled.map((alert) => ({
      alert,
      route: routeNamespace(scope, alert.labels.namespace),
    }));
    const foreign = routes.find(({ route }) => route === 'foreign');
    if (foreign) {
      throw new HookAnswer(
        403,
        'forbidden',
        `namespace ${foreign.alert.labels.namespace} is not one of ${organization}/${environment.environment}`,
        'ClusterEventsForeign',
      );
    }
    const alerts: Record<string, ClusterAlertStatus> = {};
    const unrouted: Record<string, UnroutedEvent> = {};
    const outgoing = [];
    for (const { alert, route } of routes) {
      if (route !== 'tenant') {
        unrouted[`alertmanager:${alert.fingerprint}`] = {
          source: 'alertmanager',
          ...(alert.labels.namespace ? { namespace: alert.labels.namespace } : {}),
          ...(alert.labels.alertname ? { alertname: alert.labels.alertname } : {}),
          reason: alert.labels.namespace
            ? 'the namespace is not one this environment declares'
            : 'the alert names no namespace',
          receivedAt: now,
        };
        continue;
      }
      const outcome = fromAlertmanagerAlert(alert, {
        organization,
        environment: environment.environment,
        ...(environment.tier ? { tier: environment.tier } : {}),
        now,
      });
      alerts[alert.fingerprint] = outcome.status;
      outgoing.push(outcome.alert);
    }
    const unroutedCount = Object.keys(unrouted).length;
    if (unroutedCount > 0) deps.metrics?.addMetric('UnroutedClusterEvents', 'Count', unroutedCount);
    // Recorded before the alerts go out: GET shows what the alert says.
    await deps.repository.recordClusterStatus(organization, environment.environment, {
      alerts,
      unrouted,
    });
    const delivered = await deliverAlerts(deps, outgoing);
    return {
      accepted: outgoing.length,
      unrouted: unroutedCount,
      ignored: payload.alerts.length - handled.length,
      alerts: delivered,
    };
  },
});

export const makeAlertmanagerHook = (deps: ClusterHookDeps): HookHandler =>
  makeClusterHook(alertmanagerHook(deps), deps);

/** POST /v1/clusters/{cluster}/hooks/alertmanager: routed to the tenant, then handled as above. */
export const makeSharedClusterAlertmanagerHook = (deps: SharedClusterHookDeps): HookHandler =>
  makeSharedClusterHook(alertmanagerHook(deps), deps);

export const handler = apiLambdaHandler(() => makeAlertmanagerHook(lambdaHookDeps()));

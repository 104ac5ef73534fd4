/**
 * POST /v1/hooks/alertmanager/{org}/{env} — Alertmanager (webhook payload version 4) of that
 * environment's cluster, with the environment's bearer token, checked before anything else. Each
 * quota or crash-loop alert about one of the environment's namespaces is recorded on the
 * environment (firing, then resolved) and delivered once per fingerprint and `startsAt`; one about
 * a namespace the environment does not declare is recorded as unrouted and counted; one about
 * another tenant's namespace refuses the whole payload (403), nothing recorded. Alertmanager
 * retries on 5xx: those are answered only when a retry could succeed; a malformed payload is 400.
 * The routing and recording rules are the use case's (functions/domain/use-cases/cluster-events.ts).
 */
import { AlertmanagerPayload, isHandledAlert } from '../../domain/cluster-event-alertmanager.js';
import { recordAlertmanagerPayload } from '../../domain/use-cases/cluster-events.js';
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

const parsePayload = (body: unknown): AlertmanagerPayload => parseHookBody(AlertmanagerPayload, body);

/** What the environment's hook and a shared cluster's hook both do with one payload. */
const alertmanagerHook = (deps: ClusterHookDeps): ClusterHookDefinition => {
  const ports = clusterEventPorts(deps);
  return {
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
    handle: ({ organization, environment, body }) =>
      recordAlertmanagerPayload(ports, {
        organization,
        environment,
        report: parsePayload(body),
        now: (deps.now ?? (() => new Date()))().toISOString(),
      }),
  };
};

export const makeAlertmanagerHook = (deps: ClusterHookDeps): HookHandler =>
  makeClusterHook(alertmanagerHook(deps), deps);

/** POST /v1/clusters/{cluster}/hooks/alertmanager: routed to the tenant, then handled as above. */
export const makeSharedClusterAlertmanagerHook = (deps: SharedClusterHookDeps): HookHandler =>
  makeSharedClusterHook(alertmanagerHook(deps), deps);

export const handler = apiLambdaHandler(() => makeAlertmanagerHook(lambdaHookDeps()));

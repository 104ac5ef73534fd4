/**
 * What a cluster's report does to one environment: an Argo CD notification or an Alertmanager
 * payload, already authenticated and parsed by the hook (functions/handlers/hooks), is routed by
 * namespace, recorded on the environment, and its alerts delivered. The routing rules live here,
 * not in the handlers, so the environment's own hook and a shared cluster's hook (which first
 * finds the tenant) apply the same ones:
 *
 * - an event about another tenant's namespace or Application refuses the whole report
 *   (ForeignClusterEventError), nothing recorded;
 * - one that names nothing of this environment is recorded as unrouted and counted;
 * - the rest is recorded BEFORE its alerts go out, so GET shows what an alert says.
 */
import type { Alert } from '../alert.js';
import { routeArgoEvent, routeNamespace, tenantScope } from '../cluster-event.js';
import {
  type AlertmanagerPayload,
  fromAlertmanagerAlert,
  isHandledAlert,
} from '../cluster-event-alertmanager.js';
import { type ArgoNotification, applyArgoEvent } from '../cluster-event-argocd.js';
import type { ClusterAlertStatus, ClusterStatusPatch, UnroutedEvent } from '../cluster-event-status.js';
import { SlipwayError } from '../errors.js';
import type { EnvironmentRecord } from '../records.js';

/** A report about a namespace or Application that belongs to someone else: refused whole. */
export class ForeignClusterEventError extends SlipwayError {
  constructor(message: string) {
    super(message);
    this.name = 'ForeignClusterEventError';
  }
}

export interface ClusterEventPorts<Delivered> {
  readonly recordClusterStatus: (
    organization: string,
    environment: string,
    patch: ClusterStatusPatch,
  ) => Promise<void>;
  /** Records and publishes the alerts, in order (functions/adapters/sns/alert-delivery.ts). */
  readonly deliver: (alerts: readonly Alert[]) => Promise<Delivered[]>;
  /** Counts the events that routed nowhere (the `UnroutedClusterEvents` metric). */
  readonly countUnrouted?: (count: number) => void;
}

export interface ClusterEventInput<Report> {
  readonly organization: string;
  readonly environment: EnvironmentRecord;
  readonly report: Report;
  readonly now: string;
}

export interface ClusterEventOutcome<Delivered> {
  /** Events recorded on the environment (and alerted on where they raise an alert). */
  readonly accepted: number;
  readonly unrouted: number;
  readonly alerts: Delivered[];
}

const contextOf = (input: ClusterEventInput<unknown>) => ({
  organization: input.organization,
  environment: input.environment.environment,
  ...(input.environment.tier ? { tier: input.environment.tier } : {}),
  now: input.now,
});

/** One Argo CD notification about an Application of the environment's cluster. */
export async function recordArgoNotification<Delivered>(
  ports: ClusterEventPorts<Delivered>,
  input: ClusterEventInput<ArgoNotification>,
): Promise<ClusterEventOutcome<Delivered>> {
  const { organization, environment, report: event, now } = input;
  const route = routeArgoEvent(tenantScope(organization, environment.environment, environment.spec), event);
  if (route === 'foreign') {
    throw new ForeignClusterEventError(
      `application ${event.app} (namespace ${event.namespace ?? 'none'}) is not one of ${organization}/${environment.environment}`,
    );
  }
  if (route === 'unknown') {
    ports.countUnrouted?.(1);
    await ports.recordClusterStatus(organization, environment.environment, {
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
  const outcome = applyArgoEvent(environment.cluster?.applications[event.app], event, contextOf(input));
  await ports.recordClusterStatus(organization, environment.environment, {
    applications: { [event.app]: outcome.status },
  });
  return { accepted: 1, unrouted: 0, alerts: await ports.deliver(outcome.alerts) };
}

/** One Alertmanager payload: the alerts Slipway handles (quota, crash loop), each routed by namespace. */
export async function recordAlertmanagerPayload<Delivered>(
  ports: ClusterEventPorts<Delivered>,
  input: ClusterEventInput<AlertmanagerPayload>,
): Promise<ClusterEventOutcome<Delivered> & { readonly ignored: number }> {
  const { organization, environment, report: payload, now } = input;
  const scope = tenantScope(organization, environment.environment, environment.spec);
  const handled = payload.alerts.filter(isHandledAlert);
  // Every alert is routed before anything is written: one foreign alert refuses them all.
  const routes = handled.map((alert) => ({ alert, route: routeNamespace(scope, alert.labels.namespace) }));
  const foreign = routes.find(({ route }) => route === 'foreign');
  if (foreign) {
    throw new ForeignClusterEventError(
      `namespace ${foreign.alert.labels.namespace} is not one of ${organization}/${environment.environment}`,
    );
  }
  const alerts: Record<string, ClusterAlertStatus> = {};
  const unrouted: Record<string, UnroutedEvent> = {};
  const outgoing: Alert[] = [];
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
    const outcome = fromAlertmanagerAlert(alert, contextOf(input));
    alerts[alert.fingerprint] = outcome.status;
    outgoing.push(outcome.alert);
  }
  const unroutedCount = Object.keys(unrouted).length;
  if (unroutedCount > 0) ports.countUnrouted?.(unroutedCount);
  await ports.recordClusterStatus(organization, environment.environment, { alerts, unrouted });
  return {
    accepted: outgoing.length,
    unrouted: unroutedCount,
    ignored: payload.alerts.length - handled.length,
    alerts: await ports.deliver(outgoing),
  };
}

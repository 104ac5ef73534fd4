/**
 * Argo CD notifications (Slipway's templates in gitops/kubernetes/argocd/components/slipway/
 * argocd-notifications-cm.yaml): the body schema, and what one notification does to an
 * Application's recorded status and which alerts it raises.
 *
 * - `sync.failed` → a `sync.failed` alert, once per Application and revision (Argo CD's own
 *   `oncePer` is the sync revision: the same revision reported twice is one alert);
 * - `health.degraded` → a `health.degraded` alert, once per Application and revision;
 * - any report of an Application Synced (last operation not failed) after a `sync.failed`, or
 *   Healthy after a `health.degraded` → `sync.recovered` / `health.recovered`, once per failure.
 */
import * as z from 'zod/mini';
import { type Alert, type AlertLink, createAlert, phaseFailedSeverity } from './alert.js';
import type { ApplicationStatus } from './cluster-event-status.js';
import type { Tier } from './model.js';

const Text = z.nullish(z.string());

/** The template's body; extra fields are ignored (a newer template may add some). */
export const ArgoNotification = z.object({
  event: z.string().check(z.minLength(1)),
  organization: Text,
  environment: Text,
  app: z.string().check(z.minLength(1), z.maxLength(253)),
  project: Text,
  namespace: Text,
  syncStatus: Text,
  healthStatus: Text,
  phase: Text,
  message: Text,
  revision: Text,
  finishedAt: Text,
  url: Text,
});
export type ArgoNotification = z.infer<typeof ArgoNotification>;

const FAILED_PHASES = ['Error', 'Failed'];
const MAX_MESSAGE = 1000;

const bounded = (text: string) => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text);

export interface ArgoEventContext {
  readonly organization: string;
  readonly environment: string;
  readonly tier?: Tier;
  readonly now: string;
}

export interface ArgoEventOutcome {
  readonly status: ApplicationStatus;
  readonly alerts: readonly Alert[];
}

function defined<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined && value !== null),
  ) as T;
}

/** The recorded status after `event`, and the alerts it raises given the previous status. */
export function applyArgoEvent(
  previous: ApplicationStatus | undefined,
  event: ArgoNotification,
  context: ArgoEventContext,
): ArgoEventOutcome {
  const revision = event.revision ?? 'unknown';
  const failing = { ...(previous?.failing ?? {}) };
  const alerts: Alert[] = [];
  const subject = `${context.organization}/${context.environment}`;
  const links: AlertLink[] = event.url ? [{ label: 'Argo CD application', url: event.url }] : [];
  const base = {
    organization: context.organization,
    environment: context.environment,
    occurredAt: event.finishedAt ?? context.now,
    links,
  };
  const severity = phaseFailedSeverity(context.tier);
  const message = event.message ? bounded(event.message) : undefined;

  if (event.event === 'sync.failed') {
    failing.sync = revision;
    alerts.push(
      createAlert({
        ...base,
        kind: 'sync.failed',
        severity,
        summary: `Argo CD could not sync ${event.app} of ${subject} to ${revision.slice(0, 12)}`,
        detail: [
          `Operation ${event.phase ?? 'failed'}; sync status ${event.syncStatus ?? 'unknown'}, health ${event.healthStatus ?? 'unknown'}.`,
          message ?? '',
          'Fix the manifests in the GitOps repository (or the cause Argo CD names); Argo CD retries on the next change.',
        ]
          .filter(Boolean)
          .join('\n'),
        dedupKey: `sync.failed:${subject}:${event.app}:${revision}`,
      }),
    );
  } else if (event.event === 'health.degraded') {
    failing.health = revision;
    alerts.push(
      createAlert({
        ...base,
        occurredAt: context.now,
        kind: 'health.degraded',
        severity,
        summary: `${event.app} of ${subject} is Degraded (revision ${revision.slice(0, 12)})`,
        detail: [message ?? '', `Sync status ${event.syncStatus ?? 'unknown'}.`].filter(Boolean).join('\n'),
        dedupKey: `health.degraded:${subject}:${event.app}:${revision}`,
      }),
    );
  }

  const synced = event.syncStatus === 'Synced' && !FAILED_PHASES.includes(event.phase ?? '');
  if (synced && failing.sync !== undefined && event.event !== 'sync.failed') {
    alerts.push(
      createAlert({
        ...base,
        occurredAt: context.now,
        kind: 'sync.recovered',
        severity: 'info',
        summary: `${event.app} of ${subject} is Synced again (revision ${revision.slice(0, 12)})`,
        detail: `The sync failure at revision ${failing.sync.slice(0, 12)} is over.`,
        dedupKey: `sync.recovered:${subject}:${event.app}:${failing.sync}`,
      }),
    );
    delete failing.sync;
  }
  if (event.healthStatus === 'Healthy' && failing.health !== undefined && event.event !== 'health.degraded') {
    alerts.push(
      createAlert({
        ...base,
        occurredAt: context.now,
        kind: 'health.recovered',
        severity: 'info',
        summary: `${event.app} of ${subject} is Healthy again`,
        detail: `It was Degraded at revision ${failing.health.slice(0, 12)}.`,
        dedupKey: `health.recovered:${subject}:${event.app}:${failing.health}`,
      }),
    );
    delete failing.health;
  }

  const status: ApplicationStatus = defined({
    syncStatus: event.syncStatus ?? undefined,
    healthStatus: event.healthStatus ?? undefined,
    phase: event.phase ?? undefined,
    revision: event.revision ?? undefined,
    message,
    finishedAt: event.finishedAt ?? undefined,
    url: event.url ?? undefined,
    updatedAt: context.now,
    failing: Object.keys(failing).length > 0 ? failing : undefined,
  });
  return { status, alerts };
}

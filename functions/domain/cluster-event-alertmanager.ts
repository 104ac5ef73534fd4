/**
 * Alertmanager's webhook payload (version 4) and what Slipway makes of it: the kubernetes-mixin
 * quota alerts and crash-looping pods become alerts of the tenant whose namespace they name.
 *
 *   KubeQuotaExceeded (used > hard)   → quota.exceeded     resolved → quota.resolved
 *   KubeQuotaFullyUsed (used = hard)  → quota.exceeded     (new pods are refused: exceeded in effect)
 *   KubeQuotaAlmostFull (> 90 %)      → quota.almost-full
 *   KubePodCrashLooping               → pod.crashlooping   resolved → pod.recovered
 *
 * Alertmanager re-sends a firing group every `repeat_interval`: an alert is deduplicated by its
 * fingerprint and `startsAt` (the same alert firing again later has another `startsAt`).
 */
import * as z from 'zod/mini';
import { type Alert, type AlertKind, type AlertSeverity, createAlert, phaseFailedSeverity } from './alert.js';
import type { ClusterAlertStatus } from './cluster-event-status.js';
import type { Tier } from './model.js';

const Labels = z.record(z.string(), z.string());

export const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: Labels,
  annotations: z._default(Labels, {}),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.optional(z.string()),
  generatorURL: z.optional(z.string()),
  fingerprint: z.string().check(z.regex(/^[0-9a-f]{1,64}$/)),
});
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

/** Payload version 4; other fields (receiver, groupLabels …) are not needed and ignored. */
export const AlertmanagerPayload = z.object({
  version: z.literal('4'),
  status: z.enum(['firing', 'resolved']),
  groupKey: z.optional(z.string()),
  externalURL: z.optional(z.string()),
  alerts: z.array(AlertmanagerAlert).check(z.maxLength(1000)),
});
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayload>;

interface Mapping {
  readonly firing: AlertKind;
  readonly resolved: AlertKind;
  readonly severity: (tier: Tier | undefined) => AlertSeverity;
  readonly what: string;
}

const MAPPINGS: Readonly<Record<string, Mapping>> = {
  KubeQuotaExceeded: {
    firing: 'quota.exceeded',
    resolved: 'quota.resolved',
    severity: phaseFailedSeverity,
    what: 'is over its quota',
  },
  KubeQuotaFullyUsed: {
    firing: 'quota.exceeded',
    resolved: 'quota.resolved',
    severity: () => 'warning',
    what: 'has used all of its quota: new requests are refused',
  },
  KubeQuotaAlmostFull: {
    firing: 'quota.almost-full',
    resolved: 'quota.resolved',
    severity: () => 'info',
    what: 'has used over 90 % of its quota',
  },
  KubePodCrashLooping: {
    firing: 'pod.crashlooping',
    resolved: 'pod.recovered',
    severity: () => 'warning',
    what: 'has a pod in a crash loop',
  },
};

/** Whether Slipway acts on alerts of this name (the others are not its business and are ignored). */
export function isHandledAlert(alert: AlertmanagerAlert): boolean {
  return Object.hasOwn(MAPPINGS, alert.labels.alertname ?? '');
}

export interface AlertmanagerContext {
  readonly organization: string;
  readonly environment: string;
  readonly tier?: Tier;
  readonly now: string;
}

export interface AlertmanagerOutcome {
  readonly status: ClusterAlertStatus;
  readonly alert: Alert;
}

const bounded = (text: string) => (text.length > 1000 ? `${text.slice(0, 1000)}…` : text);

/** The recorded status and the Slipway alert of one handled Alertmanager alert. */
export function fromAlertmanagerAlert(
  source: AlertmanagerAlert,
  context: AlertmanagerContext,
): AlertmanagerOutcome {
  const alertname = source.labels.alertname ?? '';
  const mapping = MAPPINGS[alertname];
  if (!mapping) throw new RangeError(`alert ${alertname} is not one Slipway handles`);
  const namespace = source.labels.namespace ?? '';
  const resolved = source.status === 'resolved';
  const kind = resolved ? mapping.resolved : mapping.firing;
  const { resource, resourcequota, pod, container } = source.labels;
  const description = source.annotations.description ?? source.annotations.summary;
  const runbookUrl = source.annotations.runbook_url;
  const subject = `${context.organization}/${context.environment}`;
  const target = resourcequota
    ? `quota ${resourcequota}${resource ? ` (${resource})` : ''}`
    : pod
      ? `pod ${pod}${container ? ` (container ${container})` : ''}`
      : alertname;
  const summary = resolved
    ? `Resolved: ${alertname} in ${namespace} of ${subject}, ${target}`
    : `Namespace ${namespace} of ${subject} ${mapping.what}: ${target}`;
  const links = [
    ...(runbookUrl ? [{ label: 'Runbook', url: runbookUrl }] : []),
    ...(source.generatorURL ? [{ label: 'Prometheus', url: source.generatorURL }] : []),
  ];
  const alert = createAlert({
    kind,
    severity: resolved ? 'info' : mapping.severity(context.tier),
    organization: context.organization,
    environment: context.environment,
    summary,
    detail: [
      description ? bounded(description) : '',
      resource ? `Resource: ${resource}.` : '',
      resourcequota ? `ResourceQuota: ${resourcequota}.` : '',
      `Alertmanager alert ${alertname}, fingerprint ${source.fingerprint}, since ${source.startsAt}${resolved && source.endsAt ? `, ended ${source.endsAt}` : ''}.`,
    ]
      .filter(Boolean)
      .join('\n'),
    links,
    occurredAt: resolved && source.endsAt ? source.endsAt : source.startsAt,
    dedupKey: `${kind}:${subject}:${source.fingerprint}:${source.startsAt}`,
  });
  const status: ClusterAlertStatus = {
    alertname,
    kind: mapping.firing,
    status: source.status,
    namespace,
    ...(resource ? { resource } : {}),
    ...(resourcequota ? { resourcequota } : {}),
    ...(pod ? { pod } : {}),
    ...(description ? { description: bounded(description) } : {}),
    ...(runbookUrl ? { runbookUrl } : {}),
    startsAt: source.startsAt,
    ...(resolved && source.endsAt ? { endsAt: source.endsAt } : {}),
    updatedAt: context.now,
  };
  return { status, alert };
}

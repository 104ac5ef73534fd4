/**
 * What an environment's cluster last reported, recorded on the environment and shown by `GET
 * /v1/orgs/{org}/environments/{env}` as `cluster`: each Argo CD Application's sync and health
 * status, each Alertmanager alert Slipway acts on (quota, crash loop) by fingerprint, firing or
 * resolved, and the events that named nothing of this environment (unrouted).
 */
import * as z from 'zod/mini';

export const ApplicationStatus = z.object({
  syncStatus: z.optional(z.string()),
  healthStatus: z.optional(z.string()),
  /** The last operation's phase (Succeeded, Failed, Error …). */
  phase: z.optional(z.string()),
  revision: z.optional(z.string()),
  message: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  url: z.optional(z.string()),
  updatedAt: z.string(),
  /** The revision a `sync.failed` / `health.degraded` alert was raised for, until it recovers. */
  failing: z.optional(z.object({ sync: z.optional(z.string()), health: z.optional(z.string()) })),
});
export type ApplicationStatus = z.infer<typeof ApplicationStatus>;

export const ClusterAlertStatus = z.object({
  alertname: z.string(),
  kind: z.string(),
  status: z.enum(['firing', 'resolved']),
  namespace: z.string(),
  resource: z.optional(z.string()),
  resourcequota: z.optional(z.string()),
  pod: z.optional(z.string()),
  description: z.optional(z.string()),
  runbookUrl: z.optional(z.string()),
  startsAt: z.string(),
  endsAt: z.optional(z.string()),
  updatedAt: z.string(),
});
export type ClusterAlertStatus = z.infer<typeof ClusterAlertStatus>;

export const UnroutedEvent = z.object({
  source: z.enum(['argocd', 'alertmanager']),
  namespace: z.optional(z.string()),
  application: z.optional(z.string()),
  alertname: z.optional(z.string()),
  reason: z.string(),
  receivedAt: z.string(),
});
export type UnroutedEvent = z.infer<typeof UnroutedEvent>;

export const ClusterStatus = z.object({
  applications: z._default(z.record(z.string(), ApplicationStatus), {}),
  alerts: z._default(z.record(z.string(), ClusterAlertStatus), {}),
  unrouted: z._default(z.record(z.string(), UnroutedEvent), {}),
});
export type ClusterStatus = z.infer<typeof ClusterStatus>;

/** Entries to write into an environment's cluster status (each replaces the entry of its key). */
export interface ClusterStatusPatch {
  readonly applications?: Readonly<Record<string, ApplicationStatus>>;
  readonly alerts?: Readonly<Record<string, ClusterAlertStatus>>;
  readonly unrouted?: Readonly<Record<string, UnroutedEvent>>;
}

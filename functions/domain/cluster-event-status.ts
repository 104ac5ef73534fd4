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

/**
 * How many entries each map of an environment's cluster status keeps. Without a bound, every new
 * crash-loop fingerprint or unrouted event grows the environment item until DynamoDB's 400 KB item
 * limit refuses every write to that environment (runs, locks, specs included). 100 entries of each
 * map stay far below it. Alert deduplication does not depend on these entries (the alert records'
 * dedupKey does), so dropping an old one never publishes an alert twice.
 */
export const CLUSTER_STATUS_MAP_LIMIT = 100;

export type ClusterStatusEvictions = Readonly<Record<keyof ClusterStatus, readonly string[]>>;

/**
 * The keys to drop so that each map holds at most `limit` entries: the oldest go first, and an
 * entry still active (a firing alert, an Application with an open sync/health alert, whose
 * recovery alert depends on it) goes only once no settled entry is left to drop. Keys in `keep`
 * (those just written) are never dropped.
 */
export function clusterStatusEvictions(
  status: ClusterStatus,
  options: { readonly limit?: number; readonly keep?: ReadonlySet<string> } = {},
): ClusterStatusEvictions {
  const limit = options.limit ?? CLUSTER_STATUS_MAP_LIMIT;
  const keep = options.keep ?? new Set<string>();
  const evict = <T>(
    map: Readonly<Record<string, T>>,
    at: (entry: T) => string,
    active: (entry: T) => boolean,
  ): string[] => {
    const keys = Object.keys(map);
    if (keys.length <= limit) return [];
    // Newest first, active ones ahead of settled ones, the kept ones ahead of all.
    const ranked = keys
      .map((key) => ({ key, entry: map[key] as T }))
      .sort((a, b) => {
        const rank = (item: { key: string; entry: T }) =>
          keep.has(item.key) ? 0 : active(item.entry) ? 1 : 2;
        return rank(a) - rank(b) || at(b.entry).localeCompare(at(a.entry));
      });
    return ranked.slice(limit).map(({ key }) => key);
  };
  return {
    applications: evict(
      status.applications,
      (entry) => entry.updatedAt,
      (entry) => entry.failing?.sync !== undefined || entry.failing?.health !== undefined,
    ),
    alerts: evict(
      status.alerts,
      (entry) => entry.updatedAt,
      (entry) => entry.status === 'firing',
    ),
    unrouted: evict(
      status.unrouted,
      (entry) => entry.receivedAt,
      () => false,
    ),
  };
}

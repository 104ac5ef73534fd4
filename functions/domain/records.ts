/**
 * Stored state of organizations, environments and the audit trail, as the repository returns it.
 * The environment spec is validated by the API (functions/domain/environment-spec.ts) before it is
 * recorded; here it is an opaque JSON object identified by its hash.
 */
import type { ClusterStatus } from './cluster-event-status.js';
import type { EnvironmentStatus, Tier } from './model.js';
import type { PhaseSuccesses } from './phase-plan.js';
import type { QuotaAllocation } from './quota-allocation.js';

export interface Quota {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: number;
  /** Persistent storage ceiling ("100Gi"); absent: not limited. */
  readonly storage?: string;
  /** PersistentVolumeClaims ceiling; absent: not limited. */
  readonly persistentVolumeClaims?: number;
}

export interface OrganizationRecord {
  readonly organization: string;
  readonly displayName: string;
  readonly quota: Quota;
  readonly maxEnvironments: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * The grants of its environments and their totals (functions/domain/quota-allocation.ts);
   * absent on an organization recorded before allocations were, until its first backfill.
   */
  readonly allocation?: QuotaAllocation;
}

export interface EnvironmentRecord {
  readonly organization: string;
  readonly environment: string;
  readonly status: EnvironmentStatus;
  readonly tier?: Tier;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly specHash: string;
  /** The lock: present while a run is in progress. */
  readonly activeRunId?: string;
  /** Sequence number of the last run that took the lock (the next run is `runSeq + 1`). */
  readonly runSeq: number;
  /** The run that took the lock last (kept after release: a finished run never locks again). */
  readonly lastRunId?: string;
  /**
   * Sequence number of `lastRunId`, written with the lock: a run may only take the lock with a
   * higher sequence, so an older run never provisions after a newer one.
   */
  readonly lastRunSeq?: number;
  /** The status before the lock was taken: restored when a run could not even start. */
  readonly statusBeforeRun?: EnvironmentStatus;
  /**
   * Per phase, what the last run that succeeded at it left (fingerprint, run, outputs): the phase
   * plan of the next run skips the phases whose fingerprint is unchanged and hands these outputs on.
   */
  readonly successes: PhaseSuccesses;
  /**
   * The Git commit of the GitOps source the environment was last asked to sync to (by a push
   * run); every later run plans and syncs with it, so an unchanged PUT after a push runs nothing.
   */
  readonly gitCommit?: string;
  /** Bumped by every write, for optimistic concurrency and cache validation. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly statusChangedAt: string;
  /** What the environment's cluster last reported (Argo CD sync and health, quota alerts). */
  readonly cluster?: ClusterStatus;
}

export interface AuditEntry {
  readonly organization: string;
  readonly at: string;
  readonly id: string;
  /** Who made the change: a JWT `sub`, `webhook:github`, `system` … */
  readonly actor: string;
  /** e.g. `organization.upserted`, `environment.spec-recorded`, `environment.teardown-requested`. */
  readonly action: string;
  readonly environment?: string;
  readonly detail?: Readonly<Record<string, string>>;
}

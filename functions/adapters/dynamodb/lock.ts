/**
 * The environment lock: `activeRunId` on the environment item. Taking it records the run's desired
 * spec, moves the environment to PROVISIONING (DELETING for a teardown) and records the run as
 * `lastRunId`/`lastRunSeq`; releasing it moves it to the run's outcome and records what the run's
 * phases left for the next phase plan. Both are single conditional updates, so two runs can never
 * hold it, a replayed request cannot take it again after its run has finished, and a run older
 * than the last one that locked never takes it at all. The statuses a run may start from come
 * from the domain's transition table.
 */

import { sharedClusterOf } from '../../domain/cluster-placement.js';
import type { EnvironmentStatus, PhaseName, RunTrigger } from '../../domain/model.js';
import type { PhaseSuccess, PhaseSuccesses } from '../../domain/phase-plan.js';
import type { EnvironmentRecord } from '../../domain/records.js';
import {
  environmentStatusesAllowing,
  lockedStatusesReturningTo,
  lockedStatusFor,
  statusesAllowingRun,
} from '../../domain/transitions.js';
import { leaveCluster } from './clusters.js';
import type { RepositoryContext } from './context.js';
import { getEnvironment, recordSpecFields } from './environments.js';
import { toEnvironment } from './items.js';
import { keys } from './keys.js';
import { releaseQuotaGrant } from './organizations.js';
import { UpdateBuilder } from './update-builder.js';

export interface LockRequest {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  /** The run's sequence number: it must be higher than the environment's `lastRunSeq`. */
  readonly seq: number;
  readonly trigger: RunTrigger;
  readonly at: string;
  /**
   * The desired spec the run provisions, recorded in the same write (the API's PUT). When given,
   * an environment that does not exist yet is created by this write.
   */
  readonly spec?: { readonly spec: Readonly<Record<string, unknown>>; readonly specHash: string };
  /**
   * Replaces the environment's phase successes in the lock's write: a shared cluster's tenant takes
   * over its cluster's Terraform and Ansible successes, whose outputs its plan hands on.
   */
  readonly successes?: PhaseSuccesses;
  /** A shared cluster's own run: refused while a tenant run is in progress on it (`tenantRuns`). */
  readonly exclusiveOfTenants?: boolean;
  /** The Git commit the run provisions: recorded as the environment's `gitCommit` when not empty. */
  readonly commit?: string;
}

export type LockOutcome =
  | { readonly kind: 'locked'; readonly environment: EnvironmentRecord }
  | { readonly kind: 'missing' }
  | { readonly kind: 'held-by-other'; readonly environment: EnvironmentRecord }
  | { readonly kind: 'run-finished'; readonly environment: EnvironmentRecord }
  /** A run with the same or a higher sequence number has taken the lock since. */
  | { readonly kind: 'superseded'; readonly environment: EnvironmentRecord }
  | { readonly kind: 'status-refused'; readonly environment: EnvironmentRecord }
  /** A shared cluster with tenant runs in progress: its own run waits for none, it is refused. */
  | { readonly kind: 'tenants-busy'; readonly environment: EnvironmentRecord; readonly runIds: string[] };

/**
 * Takes the lock for `runId` (idempotent for the run that holds it) and records the run as the
 * environment's last one (`lastRunId`, `lastRunSeq`, `runSeq`) in the same write.
 */
export async function takeLock(ctx: RepositoryContext, request: LockRequest): Promise<LockOutcome> {
  const update = new UpdateBuilder();
  const activeRunId = update.path('activeRunId');
  const lastRunId = update.path('lastRunId');
  const lastRunSeq = update.path('lastRunSeq');
  const runId = update.value(request.runId);
  const seq = update.value(request.seq);
  const allowed = update.oneOf(['status'], statusesAllowingRun(request.trigger));
  if (request.spec) {
    recordSpecFields(update, request.organization, request.environment, request.spec, request.at);
  }
  if (request.commit) update.set(['gitCommit'], request.commit);
  update
    .copy(['statusBeforeRun'], ['status'], 'PENDING')
    .set(['status'], lockedStatusFor(request.trigger))
    .set(['activeRunId'], request.runId)
    .set(['lastRunId'], request.runId)
    .set(['lastRunSeq'], request.seq)
    .set(['runSeq'], request.seq)
    .set(['gsi1pk'], keys.activeRun(request.at, request.runId).gsi1pk)
    .set(['gsi1sk'], keys.activeRun(request.at, request.runId).gsi1sk)
    .set(['statusChangedAt'], request.at)
    .set(['updatedAt'], request.at)
    .increment(['version']);
  if (request.successes) update.set(['successes'], request.successes);
  else update.setIfAbsent(['successes'], {});
  const tenantsIdle = request.exclusiveOfTenants
    ? ` AND attribute_not_exists(${update.path('tenantRuns')})`
    : '';
  const free =
    `attribute_not_exists(${activeRunId}) AND ` +
    `(attribute_not_exists(${lastRunId}) OR ${lastRunId} <> ${runId}) AND ` +
    `(attribute_not_exists(${lastRunSeq}) OR ${lastRunSeq} < ${seq}) AND ` +
    `(attribute_not_exists(${update.path('runSeq')}) OR ${update.path('runSeq')} <= ${seq}) AND ${allowed}${tenantsIdle}`;
  // Both branches imply the item exists (it holds this lock, or it has a status), so no
  // attribute_exists(pk) term is needed — dynalite evaluates the flat form ten times faster.
  const lockable = `${activeRunId} = ${runId} OR (${free})`;
  // A run that records its spec may create the environment; one that does not needs it to exist.
  update.condition(request.spec ? `attribute_not_exists(pk) OR ${lockable}` : lockable);
  const result = await ctx.store.update(
    keys.environment(request.organization, request.environment),
    update.build(),
  );
  if (result.ok) return { kind: 'locked', environment: toEnvironment(result.item) };

  const item = await ctx.store.get(keys.environment(request.organization, request.environment));
  if (!item) return { kind: 'missing' };
  const current = toEnvironment(item);
  if (current.activeRunId !== undefined) return { kind: 'held-by-other', environment: current };
  if (request.exclusiveOfTenants && item.tenantRuns instanceof Set && item.tenantRuns.size > 0) {
    return { kind: 'tenants-busy', environment: current, runIds: [...item.tenantRuns].map(String).sort() };
  }
  if (current.lastRunId === request.runId) return { kind: 'run-finished', environment: current };
  if (
    (current.lastRunSeq !== undefined && current.lastRunSeq >= request.seq) ||
    current.runSeq > request.seq
  ) {
    return { kind: 'superseded', environment: current };
  }
  return { kind: 'status-refused', environment: current };
}

export interface ReleaseRequest {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  /** The environment status the run's outcome sets. */
  readonly status: EnvironmentStatus;
  readonly at: string;
  /**
   * What the run's phases leave for the next plan: a success per phase it ran to SUCCEEDED, or
   * `null` for a phase a teardown undid; `'reset'` forgets every phase (a finished teardown).
   */
  readonly successes?: Partial<Record<PhaseName, PhaseSuccess | null>> | 'reset';
  /**
   * The run is abandoned before any phase ran: `status` is the one the environment had before it
   * (going back), not the run's outcome (going forward). Each is checked against the transition table.
   */
  readonly abandoned?: boolean;
}

export type ReleaseOutcome =
  | { readonly kind: 'released'; readonly environment: EnvironmentRecord }
  /** Already released by this run with this outcome: a replay. */
  | { readonly kind: 'already-released'; readonly environment: EnvironmentRecord }
  | { readonly kind: 'not-held'; readonly environment: EnvironmentRecord | undefined };

/** Releases the lock if `runId` holds it, setting the outcome status and the phases' successes. */
export async function releaseLock(ctx: RepositoryContext, request: ReleaseRequest): Promise<ReleaseOutcome> {
  const from = request.abandoned
    ? lockedStatusesReturningTo(request.status)
    : environmentStatusesAllowing(request.status);
  // No status leads there (an abandoned run going back to a locked status): nothing to write.
  if (from.length === 0) {
    return {
      kind: 'not-held',
      environment: await getEnvironment(ctx, request.organization, request.environment),
    };
  }
  const update = new UpdateBuilder();
  update
    .set(['status'], request.status)
    .set(['statusChangedAt'], request.at)
    .set(['updatedAt'], request.at)
    .remove(['activeRunId'])
    .remove(['statusBeforeRun'])
    .remove(['gsi1pk'])
    .remove(['gsi1sk'])
    .increment(['version'])
    .condition(`${update.path('activeRunId')} = ${update.value(request.runId)}`)
    .condition(update.oneOf(['status'], from));
  if (request.successes === 'reset') {
    update.set(['successes'], {});
  } else {
    for (const [phase, success] of Object.entries(request.successes ?? {})) {
      if (success) update.set(['successes', phase], { ...success, outputs: { ...success.outputs } });
      else update.remove(['successes', phase]);
    }
  }
  const result = await ctx.store.update(
    keys.environment(request.organization, request.environment),
    update.build(),
  );
  if (result.ok) {
    const environment = toEnvironment(result.item);
    await leaveSharedCluster(ctx, environment, request.runId);
    await releaseGrantOfDeleted(ctx, environment);
    return { kind: 'released', environment };
  }

  const current = await getEnvironment(ctx, request.organization, request.environment);
  if (
    current &&
    current.activeRunId === undefined &&
    current.lastRunId === request.runId &&
    current.status === request.status
  ) {
    // A replay: the first release may have stopped before the tenant left its cluster (or before
    // a torn-down environment gave its quota grant back).
    await leaveSharedCluster(ctx, current, request.runId);
    await releaseGrantOfDeleted(ctx, current);
    return { kind: 'already-released', environment: current };
  }
  return { kind: 'not-held', environment: current };
}

/** A torn-down environment gives its organization quota grant back (one more write). */
async function releaseGrantOfDeleted(ctx: RepositoryContext, environment: EnvironmentRecord) {
  if (environment.status === 'DELETED') {
    await releaseQuotaGrant(ctx, environment.organization, environment.environment);
  }
}

/** A shared cluster's tenant leaves its cluster's `tenantRuns` with its lock (one more write). */
async function leaveSharedCluster(ctx: RepositoryContext, environment: EnvironmentRecord, runId: string) {
  const cluster = sharedClusterOf(environment.spec);
  if (cluster !== undefined) await leaveCluster(ctx, { cluster, runId });
}

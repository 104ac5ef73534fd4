/**
 * Starting a planned run, the same way for a PUT, a resume and a teardown: the state layer records
 * the run, the desired spec and the lock in one guarded write (a busy environment or a status that
 * forbids the run is refused with nothing written), the change is audited, then the workflow is
 * started. If StartExecution fails, the run is abandoned (FAILED, lock released, status restored)
 * and the caller gets a 503 it may retry: nothing is left holding the environment.
 */
import { ApiError } from '../api/error-codes.js';
import type { RunAccepted } from '../api/schemas.js';
import { environmentView, planView } from '../api/views.js';
import type { Caller } from '../authorization.js';
import type { RunTrigger } from '../model.js';
import { type PhasePlan, skippedPhases } from '../phase-plan.js';
import { buildRunId } from '../run-id.js';
import type { EnvironmentState, StartRunInput, UseCaseDeps } from './ports.js';
import { type QuotaReservation, reserveQuota } from './quota.js';

export interface LaunchRequest {
  readonly caller: Caller;
  readonly organization: string;
  readonly environment: string;
  /** The environment as read before planning (undefined: it does not exist yet). */
  readonly current: EnvironmentState | undefined;
  readonly trigger: RunTrigger;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly specHash: string;
  readonly plan: PhasePlan;
  /** Audit action, e.g. `environment.provision-requested`. */
  readonly auditAction: string;
  /** The spec hash the change leaves desired (a teardown leaves none). */
  readonly specHashAfter: string;
  /** Successes recorded with the lock (a shared cluster's tenant takes over its cluster's). */
  readonly successes?: StartRunInput['successes'];
  /** A shared cluster's own run: refused while tenant runs are in progress on it. */
  readonly exclusiveOfTenants?: boolean;
  /** The Git commit the run syncs to (the plan's): a push's, or the one the environment follows. @default '' */
  readonly commit?: string;
  /** Extra audit detail (e.g. a push's delivery id). */
  readonly auditDetail?: Readonly<Record<string, string>>;
  /** The organization quota grant the run's spec changes (quota.ts): reserved before the run starts. */
  readonly quota?: QuotaReservation;
}

function busy(organization: string, environment: string, activeRunId: string): ApiError {
  return new ApiError(
    'conflict.busy',
    `environment ${organization}/${environment} is busy with run ${activeRunId}`,
    { activeRunId },
  );
}

/** Refuses early (before any write) when a run holds the lock. */
export function requireIdle(current: EnvironmentState | undefined): void {
  if (current?.activeRunId) throw busy(current.organization, current.environment, current.activeRunId);
}

/**
 * The reservation can wait on a concurrent PUT of the same environment (its entry changed, read
 * again): a run that started since this request read the environment makes it a late duplicate,
 * refused as busy with that run's id (the reservation taken back) rather than racing for a
 * sequence number that run may have finished with already.
 */
async function requireUnchangedSince(
  deps: UseCaseDeps,
  request: LaunchRequest,
  quota: Awaited<ReturnType<typeof reserveQuota>>,
): Promise<void> {
  const now = await deps.repository.getEnvironment(request.organization, request.environment);
  if ((now?.runSeq ?? 0) === (request.current?.runSeq ?? 0)) return;
  if (quota.undo)
    await deps.repository.changeQuotaAllocation(request.organization, quota.undo).catch(() => false);
  throw busy(request.organization, request.environment, now?.activeRunId ?? now?.lastRunId ?? 'unknown');
}

/**
 * The reservation gives up (conflict.busy naming no run) when concurrent PUTs of this environment
 * keep changing its entry. When one of them has started a run meanwhile, that is the answer, as
 * the lock would have given it: busy with that run's id.
 */
async function reserveOrBusy(deps: UseCaseDeps, request: LaunchRequest, reservation: QuotaReservation) {
  try {
    return await reserveQuota(deps, reservation);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'conflict.busy') {
      const now = await deps.repository.getEnvironment(request.organization, request.environment);
      const runId = now?.activeRunId ?? now?.lastRunId;
      if ((now?.runSeq ?? 0) !== (request.current?.runSeq ?? 0) && runId) {
        throw busy(request.organization, request.environment, runId);
      }
    }
    throw error;
  }
}

export async function launchRun(deps: UseCaseDeps, request: LaunchRequest): Promise<RunAccepted> {
  const { organization, environment } = request;
  const seq = (request.current?.runSeq ?? 0) + 1;
  const runId = buildRunId({ organization, environment, seq, specHash: request.specHash });
  const commit = request.commit ?? '';
  // The grant is raised on the organization first, conditional on its ceiling (a refusal writes
  // nothing); taken back if the run cannot take the environment; lowered to the new grant once
  // it has (a shrink frees only then, so the ceiling holds at every moment).
  const quota = request.quota ? await reserveOrBusy(deps, request, request.quota) : {};
  if (request.quota) await requireUnchangedSince(deps, request, quota);
  const started = await deps.repository
    .startRun({
      organization,
      environment,
      runId,
      seq,
      trigger: request.trigger,
      commit,
      spec: request.spec,
      specHash: request.specHash,
      plan: request.plan,
      ...(request.successes ? { successes: request.successes } : {}),
      ...(request.exclusiveOfTenants ? { exclusiveOfTenants: true } : {}),
    })
    .catch(async (error: unknown) => {
      if (quota.undo)
        await deps.repository.changeQuotaAllocation(organization, quota.undo).catch(() => false);
      throw error;
    });
  if (quota.settle) await deps.repository.changeQuotaAllocation(organization, quota.settle);
  await deps.repository.appendAudit({
    organization,
    environment,
    actor: request.caller.subject,
    action: request.auditAction,
    detail: {
      runId,
      trigger: request.trigger,
      specHashBefore: request.current?.specHash ?? '',
      specHashAfter: request.specHashAfter,
      ...(commit ? { commit } : {}),
      ...request.auditDetail,
    },
  });
  try {
    await deps.runStarter.startExecution({
      organization,
      environment,
      runId,
      seq,
      trigger: request.trigger,
      commit,
      specHash: request.specHash,
      spec: { ...request.spec },
      skipPhases: skippedPhases(request.plan),
    });
  } catch (error) {
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await deps.repository.abandonRun({ organization, environment, runId, cause });
    throw new ApiError(
      'run.start-failed',
      `run ${runId} could not be started (${cause}); it was abandoned and the environment released: retry the request`,
      {},
      { cause: error },
    );
  }
  return {
    runId,
    plan: planView(request.plan),
    environment: environmentView(started.environment, started.run),
  };
}

/**
 * Runs from Git pushes. A normalized push (functions/domain/git-push.ts) goes to every environment
 * that follows its repository and branch (the state layer's gsi2 index, page by page) and whose
 * GitOps path it touches; each such environment gets, in this order of checks:
 *
 * 1. a dedup claim on (environment, commit): a redelivered or replayed push finds the earlier
 *    delivery's record and starts nothing new (a run it started whose execution may not have
 *    started is started again under the same execution name, which Step Functions deduplicates);
 * 2. busy (a run holds the lock) → the push is queued as the environment's next run, the latest
 *    commit winning; {@link startQueuedPush} starts it when the lock is released;
 * 3. otherwise a run planned by the phase plan with trigger `git-push` and the commit: the commit
 *    is part of the ArgoCD phase's fingerprint, so a push that only changes manifests runs the
 *    ArgoCD phase alone (sync to that commit) and the other phases are SKIPPED with the reason.
 *
 * Environments are handled with bounded concurrency; StartExecution is retried with exponential
 * backoff and jitter when Step Functions throttles. A push that cannot be routed or started is
 * recorded as unrouted and counted (`PushUnrouted`), never dropped: the caller rethrows so the
 * event is retried and, past its retries, lands in the dead-letter queue.
 */
import type { Caller } from '../authorization.js';
import { sharedClusterOf } from '../cluster-placement.js';
import { EnvironmentLockedError, SlipwayError, TransitionRefusedError } from '../errors.js';
import { type GitPushed, gitopsSourceOf, gitSourceKey, pushTouches } from '../git-push.js';
import type { EnvironmentStatus } from '../model.js';
import { planRun, skippedPhases } from '../phase-plan.js';
import type { WorkflowInput } from '../workflow-events.js';
import { tenantPushRun } from './cluster-tenants.js';
import { launchRun } from './launch-run.js';
import type { ApiRepository, ApiRunStarter, ClusterRepository, EnvironmentState, RunState } from './ports.js';

/** The environment statuses a push starts (or queues) a run for. */
export const PUSH_RUN_STATUSES: readonly EnvironmentStatus[] = ['READY', 'FAILED', 'PROVISIONING'];

export type PushStatusName = 'claimed' | 'started' | 'queued' | 'unchanged' | 'failed';

export interface PushRepository extends ApiRepository, ClusterRepository {
  listFollowingEnvironments(
    repository: string,
    branch: string,
    options?: { readonly limit?: number; readonly startKey?: Record<string, unknown> },
  ): Promise<{
    items: { organization: string; environment: string; gitopsPath: string; status: EnvironmentStatus }[];
    nextKey?: Record<string, unknown>;
  }>;
  claimPush(
    ref: { organization: string; environment: string; commit: string },
    push: Pick<GitPushed, 'source' | 'deliveryId'>,
  ): Promise<
    | { readonly claimed: true }
    | { readonly claimed: false; readonly record: { status: PushStatusName; runId?: string | undefined } }
  >;
  markPush(
    ref: { organization: string; environment: string; commit: string },
    outcome: { readonly status: PushStatusName; readonly runId?: string; readonly reason?: string },
  ): Promise<void>;
  /** `superseded`: the push queued already is the one that followed this push. */
  queuePush(
    organization: string,
    environment: string,
    push: GitPushed,
  ): Promise<'queued' | 'not-locked' | 'superseded'>;
  getQueuedPush(
    organization: string,
    environment: string,
  ): Promise<(Omit<GitPushed, 'changedPaths' | 'everyPathChanged'> & { queuedAt: string }) | undefined>;
  clearQueuedPush(organization: string, environment: string, commit: string): Promise<boolean>;
  getRunBySeq(organization: string, environment: string, seq: number): Promise<RunState | undefined>;
  recordUnrouted(input: {
    readonly push: Pick<GitPushed, 'source' | 'repository' | 'branch' | 'after' | 'deliveryId'>;
    readonly reason: string;
    readonly organization?: string;
    readonly environment?: string;
  }): Promise<void>;
}

export interface PushRunDeps {
  readonly repository: PushRepository;
  readonly runStarter: ApiRunStarter;
  readonly now: () => Date;
  readonly logger?: {
    info(message: string, ...extra: Record<string, unknown>[]): void;
    warn(message: string, ...extra: Record<string, unknown>[]): void;
  };
  readonly metrics?: { addMetric(name: string, unit: 'Count', value: number): void };
  /** Environments handled at once. @default 8 */
  readonly concurrency?: number;
  /** Environments read from the index per page. @default 100 */
  readonly pageSize?: number;
}

export type EnvironmentOutcome =
  | 'started'
  | 'queued'
  | 'duplicate'
  | 'unchanged'
  | 'untouched'
  | 'not-following'
  | 'ignored'
  | 'failed';

export interface EnvironmentResult {
  readonly organization: string;
  readonly environment: string;
  readonly outcome: EnvironmentOutcome;
  readonly reason: string;
  readonly runId?: string;
}

export interface PushResult {
  readonly push: Pick<GitPushed, 'repository' | 'branch' | 'after' | 'deliveryId'>;
  readonly results: readonly EnvironmentResult[];
  /** Outcome → how many environments. */
  readonly counts: Readonly<Partial<Record<EnvironmentOutcome, number>>>;
  readonly unrouted: boolean;
}

/** The push could not be started everywhere; the event is to be retried (and, finally, dead-lettered). */
export class PushNotStartedError extends SlipwayError {
  readonly failed: readonly EnvironmentResult[];
  constructor(message: string, failed: readonly EnvironmentResult[]) {
    super(message);
    this.name = 'PushNotStartedError';
    this.failed = failed;
  }
}

function actorOf(push: Pick<GitPushed, 'source'>): Caller {
  return { subject: `git-push:${push.source}`, role: 'platform-admin', organizations: [] };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs `work` over `items`, at most `limit` at a time, results in input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** The workflow input of a run already recorded (a redelivery restarting its execution). */
export function workflowInputOfRun(run: RunState, environment: EnvironmentState): WorkflowInput {
  return {
    organization: run.organization,
    environment: run.environment,
    runId: run.runId,
    seq: run.seq,
    trigger: run.trigger,
    commit: run.commit,
    specHash: run.specHash,
    spec: { ...environment.spec },
    skipPhases: run.phaseOrder.filter((phase) => run.phases[phase].status === 'SKIPPED'),
  };
}

/**
 * A run this push started earlier: if its first phase has not begun, its execution may never have
 * started (the starter stopped in between), so it is started again under the same name.
 */
async function ensureExecution(
  deps: PushRunDeps,
  environment: EnvironmentState,
  runId: string,
): Promise<void> {
  if (environment.activeRunId !== runId) return;
  const seq = environment.lastRunSeq;
  if (seq === undefined) return;
  const run = await deps.repository.getRunBySeq(environment.organization, environment.environment, seq);
  if (!run || run.runId !== runId || run.status !== 'RUNNING') return;
  if (
    run.phaseOrder.some(
      (phase) => run.phases[phase].status !== 'PENDING' && run.phases[phase].status !== 'SKIPPED',
    )
  ) {
    return;
  }
  try {
    await deps.runStarter.startExecution(workflowInputOfRun(run, environment));
  } catch (error) {
    // An execution of that name exists (running or ended): it was started.
    if (!(error instanceof Error && error.name === 'RunAlreadyStartedError')) throw error;
  }
}

/** The run that took the lock last, when it is this push's commit (started by an earlier delivery). */
async function lastRunOfCommit(
  deps: PushRunDeps,
  environment: EnvironmentState,
  commit: string,
): Promise<RunState | undefined> {
  if (environment.lastRunSeq === undefined) return undefined;
  const run = await deps.repository.getRunBySeq(
    environment.organization,
    environment.environment,
    environment.lastRunSeq,
  );
  // A run whose execution never started (abandoned) did not sync anything: a retry starts anew.
  const abandoned = run?.history.some((entry) => entry.detail?.reason === 'execution not started');
  return run && run.trigger === 'git-push' && run.commit === commit && !abandoned ? run : undefined;
}

const MAX_ATTEMPTS = 5;

/** launchRun's start failure whose cause is StartExecution's ExecutionAlreadyExists (RunAlreadyStartedError). */
function alreadyStarted(error: unknown): error is Error & { cause: Error } {
  return (
    error instanceof Error && error.cause instanceof Error && error.cause.name === 'RunAlreadyStartedError'
  );
}

/**
 * One environment: dedup claim, then queue or start (see the module comment). `fromQueue`: the
 * push was queued earlier and its claim is already recorded (queued).
 */
export async function routePushToEnvironment(
  deps: PushRunDeps,
  push: GitPushed,
  target: { readonly organization: string; readonly environment: string },
  options: { readonly fromQueue?: boolean } = {},
): Promise<EnvironmentResult> {
  const { organization, environment } = target;
  const ref = { organization, environment, commit: push.after };
  const result = (outcome: EnvironmentOutcome, reason: string, runId?: string): EnvironmentResult => ({
    organization,
    environment,
    outcome,
    reason,
    ...(runId ? { runId } : {}),
  });
  if (!options.fromQueue) {
    const claim = await deps.repository.claimPush(ref, push);
    if (!claim.claimed) {
      const { record } = claim;
      if (record.status === 'started' && record.runId) {
        const current = await deps.repository.getEnvironment(organization, environment);
        if (current) await ensureExecution(deps, current, record.runId);
      }
      return result('duplicate', `commit ${push.after} was already handled (${record.status})`, record.runId);
    }
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const current = await deps.repository.getEnvironment(organization, environment);
    const source = current ? gitopsSourceOf(current.spec) : undefined;
    if (
      !current ||
      !source ||
      gitSourceKey(source.repository, source.branch) !== gitSourceKey(push.repository, push.branch)
    ) {
      await deps.repository.markPush(ref, { status: 'unchanged', reason: 'no longer follows this branch' });
      return result('not-following', `does not follow ${push.repository}@${push.branch} (any more)`);
    }
    if (!PUSH_RUN_STATUSES.includes(current.status) && !current.activeRunId) {
      await deps.repository.markPush(ref, {
        status: 'unchanged',
        reason: `environment is ${current.status}`,
      });
      return result('ignored', `environment is ${current.status}: pushes start no run`);
    }
    // A shared cluster's tenant gets its own run (the ArgoCD tenant part) through its cluster.
    const cluster = sharedClusterOf(current.spec);
    const earlier = await lastRunOfCommit(deps, current, push.after);
    if (earlier) {
      await deps.repository.markPush(ref, { status: 'started', runId: earlier.runId });
      await ensureExecution(deps, current, earlier.runId);
      return result('duplicate', `run ${earlier.runId} already syncs commit ${push.after}`, earlier.runId);
    }
    if (current.activeRunId) {
      if (current.status === 'DELETING') {
        await deps.repository.markPush(ref, { status: 'unchanged', reason: 'environment is being deleted' });
        return result('ignored', 'environment is being deleted: pushes start no run');
      }
      const queueing = await deps.repository.queuePush(organization, environment, push);
      if (queueing === 'queued') {
        await deps.repository.markPush(ref, {
          status: 'queued',
          reason: `busy with run ${current.activeRunId}`,
        });
        return result('queued', `busy with run ${current.activeRunId}: queued as its next run`);
      }
      if (queueing === 'superseded') {
        const reason = 'the push that came after this commit is already queued';
        await deps.repository.markPush(ref, { status: 'unchanged', reason });
        return result('unchanged', `busy with run ${current.activeRunId}: ${reason}`);
      }
      continue; // The lock was released meanwhile: start the run now.
    }
    const auditDetail = { deliveryId: push.deliveryId, source: push.source };
    const plan =
      cluster === undefined
        ? planRun({
            trigger: 'git-push',
            spec: current.spec,
            commit: push.after,
            successes: current.successes ?? {},
          })
        : undefined;
    if (plan && plan.startAt === undefined) {
      await deps.repository.markPush(ref, { status: 'unchanged', reason: 'nothing to run' });
      return result('unchanged', `already synced to ${push.after}`);
    }
    try {
      // No plan: a tenant, whose plan is made against its cluster's successes as it enters it.
      if (plan === undefined) {
        const launched = await tenantPushRun(deps, actorOf(push), {
          current,
          commit: push.after,
          auditAction: 'run.push-requested',
          auditDetail,
        });
        if (!('accepted' in launched)) {
          await deps.repository.markPush(ref, { status: 'unchanged', reason: 'nothing to run' });
          return result('unchanged', `already synced to ${push.after}`);
        }
        const { accepted } = launched;
        await deps.repository.markPush(ref, { status: 'started', runId: accepted.runId });
        if (options.fromQueue) await deps.repository.clearQueuedPush(organization, environment, push.after);
        return result(
          'started',
          `runs from ${accepted.plan.startAt ?? 'argocd-bootstrap'} (a tenant of shared cluster ${cluster})`,
          accepted.runId,
        );
      }
      const accepted = await launchRun(deps, {
        caller: actorOf(push),
        organization,
        environment,
        current,
        trigger: 'git-push',
        spec: current.spec,
        specHash: current.specHash,
        plan,
        auditAction: 'run.push-requested',
        specHashAfter: current.specHash,
        commit: push.after,
        auditDetail: { ...auditDetail, skipped: skippedPhases(plan).join(',') },
      });
      await deps.repository.markPush(ref, { status: 'started', runId: accepted.runId });
      if (options.fromQueue) await deps.repository.clearQueuedPush(organization, environment, push.after);
      return result('started', `runs from ${plan.startAt}`, accepted.runId);
    } catch (error) {
      // Another run took the lock, or a newer run the sequence, between the read and the write:
      // read again (and queue, or plan anew).
      if (error instanceof EnvironmentLockedError || error instanceof TransitionRefusedError) continue;
      // Step Functions refused the name derived from (environment, commit): an execution for this
      // push exists already (a replay whose push record is gone, a race past the claim). The run
      // just recorded was abandoned by launchRun (lock released); the push is not lost, it started.
      if (alreadyStarted(error)) {
        await deps.repository.markPush(ref, { status: 'started', reason: describe(error.cause) });
        return result(
          'duplicate',
          `an execution for commit ${push.after} already exists (${describe(error.cause)})`,
        );
      }
      await deps.repository.markPush(ref, { status: 'failed', reason: describe(error) });
      return result('failed', describe(error));
    }
  }
  await deps.repository.markPush(ref, { status: 'failed', reason: 'the environment kept changing' });
  return result('failed', `the environment kept changing over ${MAX_ATTEMPTS} attempts`);
}

/** Routes one push to every environment it touches (see the module comment). */
export async function startRunsForPush(deps: PushRunDeps, push: GitPushed): Promise<PushResult> {
  const results: EnvironmentResult[] = [];
  let following = 0;
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 10_000; page += 1) {
    const listed = await deps.repository.listFollowingEnvironments(push.repository, push.branch, {
      limit: deps.pageSize ?? 100,
      ...(startKey ? { startKey } : {}),
    });
    following += listed.items.length;
    const touched = listed.items.flatMap((item) => {
      const routing = pushTouches(push, item.gitopsPath);
      if (routing.touched) return [item];
      results.push({ ...item, outcome: 'untouched', reason: routing.reason });
      return [];
    });
    results.push(
      ...(await mapWithConcurrency(touched, deps.concurrency ?? 8, (item) =>
        routePushToEnvironment(deps, push, item).catch(
          (error: unknown): EnvironmentResult => ({ ...item, outcome: 'failed', reason: describe(error) }),
        ),
      )),
    );
    startKey = listed.nextKey;
    if (!startKey) break;
  }

  const counts: Partial<Record<EnvironmentOutcome, number>> = {};
  for (const { outcome } of results) counts[outcome] = (counts[outcome] ?? 0) + 1;
  const failed = results.filter((entry) => entry.outcome === 'failed');
  const summary = {
    repository: push.repository,
    branch: push.branch,
    after: push.after,
    deliveryId: push.deliveryId,
  };
  let unrouted = false;
  if (following === 0) {
    unrouted = true;
    await deps.repository.recordUnrouted({
      push,
      reason: `no environment follows ${push.repository}@${push.branch}`,
    });
  }
  for (const entry of failed) {
    unrouted = true;
    await deps.repository.recordUnrouted({
      push,
      reason: entry.reason,
      organization: entry.organization,
      environment: entry.environment,
    });
  }
  deps.metrics?.addMetric('PushRunsStarted', 'Count', counts.started ?? 0);
  deps.metrics?.addMetric('PushQueued', 'Count', counts.queued ?? 0);
  deps.metrics?.addMetric('PushDuplicates', 'Count', counts.duplicate ?? 0);
  if (unrouted) deps.metrics?.addMetric('PushUnrouted', 'Count', following === 0 ? 1 : failed.length);
  deps.logger?.info('push routed', { ...summary, following, counts });
  if (failed.length > 0) {
    deps.logger?.warn('push not started everywhere', { ...summary, failed: failed.length });
    throw new PushNotStartedError(
      `push ${push.after} of ${push.repository}@${push.branch}: ${failed.length} environment(s) not started ` +
        `(${failed.map((entry) => `${entry.organization}/${entry.environment}: ${entry.reason}`).join('; ')})`,
      failed,
    );
  }
  return { push: summary, results, counts, unrouted };
}

/** A run ended and released the lock: what happened to the environment's queued push. */
export type QueuedPushOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'still-locked'; readonly activeRunId: string }
  | { readonly kind: 'handled'; readonly result: EnvironmentResult };

/** The lock is still held by the run whose end is being handled: retry once it is released. */
export class LockNotReleasedError extends SlipwayError {
  constructor(message: string) {
    super(message);
    this.name = 'LockNotReleasedError';
  }
}

/**
 * The release path: after a run of the environment ended (`endedRunId`), starts the push queued
 * while it ran. Throws {@link LockNotReleasedError} when that run still holds the lock (its end is
 * being recorded elsewhere, e.g. an interrupted execution): the event is retried until it is.
 */
export async function startQueuedPush(
  deps: PushRunDeps,
  target: { readonly organization: string; readonly environment: string; readonly endedRunId?: string },
): Promise<QueuedPushOutcome> {
  const { organization, environment } = target;
  const current = await deps.repository.getEnvironment(organization, environment);
  if (!current) return { kind: 'none' };
  const queued = await deps.repository.getQueuedPush(organization, environment);
  if (!queued) return { kind: 'none' };
  if (current.activeRunId) {
    if (target.endedRunId !== undefined && current.activeRunId === target.endedRunId) {
      throw new LockNotReleasedError(
        `run ${current.activeRunId} of ${organization}/${environment} ended but still holds the lock`,
      );
    }
    // Another run holds it: its own end starts the queued push.
    return { kind: 'still-locked', activeRunId: current.activeRunId };
  }
  const push: GitPushed = {
    ...queued,
    changedPaths: [],
    everyPathChanged: 'queued while a run was in progress',
  };
  const result = await routePushToEnvironment(deps, push, { organization, environment }, { fromQueue: true });
  if (result.outcome !== 'started' && result.outcome !== 'queued') {
    await deps.repository.clearQueuedPush(organization, environment, queued.after);
  }
  if (result.outcome === 'failed') {
    await deps.repository.recordUnrouted({ push, reason: result.reason, organization, environment });
    deps.metrics?.addMetric('PushUnrouted', 'Count', 1);
    throw new PushNotStartedError(
      `queued push ${queued.after} of ${organization}/${environment}: ${result.reason}`,
      [result],
    );
  }
  deps.logger?.info('queued push handled', {
    organization,
    environment,
    commit: queued.after,
    outcome: result.outcome,
  });
  return { kind: 'handled', result };
}

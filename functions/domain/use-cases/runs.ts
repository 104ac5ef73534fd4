/** Runs of an environment: the history (newest first), one run, and resume. */
import { ApiError } from '../api/error-codes.js';
import type { PageView, RunAccepted, RunView } from '../api/schemas.js';
import { logsView, runView } from '../api/views.js';
import type { Caller } from '../authorization.js';
import { sharedClusterOf } from '../cluster-placement.js';
import { planRun } from '../phase-plan.js';
import { environmentNotFound, requireAllowed, requireNotCluster } from './access.js';
import { tenantRun } from './cluster-tenants.js';
import { launchRun, requireIdle } from './launch-run.js';
import type { PageOptions, UseCaseDeps } from './ports.js';

interface EnvironmentRef {
  readonly organization: string;
  readonly environment: string;
}

export async function listRuns(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  request: EnvironmentRef & { readonly page: PageOptions },
): Promise<PageView<RunView>> {
  requireAllowed(caller, 'run.read', request.organization);
  const environment = await deps.repository.getEnvironment(request.organization, request.environment);
  if (!environment) throw environmentNotFound(request.organization, request.environment);
  const page = await deps.repository.listRuns(request.organization, request.environment, request.page);
  const logs = logsView(environment);
  return {
    items: page.items.map((run) => runView(run, logs)),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

export async function getRun(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  request: EnvironmentRef & { readonly runId: string },
): Promise<RunView> {
  requireAllowed(caller, 'run.read', request.organization);
  const [run, environment] = await Promise.all([
    deps.repository.getRun(request.runId),
    deps.repository.getEnvironment(request.organization, request.environment),
  ]);
  // A run id names its environment: one of another environment is "not found" here, never shown.
  if (!run || run.organization !== request.organization || run.environment !== request.environment) {
    throw new ApiError(
      'not-found',
      `run ${request.runId} of ${request.organization}/${request.environment} does not exist`,
    );
  }
  // Shown like the run list's: the environment's log groups beside the phases' build logs.
  return runView(run, environment ? logsView(environment) : undefined);
}

/**
 * Resume: a new run of the recorded desired spec, planned like any other, so the phases that
 * succeeded with the same inputs are skipped (their outputs handed on) and it starts at the failed
 * one. Only a FAILED environment has something to resume (a failed teardown is retried with DELETE).
 */
export async function resumeRun(
  deps: UseCaseDeps,
  caller: Caller,
  request: EnvironmentRef,
): Promise<RunAccepted> {
  const { organization, environment } = request;
  requireAllowed(caller, 'run.resume', organization);
  requireNotCluster(organization);
  const current = await deps.repository.getEnvironment(organization, environment);
  if (!current) throw environmentNotFound(organization, environment);
  requireIdle(current);
  if (current.status !== 'FAILED') {
    throw new ApiError(
      'conflict.state',
      `environment ${organization}/${environment} is ${current.status}: only a FAILED environment can be resumed` +
        (current.status === 'DELETE_FAILED' ? ' (retry the teardown with DELETE)' : ''),
      { status: current.status },
    );
  }
  if (sharedClusterOf(current.spec) !== undefined) {
    return tenantRun(deps, caller, { current, trigger: 'resume', auditAction: 'run.resume-requested' });
  }
  const plan = planRun({
    trigger: 'resume',
    spec: current.spec,
    commit: current.gitCommit ?? '',
    successes: current.successes ?? {},
  });
  return launchRun(deps, {
    caller,
    organization,
    environment,
    current,
    trigger: 'resume',
    spec: current.spec,
    specHash: current.specHash,
    plan,
    auditAction: 'run.resume-requested',
    specHashAfter: current.specHash,
    commit: current.gitCommit ?? '',
  });
}

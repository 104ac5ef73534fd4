/**
 * DELETE of an environment: a teardown run that undoes the phases in reverse (planRun decides
 * which have anything to undo) and ends DELETED. A DELETED environment stays readable with its run
 * history; deleting it again is a 409 `conflict.state`, an environment never created is a 404.
 */
import { ApiError } from '../api/error-codes.js';
import type { RunAccepted } from '../api/schemas.js';
import type { Caller } from '../authorization.js';
import { sharedClusterOf } from '../cluster-placement.js';
import { planRun } from '../phase-plan.js';
import { environmentNotFound, requireAllowed, requireNotCluster } from './access.js';
import { tenantRun } from './cluster-tenants.js';
import { launchRun, requireIdle } from './launch-run.js';
import type { UseCaseDeps } from './ports.js';

export async function teardownEnvironment(
  deps: UseCaseDeps,
  caller: Caller,
  request: { readonly organization: string; readonly environment: string },
): Promise<RunAccepted> {
  const { organization, environment } = request;
  requireAllowed(caller, 'environment.teardown', organization);
  requireNotCluster(organization);
  const current = await deps.repository.getEnvironment(organization, environment);
  if (!current) throw environmentNotFound(organization, environment);
  requireIdle(current);
  if (current.status === 'DELETED') {
    throw new ApiError(
      'conflict.state',
      `environment ${organization}/${environment} is already DELETED: nothing to tear down`,
      { status: current.status },
    );
  }
  // A shared cluster's tenant removes its namespaces only (use-cases/cluster-tenants.ts).
  if (sharedClusterOf(current.spec) !== undefined) {
    return tenantRun(deps, caller, {
      current,
      trigger: 'teardown',
      auditAction: 'environment.teardown-requested',
    });
  }
  const plan = planRun({
    trigger: 'teardown',
    spec: current.spec,
    commit: '',
    successes: current.successes ?? {},
  });
  return launchRun(deps, {
    caller,
    organization,
    environment,
    current,
    trigger: 'teardown',
    spec: current.spec,
    specHash: current.specHash,
    plan,
    auditAction: 'environment.teardown-requested',
    specHashAfter: '',
  });
}

/**
 * PUT of an environment: record the desired spec and run the phases whose inputs changed.
 * In order: the organization is not the reserved `cluster` (400: use /v1/clusters) → the spec
 * and names are valid → the organization exists → its ceiling holds with this environment's
 * namespaces → no run holds the lock → the phase plan decides. A READY environment
 * with nothing to run answers 200 without a run (recording the spec only when its hash changed,
 * e.g. keys reordered never writes); anything else starts a run (202). Every refusal happens
 * before the first write.
 */
import { validationFailed } from '../api/error-codes.js';
import type { RunAccepted, SpecUnchanged } from '../api/schemas.js';
import { environmentView, planView } from '../api/views.js';
import type { Caller } from '../authorization.js';
import { isSharedPlacement, sharedClusterOf } from '../cluster-placement.js';
import { validateEnvironmentSpec } from '../environment-spec.js';
import { sameGitSource } from '../git-push.js';
import { planRun } from '../phase-plan.js';
import { specHash } from '../spec-hash.js';
import { requireAllowed, requireNotCluster, requireOrganization } from './access.js';
import { placeOnCluster } from './cluster-tenants.js';
import { launchRun, requireIdle } from './launch-run.js';
import type { UseCaseDeps } from './ports.js';
import { requireWithinQuota } from './quota.js';

export type ProvisionResult =
  | { readonly outcome: 'started'; readonly body: RunAccepted }
  | { readonly outcome: 'unchanged'; readonly body: SpecUnchanged };

export async function provisionEnvironment(
  deps: UseCaseDeps,
  caller: Caller,
  request: { readonly organization: string; readonly environment: string; readonly body: unknown },
): Promise<ProvisionResult> {
  const { organization, environment } = request;
  requireAllowed(caller, 'environment.provision', organization);
  // Before the body: a cluster's spec on `cluster/<name>` is refused for the route, not the shape.
  requireNotCluster(organization);
  // A spec naming a shared cluster is a tenant placement (use-cases/cluster-tenants.ts).
  if (isSharedPlacement(request.body)) return placeOnCluster(deps, caller, request);
  const validation = validateEnvironmentSpec(request.body, { organization, environment });
  if (!validation.ok) throw validationFailed(validation.issues, 'the environment spec');
  const spec = validation.spec;
  const org = await requireOrganization(deps, organization);
  const quota = await requireWithinQuota(deps, org, environment, spec);
  const current = await deps.repository.getEnvironment(organization, environment);
  requireIdle(current);
  const placedOn = current && current.status !== 'DELETED' ? sharedClusterOf(current.spec) : undefined;
  if (placedOn !== undefined) {
    throw validationFailed(
      [
        {
          field: 'sharedCluster',
          message: `sharedCluster: ${organization}/${environment} is a tenant of cluster ${placedOn}; tear it down before giving it a cluster of its own`,
        },
      ],
      'the environment spec',
    );
  }

  const hash = specHash(spec);
  // The commit a push last asked the environment to sync to: the same inputs plan the same run
  // (a spec that follows another repository or branch starts from that branch's head again).
  const commit = current && sameGitSource(current.spec, spec) ? (current.gitCommit ?? '') : '';
  const plan = planRun({ trigger: 'api', spec, commit, successes: current?.successes ?? {} });
  if (current?.status === 'READY' && plan.startAt === undefined) {
    let recorded = current;
    // Same plan, same namespace quotas: the grant is already held (a reorder changes no number).
    if (current.specHash !== hash) {
      recorded = await deps.repository.recordSpec({ organization, environment, spec, specHash: hash });
      await deps.repository.appendAudit({
        organization,
        environment,
        actor: caller.subject,
        action: 'environment.spec-recorded',
        detail: { specHashBefore: current.specHash, specHashAfter: hash },
      });
    }
    return { outcome: 'unchanged', body: { environment: environmentView(recorded), plan: planView(plan) } };
  }
  const body = await launchRun(deps, {
    caller,
    organization,
    environment,
    current,
    trigger: 'api',
    spec,
    specHash: hash,
    plan,
    auditAction: 'environment.provision-requested',
    specHashAfter: hash,
    commit,
    ...(quota ? { quota } : {}),
  });
  return { outcome: 'started', body };
}

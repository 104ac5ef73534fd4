/**
 * Runs of a shared cluster's tenants: a placement (PUT with `"sharedCluster"`), a resume and a
 * teardown. Each one, before its own lock, enters the cluster with one compare-and-set on the
 * cluster item (cluster READY and not locked by a run of its own; for a placement, the tenants'
 * grants with this one's must fit the capacity): a tenant run and a cluster run never overlap —
 * the later one is refused with 409 naming the other. Concurrent placements on one cluster that
 * read the same version are serialized by the compare-and-set (the loser re-reads and is checked
 * again). A tenant run whose lock is then refused leaves the cluster again, its grant restored.
 */
import { ApiError, type QuotaIssue, validationFailed } from '../api/error-codes.js';
import type { RunAccepted } from '../api/schemas.js';
import { environmentView, planView } from '../api/views.js';
import type { Caller } from '../authorization.js';
import { type ClusterSpec, overcommitOf, validateClusterSpec } from '../cluster.js';
import {
  addTotals,
  capacityShortfalls,
  clusterAllocatable,
  grantable,
  ZERO_TOTALS,
} from '../cluster-capacity.js';
import {
  parseSharedRequest,
  resolveSharedSpec,
  sharedClusterOf,
  TENANT_NOT_APPLICABLE,
  tenantKey,
  tenantSuccesses,
} from '../cluster-placement.js';
import type { ClusterState, EnterClusterInput, TenantGrant } from '../cluster-records.js';
import type { EnvironmentStatus, RunTrigger } from '../model.js';
import { planRun } from '../phase-plan.js';
import { buildRunId, parseRunId, runIdMatches } from '../run-id.js';
import { tenantNamespace } from '../spec/names.js';
import type { QuotaTotals } from '../spec/quota.js';
import { sumNamespaceQuotas } from '../spec/quota.js';
import { specHash } from '../spec-hash.js';
import { requireOrganization } from './access.js';
import { launchRun, requireIdle } from './launch-run.js';
import type { EnvironmentState, UseCaseDeps } from './ports.js';
import type { ProvisionResult } from './provision.js';
import { type QuotaReservation, requireWithinQuota } from './quota.js';

/** Compare-and-set attempts of one placement before it gives up (others keep winning). */
const PLACEMENT_ATTEMPTS = 5;

function clusterSpecOf(state: ClusterState): ClusterSpec {
  const checked = validateClusterSpec(state.record.spec, state.record.environment);
  if (!checked.ok) {
    throw new Error(`recorded spec of cluster ${state.record.environment} is not a cluster spec`);
  }
  return checked.spec;
}

/**
 * Whether one of the cluster's `tenantRuns` is a run of that tenant: its placement entered the
 * cluster and may not have taken its lock yet (which is what creates or re-places its environment).
 */
function hasRunOnCluster(state: ClusterState, organization: string, environment: string): boolean {
  return state.tenantRuns.some((runId) => {
    const parsed = parseRunId(runId);
    return (
      parsed !== undefined &&
      runIdMatches(runId, { organization, environment, seq: parsed.seq, specHash: parsed.specHashPrefix })
    );
  });
}

export interface LiveTenant {
  readonly key: string;
  readonly grant: TenantGrant;
  /** Absent while the tenant's first placement is between entering the cluster and its lock. */
  readonly tenant: EnvironmentState | undefined;
}

/**
 * Tenants whose grant still counts: every one whose environment is not DELETED (nor gone, nor
 * placed elsewhere), and every one with a run in progress on the cluster whatever its environment
 * says. A placement enters the cluster before its lock creates (or re-places) the environment, so
 * in between only the run in `tenantRuns` shows the grant is live: dropping it there would let a
 * concurrent placement overbook the cluster and lose the first tenant's grant.
 */
export async function liveTenants(
  deps: Pick<UseCaseDeps, 'repository'>,
  state: ClusterState,
): Promise<LiveTenant[]> {
  const entries = await Promise.all(
    Object.entries(state.tenants).map(async ([key, grant]): Promise<LiveTenant[]> => {
      const tenant = await deps.repository.getEnvironment(grant.organization, grant.environment);
      const placedHere =
        tenant !== undefined &&
        tenant.status !== 'DELETED' &&
        sharedClusterOf(tenant.spec) === state.record.environment;
      if (placedHere) return [{ key, grant, tenant }];
      if (hasRunOnCluster(state, grant.organization, grant.environment)) return [{ key, grant, tenant }];
      return [];
    }),
  );
  return entries.flat();
}

/** Keys of the cluster's tenant index whose grant no longer counts (see {@link liveTenants}). */
export function staleTenantKeys(state: ClusterState, live: readonly LiveTenant[]): string[] {
  const kept = new Set(live.map((entry) => entry.key));
  return Object.keys(state.tenants).filter((key) => !kept.has(key));
}

export function grantedTotal(grants: readonly { grant: QuotaTotals }[]): QuotaTotals {
  return grants.reduce((sum, { grant }) => addTotals(sum, grant), ZERO_TOTALS);
}

/** What the cluster may grant in total: allocatable × overcommit. */
export function clusterLimit(spec: ClusterSpec): { allocatable: QuotaTotals; limit: QuotaTotals } {
  const allocatable = clusterAllocatable(spec.cluster) ?? ZERO_TOTALS;
  return { allocatable, limit: grantable(allocatable, overcommitOf(spec)) };
}

export function capacityError(
  cluster: string,
  shortfalls: ReturnType<typeof capacityShortfalls>,
  what: string,
): ApiError {
  const details: QuotaIssue[] = shortfalls.map((shortfall) => ({
    field: `quota.${shortfall.resource}`,
    ...shortfall,
    message: `quota.${shortfall.resource}: ${what} ${shortfall.requested} ${shortfall.resource}; cluster ${cluster} has ${shortfall.available} available`,
  }));
  return new ApiError(
    'capacity.exceeded',
    `the capacity of cluster ${cluster} would be exceeded: ${details.map((d) => d.message).join('; ')}`,
    details,
  );
}

function clusterBusy(cluster: string, activeRunId: string): ApiError {
  return new ApiError(
    'conflict.busy',
    `shared cluster ${cluster} is busy with its own run ${activeRunId}: tenant runs wait for none, retry once it is done`,
    { activeRunId, cluster },
  );
}

function clusterNotReady(cluster: string, status: EnvironmentStatus): ApiError {
  return new ApiError(
    'conflict.state',
    `shared cluster ${cluster} is ${status}: tenants can be placed on a READY cluster only`,
    { status },
  );
}

async function requireCluster(deps: Pick<UseCaseDeps, 'repository'>, name: string): Promise<ClusterState> {
  const state = await deps.repository.getCluster(name);
  if (!state || state.record.status === 'DELETED') {
    throw validationFailed(
      [{ field: 'sharedCluster', message: `sharedCluster: cluster ${name} is not registered` }],
      'the environment spec',
    );
  }
  return state;
}

interface TenantLaunch {
  readonly caller: Caller;
  readonly organization: string;
  readonly environment: string;
  readonly current: EnvironmentState | undefined;
  readonly cluster: string;
  readonly trigger: RunTrigger;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly auditAction: string;
  /** The cluster statuses this run may start in. */
  readonly statuses: readonly EnvironmentStatus[];
  /** A placement: checks the capacity with this grant and records it. */
  readonly request?: QuotaTotals;
  /** A placement on a READY tenant may find nothing to run (200, no run). */
  readonly allowUnchanged?: boolean;
  /** The organization quota grant the placement changes, reserved with the run (quota.ts). */
  readonly quota?: QuotaReservation;
  /** A push-started run: the commit it plans and syncs with (git-push-runs.ts). @default '' */
  readonly commit?: string;
  /** Extra audit detail (a push's delivery id). */
  readonly auditDetail?: Readonly<Record<string, string>>;
}

/**
 * Enters the cluster and launches the tenant's run (see the module comment). Returns undefined
 * when the plan has nothing to run and the caller allowed that.
 */
async function launchTenantRun(
  deps: UseCaseDeps,
  launch: TenantLaunch,
): Promise<{ accepted: RunAccepted } | { unchanged: ProvisionResult }> {
  const { organization, environment, current } = launch;
  const hash = launch.trigger === 'teardown' ? (current?.specHash ?? '') : specHash(launch.spec);
  const seq = (current?.runSeq ?? 0) + 1;
  const runId = buildRunId({ organization, environment, seq, specHash: hash });
  const key = tenantKey(organization, environment);
  for (let attempt = 1; ; attempt += 1) {
    const state = await requireCluster(deps, launch.cluster);
    if (state.record.activeRunId) throw clusterBusy(launch.cluster, state.record.activeRunId);
    if (!launch.statuses.includes(state.record.status))
      throw clusterNotReady(launch.cluster, state.record.status);
    const successes = tenantSuccesses(current?.successes ?? {}, state.record.successes);
    const plan = planRun({
      trigger: launch.trigger,
      spec: launch.spec,
      commit: launch.commit ?? '',
      successes,
      notApplicable: TENANT_NOT_APPLICABLE,
    });
    if (launch.allowUnchanged && current?.status === 'READY' && plan.startAt === undefined) {
      let recorded = current;
      if (current.specHash !== hash) {
        recorded = await deps.repository.recordSpec({
          organization,
          environment,
          spec: launch.spec,
          specHash: hash,
        });
      }
      return {
        unchanged: {
          outcome: 'unchanged',
          body: { environment: environmentView(recorded), plan: planView(plan) },
        },
      };
    }
    let placement: EnterClusterInput['placement'];
    if (launch.request) {
      const live = await liveTenants(deps, state);
      const others = live.filter((entry) => entry.key !== key);
      requireNoClash(launch, others);
      const { limit } = clusterLimit(clusterSpecOf(state));
      const shortfalls = capacityShortfalls(launch.request, grantedTotal(others), limit);
      if (shortfalls.length > 0)
        throw capacityError(launch.cluster, shortfalls, `${organization}/${environment} requests`);
      const grant: TenantGrant = {
        organization,
        environment,
        ...launch.request,
        grantedAt: deps.now().toISOString(),
        namespaces: tenantNamespacesOf(organization, environment, launch.spec),
      };
      // Only this tenant's entry is written (and entries of tenants that no longer count removed):
      // the compare-and-set on the version guards the capacity check, never another tenant's grant.
      placement = {
        key,
        grant,
        stale: staleTenantKeys(state, live).filter((stale) => stale !== key),
        firstGrant: Object.keys(state.tenants).length === 0,
      };
    }
    const entered = await deps.repository.enterCluster({
      cluster: launch.cluster,
      runId,
      expectedVersion: state.record.version,
      statuses: launch.statuses,
      ...(placement ? { placement } : {}),
    });
    switch (entered.kind) {
      case 'missing':
        throw validationFailed([
          { field: 'sharedCluster', message: `sharedCluster: cluster ${launch.cluster} is not registered` },
        ]);
      case 'busy':
        throw clusterBusy(launch.cluster, entered.activeRunId);
      case 'status':
        throw clusterNotReady(launch.cluster, entered.status);
      case 'changed':
        if (attempt >= PLACEMENT_ATTEMPTS) {
          throw new ApiError(
            'conflict.busy',
            `shared cluster ${launch.cluster} kept changing during ${PLACEMENT_ATTEMPTS} attempts to place ${organization}/${environment}: retry`,
            { activeRunId: null, cluster: launch.cluster },
          );
        }
        continue;
      case 'entered':
        break;
    }
    try {
      const accepted = await launchRun(deps, {
        caller: launch.caller,
        organization,
        environment,
        current,
        trigger: launch.trigger,
        spec: launch.spec,
        specHash: hash,
        plan,
        auditAction: launch.auditAction,
        specHashAfter: launch.trigger === 'teardown' ? '' : hash,
        successes,
        ...(launch.quota ? { quota: launch.quota } : {}),
        ...(launch.commit ? { commit: launch.commit } : {}),
        ...(launch.auditDetail ? { auditDetail: launch.auditDetail } : {}),
      });
      return { accepted };
    } catch (error) {
      // The run never took its lock (a start-failed run was abandoned, which left the cluster already).
      if (!(error instanceof ApiError && error.code === 'run.start-failed')) {
        await deps.repository.leaveCluster({
          cluster: launch.cluster,
          runId,
          ...(placement ? { restore: { key, previous: state.tenants[key] } } : {}),
        });
      }
      throw error;
    }
  }
}

/**
 * On one cluster, an organization's AppProject, deployer and ClusterRoles are named after it, and a
 * namespace `<org>-<env>-<name>` may be spelt by two tenants (org `a` env `b-c`, org `a-b` env `c`):
 * either would let one tenant's objects reach another's, so both are refused, naming the other.
 */
function requireNoClash(launch: TenantLaunch, others: readonly LiveTenant[]): void {
  const sameOrganization = others.find((other) => other.grant.organization === launch.organization);
  const problem = (message: string) =>
    new ApiError(
      'conflict.state',
      `${launch.organization}/${launch.environment} cannot be placed on cluster ${launch.cluster}: ${message}`,
      {
        status: 'placement-refused',
      },
    );
  if (sameOrganization) {
    throw problem(
      `${sameOrganization.key} already places organization ${launch.organization} there (one environment per organization per cluster: its AppProject and RBAC are per organization)`,
    );
  }
  const mine = new Set(tenantNamespacesOf(launch.organization, launch.environment, launch.spec));
  for (const other of others) {
    // The grant's namespaces are the latest placement's (its spec may not be recorded yet); a
    // grant recorded before they were kept falls back to the tenant's spec.
    const theirs =
      other.grant.namespaces ??
      (other.tenant
        ? tenantNamespacesOf(other.tenant.organization, other.tenant.environment, other.tenant.spec)
        : []);
    const clash = theirs.find((name) => mine.has(name));
    if (clash) throw problem(`namespace ${clash} is already ${other.key}'s`);
  }
}

function tenantNamespacesOf(
  organization: string,
  environment: string,
  spec: Readonly<Record<string, unknown>>,
): string[] {
  const namespaces = Array.isArray(spec.namespaces) ? spec.namespaces : [];
  return namespaces.flatMap((namespace: unknown) =>
    typeof namespace === 'object' &&
    namespace !== null &&
    typeof (namespace as { name?: unknown }).name === 'string'
      ? [tenantNamespace(organization, environment, (namespace as { name: string }).name)]
      : [],
  );
}

/** PUT of an environment whose spec names a shared cluster. */
export async function placeOnCluster(
  deps: UseCaseDeps,
  caller: Caller,
  request: { readonly organization: string; readonly environment: string; readonly body: unknown },
): Promise<ProvisionResult> {
  const { organization, environment } = request;
  const parsed = parseSharedRequest(request.body);
  if (!parsed.ok) throw validationFailed(parsed.issues, 'the environment spec');
  const cluster = await requireCluster(deps, parsed.spec.sharedCluster);
  const resolved = resolveSharedSpec(parsed.spec, clusterSpecOf(cluster), { organization, environment });
  if (!resolved.ok) throw validationFailed(resolved.issues, 'the environment spec');
  const spec = resolved.spec;
  const org = await requireOrganization(deps, organization);
  const quota = await requireWithinQuota(deps, org, environment, spec);
  const current = await deps.repository.getEnvironment(organization, environment);
  requireIdle(current);
  if (current && current.status !== 'DELETED' && sharedClusterOf(current.spec) !== spec.sharedCluster) {
    const where = sharedClusterOf(current.spec);
    throw validationFailed(
      [
        {
          field: 'sharedCluster',
          message: `sharedCluster: ${organization}/${environment} is ${where ? `a tenant of cluster ${where}` : 'a dedicated environment'}; tear it down before placing it elsewhere`,
        },
      ],
      'the environment spec',
    );
  }
  const result = await launchTenantRun(deps, {
    caller,
    organization,
    environment,
    current,
    cluster: spec.sharedCluster,
    trigger: 'api',
    spec,
    auditAction: 'environment.provision-requested',
    statuses: ['READY'],
    request: sumNamespaceQuotas(spec),
    allowUnchanged: true,
    ...(quota ? { quota } : {}),
  });
  return 'accepted' in result ? { outcome: 'started', body: result.accepted } : result.unchanged;
}

/** Resume or teardown of a tenant: enters its cluster first (no new grant). */
export async function tenantRun(
  deps: UseCaseDeps,
  caller: Caller,
  request: {
    readonly current: EnvironmentState;
    readonly trigger: 'resume' | 'teardown';
    readonly auditAction: string;
  },
): Promise<RunAccepted> {
  const { current } = request;
  const cluster = sharedClusterOf(current.spec);
  if (cluster === undefined)
    throw new Error(`${current.organization}/${current.environment} is not a tenant`);
  const result = await launchTenantRun(deps, {
    caller,
    organization: current.organization,
    environment: current.environment,
    current,
    cluster,
    trigger: request.trigger,
    spec: current.spec,
    auditAction: request.auditAction,
    // A tenant can leave a cluster whose last run failed; it resumes on a READY one only.
    statuses: request.trigger === 'teardown' ? ['READY', 'FAILED'] : ['READY'],
  });
  if (!('accepted' in result)) throw new Error('a tenant resume or teardown always runs');
  return result.accepted;
}

/**
 * A Git push to a tenant's repository (git-push-runs.ts): the tenant's run at that commit, entering
 * its cluster like any tenant run (READY, not locked by a run of its own). The plan is the tenant's
 * (the ArgoCD tenant part alone; the cluster's phases are not applicable), so a READY tenant whose
 * inputs the commit does not change has nothing to run.
 */
export async function tenantPushRun(
  deps: UseCaseDeps,
  caller: Caller,
  request: {
    readonly current: EnvironmentState;
    readonly commit: string;
    readonly auditAction: string;
    readonly auditDetail?: Readonly<Record<string, string>>;
  },
): Promise<{ accepted: RunAccepted } | { unchanged: ProvisionResult }> {
  const { current } = request;
  const cluster = sharedClusterOf(current.spec);
  if (cluster === undefined)
    throw new Error(`${current.organization}/${current.environment} is not a tenant`);
  return launchTenantRun(deps, {
    caller,
    organization: current.organization,
    environment: current.environment,
    current,
    cluster,
    trigger: 'git-push',
    spec: current.spec,
    auditAction: request.auditAction,
    statuses: ['READY'],
    allowUnchanged: true,
    commit: request.commit,
    ...(request.auditDetail ? { auditDetail: request.auditDetail } : {}),
  });
}

/**
 * Whether a READY tenant lags its cluster: a PUT of its spec now — resolved against the cluster's
 * current spec (versions, network, ingress) with the cluster's current Terraform and Ansible
 * successes handed on — would run its ArgoCD part (the fingerprint of that phase covers what it is
 * handed). True after a cluster run that changed what the tenants get (an upgrade, a new shape); a
 * re-PUT of the tenant's spec refreshes it. A tenant that is not READY is not called stale: its
 * next run re-runs the phase anyway.
 */
export function isStaleTenant(tenant: EnvironmentState, cluster: ClusterState): boolean {
  if (tenant.status !== 'READY') return false;
  const checkedCluster = validateClusterSpec(cluster.record.spec, cluster.record.environment);
  if (!checkedCluster.ok) return false;
  const { sharedCluster: _name, ...own } = tenant.spec;
  const request = {
    sharedCluster: cluster.record.environment,
    body: { ...own, sharedCluster: cluster.record.environment },
  };
  const resolved = resolveSharedSpec(request, checkedCluster.spec, {
    organization: tenant.organization,
    environment: tenant.environment,
  });
  // A tenant the cluster can no longer host is out of step too: its PUT names why.
  if (!resolved.ok) return true;
  const plan = planRun({
    trigger: 'api',
    spec: resolved.spec,
    commit: tenant.gitCommit ?? '',
    successes: tenantSuccesses(tenant.successes, cluster.record.successes),
    notApplicable: TENANT_NOT_APPLICABLE,
  });
  return plan.startAt !== undefined;
}

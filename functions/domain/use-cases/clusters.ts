/**
 * The shared-cluster registry (platform-admin only): PUT records a cluster's spec and runs the
 * phases whose inputs changed (terraform, ansible, the platform part of the ArgoCD phase) as the
 * environment `cluster/<name>`; GET shows its status, capacity and tenants; DELETE tears it down.
 * A cluster run is refused while tenant runs are in progress on it (lock.ts), a teardown while it
 * has tenants, a new shape while the tenants' grants would not fit it. Every refusal comes before
 * the first write.
 */
import { ApiError, validationFailed } from '../api/error-codes.js';
import type { AlertView, PageView, RunAccepted, SpecUnchanged } from '../api/schemas.js';
import { alertView, environmentView, planView } from '../api/views.js';
import type { Caller } from '../authorization.js';
import { CLUSTER_ORGANIZATION, type ClusterSpec, overcommitOf, validateClusterSpec } from '../cluster.js';
import type { ClusterCapacityView, ClusterView } from '../cluster-api.js';
import { capacityShortfalls, ZERO_TOTALS } from '../cluster-capacity.js';
import type { ClusterState } from '../cluster-records.js';
import { planRun } from '../phase-plan.js';
import { formatCpu, formatMemory } from '../spec/quantities.js';
import type { QuotaTotals } from '../spec/quota.js';
import { specHash } from '../spec-hash.js';
import { requireAllowed } from './access.js';
import { capacityError, clusterLimit, grantedTotal, isStaleTenant, liveTenants } from './cluster-tenants.js';
import { launchRun, requireIdle } from './launch-run.js';
import type { PageOptions, RunState, UseCaseDeps } from './ports.js';

function resources(totals: QuotaTotals) {
  return {
    cpu: formatCpu(totals.cpuMillicores),
    memory: formatMemory(totals.memoryBytes),
    pods: totals.pods,
  };
}

function clusterNotFound(name: string): ApiError {
  return new ApiError('not-found', `cluster ${name} does not exist`);
}

async function clusterView(
  deps: Pick<UseCaseDeps, 'repository'>,
  state: ClusterState,
  currentRun?: RunState,
): Promise<ClusterView> {
  const checked = validateClusterSpec(state.record.spec, state.record.environment);
  const spec: ClusterSpec | undefined = checked.ok ? checked.spec : undefined;
  const tenants = await liveTenants(deps, state);
  const granted = grantedTotal(tenants);
  const { allocatable, limit } = spec ? clusterLimit(spec) : { allocatable: ZERO_TOTALS, limit: ZERO_TOTALS };
  const left = (a: number, b: number) => Math.max(0, a - b);
  // A torn-down cluster has no nodes: it is listed as DELETED, without a capacity to grant from.
  const deleted = state.record.status === 'DELETED';
  const capacity: ClusterCapacityView = {
    allocatable: resources(allocatable),
    limit: resources(limit),
    granted: resources(granted),
    available: resources({
      cpuMillicores: left(limit.cpuMillicores, granted.cpuMillicores),
      memoryBytes: left(limit.memoryBytes, granted.memoryBytes),
      pods: left(limit.pods, granted.pods),
    }),
    overcommit: spec ? { ...overcommitOf(spec) } : { cpu: 1, memory: 1 },
  };
  const environment = environmentView(state.record, currentRun);
  return {
    cluster: state.record.environment,
    status: environment.status,
    spec: environment.spec,
    specHash: environment.specHash,
    ...(environment.activeRunId ? { activeRunId: environment.activeRunId } : {}),
    ...(environment.currentRunId ? { currentRunId: environment.currentRunId } : {}),
    ...(environment.currentRun ? { currentRun: environment.currentRun } : {}),
    ...(deleted ? {} : { capacity }),
    tenants: tenants
      .map(({ grant, tenant }) => ({
        organization: grant.organization,
        environment: grant.environment,
        status: tenant?.status ?? 'PENDING',
        granted: resources(grant),
        stale: tenant ? isStaleTenant(tenant, state) : false,
      }))
      .sort((a, b) =>
        `${a.organization}/${a.environment}`.localeCompare(`${b.organization}/${b.environment}`),
      ),
    tenantRuns: [...state.tenantRuns],
    createdAt: environment.createdAt,
    updatedAt: environment.updatedAt,
  };
}

export async function listClusters(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  page: PageOptions,
): Promise<PageView<ClusterView>> {
  requireAllowed(caller, 'cluster.read');
  const result = await deps.repository.listClusters(page);
  const items = await Promise.all(result.items.map((state) => clusterView(deps, state)));
  return { items, ...(result.cursor ? { cursor: result.cursor } : {}) };
}

export async function getCluster(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  request: { readonly cluster: string },
): Promise<ClusterView> {
  requireAllowed(caller, 'cluster.read');
  const state = await deps.repository.getCluster(request.cluster);
  if (!state) throw clusterNotFound(request.cluster);
  const runId = state.record.activeRunId ?? state.record.lastRunId;
  const run = runId ? await deps.repository.getRun(runId) : undefined;
  return clusterView(deps, state, run);
}

/**
 * platform-admin: the cluster's own alerts — its runs' failures, events about its platform
 * namespaces — newest first. A tenant's alerts stay on its organization (GET /v1/orgs/{org}/alerts):
 * an event the cluster's hooks route to a tenant is recorded as that tenant's, never here.
 */
export async function listClusterAlerts(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  request: { readonly cluster: string; readonly page: PageOptions },
): Promise<PageView<AlertView>> {
  requireAllowed(caller, 'cluster.read');
  const state = await deps.repository.getCluster(request.cluster);
  if (!state) throw clusterNotFound(request.cluster);
  const page = await deps.repository.listClusterAlerts(request.cluster, request.page);
  return { items: page.items.map(alertView), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

function requireNoTenantRuns(state: ClusterState | undefined): void {
  if (state && state.tenantRuns.length > 0) {
    throw new ApiError(
      'conflict.busy',
      `cluster ${state.record.environment} has tenant runs in progress (${state.tenantRuns.join(', ')}): a cluster run waits for none, retry once they are done`,
      { activeRunId: state.tenantRuns[0] ?? null, cluster: state.record.environment },
    );
  }
}

export type PutClusterResult =
  | { readonly outcome: 'started'; readonly body: RunAccepted }
  | { readonly outcome: 'unchanged'; readonly body: SpecUnchanged };

/** platform-admin: registers or changes a shared cluster; a run of the phases whose inputs changed. */
export async function putCluster(
  deps: UseCaseDeps,
  caller: Caller,
  request: { readonly cluster: string; readonly body: unknown },
): Promise<PutClusterResult> {
  requireAllowed(caller, 'cluster.write');
  const name = request.cluster;
  const validation = validateClusterSpec(request.body, name);
  if (!validation.ok) throw validationFailed(validation.issues, 'the cluster spec');
  const spec = validation.spec;
  const state = await deps.repository.getCluster(name);
  requireIdle(state?.record);
  requireNoTenantRuns(state);
  if (state) {
    // A new shape (or a lower overcommit) may not leave the tenants' grants without room.
    const tenants = await liveTenants(deps, state);
    const shortfalls = capacityShortfalls(grantedTotal(tenants), ZERO_TOTALS, clusterLimit(spec).limit);
    if (shortfalls.length > 0) {
      throw capacityError(name, shortfalls, 'its tenants were granted');
    }
  }
  const current = state?.record;
  const hash = specHash(spec);
  const plan = planRun({ trigger: 'api', spec, commit: '', successes: current?.successes ?? {} });
  if (current?.status === 'READY' && plan.startAt === undefined) {
    let recorded = current;
    if (current.specHash !== hash) {
      recorded = await deps.repository.recordSpec({
        organization: CLUSTER_ORGANIZATION,
        environment: name,
        spec,
        specHash: hash,
      });
    }
    return { outcome: 'unchanged', body: { environment: environmentView(recorded), plan: planView(plan) } };
  }
  const body = await launchRun(deps, {
    caller,
    organization: CLUSTER_ORGANIZATION,
    environment: name,
    current,
    trigger: 'api',
    spec,
    specHash: hash,
    plan,
    auditAction: current ? 'cluster.change-requested' : 'cluster.provision-requested',
    specHashAfter: hash,
    exclusiveOfTenants: true,
  });
  return { outcome: 'started', body };
}

/** platform-admin: tears a shared cluster down; refused while it has tenants (409 naming them). */
export async function deleteCluster(
  deps: UseCaseDeps,
  caller: Caller,
  request: { readonly cluster: string },
): Promise<RunAccepted> {
  requireAllowed(caller, 'cluster.write');
  const name = request.cluster;
  const state = await deps.repository.getCluster(name);
  if (!state) throw clusterNotFound(name);
  const current = state.record;
  requireIdle(current);
  requireNoTenantRuns(state);
  if (current.status === 'DELETED') {
    throw new ApiError('conflict.state', `cluster ${name} is already DELETED: nothing to tear down`, {
      status: current.status,
    });
  }
  const tenants = (await liveTenants(deps, state)).map(({ key }) => key).sort();
  if (tenants.length > 0) {
    throw new ApiError(
      'conflict.state',
      `cluster ${name} still has tenants: ${tenants.join(', ')}; tear them down first`,
      { tenants },
    );
  }
  const plan = planRun({
    trigger: 'teardown',
    spec: current.spec,
    commit: '',
    successes: current.successes ?? {},
  });
  return launchRun(deps, {
    caller,
    organization: CLUSTER_ORGANIZATION,
    environment: name,
    current,
    trigger: 'teardown',
    spec: current.spec,
    specHash: current.specHash,
    plan,
    auditAction: 'cluster.teardown-requested',
    specHashAfter: '',
    exclusiveOfTenants: true,
  });
}

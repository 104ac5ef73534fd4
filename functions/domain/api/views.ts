/**
 * What the API shows of the stored records: the organization-visible fields only. Internal
 * bookkeeping (sequence counters, versions, phase outputs such as S3 keys and secret ids, the
 * plan's fingerprints) never leaves the service. Pure: no I/O.
 */
import type { RecordedAlert } from '../alert-delivery.js';
import { CLUSTER_ORGANIZATION } from '../cluster.js';
import type { ClusterStatus } from '../cluster-event-status.js';
import { sharedClusterOf } from '../cluster-placement.js';
import {
  environmentLogGroup,
  logGroupConsoleUrl,
  logGroupOutlivesTeardown,
  logRetentionDays,
  platformLogGroup,
} from '../logs.js';
import type { PhasePlan } from '../phase-plan.js';
import type { AuditEntry, OrganizationRecord } from '../records.js';
import { phaseAsShown } from '../run.js';
import type { EnvironmentState, PhaseState, RunState } from '../use-cases/ports.js';
import type {
  AlertView,
  AuditView,
  EnvironmentView,
  LogsView,
  OrganizationView,
  PhaseView,
  PlanView,
  RunView,
} from './schemas.js';

export function organizationView(record: OrganizationRecord): OrganizationView {
  return {
    organization: record.organization,
    displayName: record.displayName,
    quota: {
      cpu: record.quota.cpu,
      memory: record.quota.memory,
      pods: record.quota.pods,
      ...(record.quota.storage === undefined ? {} : { storage: record.quota.storage }),
      ...(record.quota.persistentVolumeClaims === undefined
        ? {}
        : { persistentVolumeClaims: record.quota.persistentVolumeClaims }),
    },
    maxEnvironments: record.maxEnvironments,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function durationSeconds(startedAt?: string, endedAt?: string): number | undefined {
  if (!startedAt || !endedAt) return undefined;
  const ms = Date.parse(endedAt) - Date.parse(startedAt);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 100) / 10 : undefined;
}

/** Only the members that are set, so a view never carries `undefined` placeholders. */
function defined<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

const SYNC_RESULTS = ['Synced', 'Superseded', 'Failed'] as const;

/**
 * What the ArgoCD phase of a push-started run reported about its commit (GITOPS_* outputs,
 * docs/phase-contract.md); none for a phase that did not run (a SKIPPED phase's outputs are an
 * earlier run's).
 */
function gitopsSyncView(record: PhaseState): PhaseView['gitopsSync'] {
  const outputs = record.outputs ?? {};
  const commit = outputs.GITOPS_COMMIT ?? '';
  if (commit === '' || record.status === 'SKIPPED') return undefined;
  const result = SYNC_RESULTS.find((value) => value === outputs.GITOPS_SYNC_RESULT) ?? 'Failed';
  const revision = outputs.GITOPS_SYNCED_REVISION;
  return defined({ commit, result, revision: revision === '' ? undefined : revision });
}

/** One phase of `run` (if given): the phase an INTERRUPTED run was in shows as INTERRUPTED, ended with it. */
export function phaseView(
  phase: PhaseView['phase'],
  record: PhaseState,
  run?: Pick<RunState, 'status' | 'endedAt'>,
): PhaseView {
  const { status, endedAt } = run ? phaseAsShown(run, record) : record;
  return defined({
    phase,
    status,
    startedAt: record.startedAt,
    endedAt,
    durationSeconds: durationSeconds(record.startedAt, endedAt),
    buildId: record.buildId,
    logLink: record.logLink,
    reason: record.reason,
    handedOnFrom: record.handedOnFrom,
    error: record.error,
    gitopsSync: gitopsSyncView(record),
  });
}

export function runView(run: RunState, logs?: LogsView): RunView {
  return defined({
    organization: run.organization,
    environment: run.environment,
    runId: run.runId,
    seq: run.seq,
    trigger: run.trigger,
    status: run.status,
    commit: run.commit,
    specHash: run.specHash,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    phases: run.phaseOrder.map((phase) => phaseView(phase, run.phases[phase], run)),
    error: run.error
      ? defined({
          phase: run.error.phase,
          cause: run.error.cause,
          buildId: run.error.buildId,
          logLink: run.error.logLink,
          retryable: run.error.retryable,
        })
      : undefined,
    logs,
  });
}

/**
 * Where the environment's cluster ships its logs, from the recorded spec (its region; a tenant's
 * resolved spec carries its cluster's region and retention). The link is shown in local mode too:
 * it names the group, though nothing is shipped there (no cluster runs locally).
 */
export function logsView(record: EnvironmentState): LogsView | undefined {
  const region = record.spec.region;
  if (typeof region !== 'string') return undefined;
  const { organization, environment } = record;
  // Torn down: its groups went with its Terraform, unless it is a tenant (see logs.ts).
  if (record.status === 'DELETED' && !logGroupOutlivesTeardown(organization, sharedClusterOf(record.spec))) {
    return undefined;
  }
  const logGroup = environmentLogGroup(organization, environment);
  // A dedicated environment's cluster is its own: its platform group is shown too. A tenant's is
  // the shared cluster's (GET /v1/orgs/cluster/environments/<name>); a cluster's logGroup is it.
  const dedicated = organization !== CLUSTER_ORGANIZATION && sharedClusterOf(record.spec) === undefined;
  return defined({
    logGroup,
    platformLogGroup: dedicated ? platformLogGroup(organization, environment) : undefined,
    retentionDays: logRetentionDays(record.spec),
    link: logGroupConsoleUrl(region, logGroup),
  });
}

export function environmentView(record: EnvironmentState, currentRun?: RunState): EnvironmentView {
  return defined({
    organization: record.organization,
    environment: record.environment,
    status: record.status,
    tier: record.tier,
    spec: { ...record.spec },
    specHash: record.specHash,
    activeRunId: record.activeRunId,
    currentRunId: record.activeRunId ?? record.lastRunId,
    currentRun: currentRun ? runView(currentRun, logsView(record)) : undefined,
    cluster: record.cluster ? clusterStatusView(record.cluster) : undefined,
    logs: logsView(record),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    statusChangedAt: record.statusChangedAt,
  });
}

/** The cluster's reports without the hook's bookkeeping (`failing`: which alert awaits its recovery). */
export function clusterStatusView(cluster: ClusterStatus): NonNullable<EnvironmentView['cluster']> {
  return {
    applications: Object.fromEntries(
      Object.entries(cluster.applications).map(([name, { failing: _failing, ...status }]) => [name, status]),
    ),
    alerts: { ...cluster.alerts },
    unrouted: { ...cluster.unrouted },
  };
}

export function planView(plan: PhasePlan): PlanView {
  return {
    startAt: plan.startAt ?? null,
    phases: plan.order.map((phase) => ({
      phase,
      action: plan.phases[phase].action,
      reason: plan.phases[phase].reason,
    })),
  };
}

export function alertView(alert: RecordedAlert): AlertView {
  const { delivery } = alert;
  return defined({
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    organization: alert.organization,
    environment: alert.environment,
    run: alert.run,
    summary: alert.summary,
    detail: alert.detail,
    links: alert.links.map((link) => ({ label: link.label, url: link.url })),
    occurredAt: alert.occurredAt,
    delivery: defined({
      status: delivery.status,
      attempts: delivery.attempts,
      lastAttemptAt: delivery.lastAttemptAt,
      lastError: delivery.lastError,
      nextAttemptAt: delivery.nextAttemptAt,
      deliveredAt: delivery.deliveredAt,
    }),
  });
}

export function auditView(entry: AuditEntry): AuditView {
  return defined({
    at: entry.at,
    id: entry.id,
    actor: entry.actor,
    action: entry.action,
    environment: entry.environment,
    detail: entry.detail ? { ...entry.detail } : undefined,
  });
}

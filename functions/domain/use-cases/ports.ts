/**
 * What the API's use cases need from the outside world, as interfaces: the DynamoDB repository
 * (functions/adapters/dynamodb) and the run starter (functions/adapters/sfn) satisfy them
 * structurally, tests and local mode pass the same real adapters. Keeping the ports here keeps
 * the use cases free of AWS SDK imports.
 */
import type { RecordedAlert } from '../alert-delivery.js';
import type {
  ClusterState,
  EnterClusterInput,
  EnterClusterOutcome,
  LeaveClusterInput,
} from '../cluster-records.js';
import type { PhaseName, RunTrigger } from '../model.js';
import type { PhasePlan, PhaseSuccesses } from '../phase-plan.js';
import type { AllocationChange, QuotaAllocation } from '../quota-allocation.js';
import type { AuditEntry, EnvironmentRecord, OrganizationRecord, Quota } from '../records.js';
import type { PhaseRecord, RunRecord } from '../run.js';
import type { WorkflowInput } from '../workflow-events.js';

export interface Page<T> {
  readonly items: T[];
  /** Opaque; absent on the last page. */
  readonly cursor?: string;
}

export interface PageOptions {
  readonly limit?: number;
  readonly cursor?: string;
}

/** An environment as the state layer records it, with the phase plan's bookkeeping. */
export type EnvironmentState = EnvironmentRecord & {
  /** The last success of each phase (fingerprint, run, outputs): what a plan may skip. */
  readonly successes?: PhaseSuccesses;
};

/** A phase record with the plan's skip reason and the run whose outputs it handed on. */
export type PhaseState = PhaseRecord & { readonly reason?: string; readonly handedOnFrom?: string };

export type RunState = Omit<RunRecord, 'phases'> & {
  readonly phases: Readonly<Record<PhaseName, PhaseState>>;
};

export interface StartRunInput {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  readonly seq: number;
  readonly trigger: RunTrigger;
  readonly commit: string;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly specHash: string;
  readonly plan: PhasePlan;
  /** Successes recorded with the lock (a shared cluster's tenant takes over its cluster's). */
  readonly successes?: PhaseSuccesses;
  /** A shared cluster's own run: refused while tenant runs are in progress on it. */
  readonly exclusiveOfTenants?: boolean;
}

export interface AuditInput {
  readonly organization: string;
  readonly actor: string;
  readonly action: string;
  readonly environment?: string;
  readonly detail?: Readonly<Record<string, string>>;
}

export interface ApiRepository {
  getOrganization(organization: string): Promise<OrganizationRecord | undefined>;
  putOrganization(input: {
    readonly organization: string;
    readonly displayName: string;
    readonly quota: Quota;
    readonly maxEnvironments: number;
  }): Promise<OrganizationRecord>;
  listOrganizations(options?: PageOptions): Promise<Page<OrganizationRecord>>;
  /**
   * One change of an environment's quota grant, conditional on its entry being `change.previous`
   * and every total within `change.limits` (functions/domain/quota-allocation.ts); false if not.
   */
  changeQuotaAllocation(organization: string, change: AllocationChange): Promise<boolean>;
  /** Records the allocation of an organization that has none yet; false if it has one. */
  initQuotaAllocation(organization: string, allocation: QuotaAllocation): Promise<boolean>;
  getEnvironment(organization: string, environment: string): Promise<EnvironmentState | undefined>;
  listEnvironments(organization: string, options?: PageOptions): Promise<Page<EnvironmentState>>;
  getRun(runId: string): Promise<RunState | undefined>;
  listRuns(organization: string, environment: string, options?: PageOptions): Promise<Page<RunState>>;
  listAlerts(organization: string, options?: PageOptions): Promise<Page<RecordedAlert>>;
  listAudit(organization: string, options?: PageOptions): Promise<Page<AuditEntry>>;
  appendAudit(input: AuditInput): Promise<AuditEntry>;
  /**
   * Puts the run item and, in one conditional write, records the desired spec, takes the lock and
   * moves the status. EnvironmentLockedError when busy, TransitionRefusedError when the status
   * forbids the run; nothing is left written on a refusal.
   */
  startRun(input: StartRunInput): Promise<{ run: RunState; environment: EnvironmentState }>;
  /** Spec-only write (no run); EnvironmentLockedError while a run holds the lock. */
  recordSpec(input: {
    readonly organization: string;
    readonly environment: string;
    readonly spec: Readonly<Record<string, unknown>>;
    readonly specHash: string;
  }): Promise<EnvironmentState>;
  /** StartExecution failed after startRun: run FAILED with the cause, lock released, status restored. */
  abandonRun(input: {
    readonly organization: string;
    readonly environment: string;
    readonly runId: string;
    readonly cause: string;
  }): Promise<void>;
}

/** Shared clusters in the state layer (functions/adapters/dynamodb/clusters.ts). */
export interface ClusterRepository {
  getCluster(name: string): Promise<ClusterState | undefined>;
  listClusters(options?: PageOptions): Promise<Page<ClusterState>>;
  /** The cluster's own alerts (organization `cluster`, environment `<name>`), newest first. */
  listClusterAlerts(cluster: string, options?: PageOptions): Promise<Page<RecordedAlert>>;
  /**
   * Compare-and-set on the cluster item: the tenant run enters (and its grant is recorded, the
   * other tenants' entries untouched but for the `stale` ones removed).
   */
  enterCluster(input: EnterClusterInput): Promise<EnterClusterOutcome>;
  /** The tenant run leaves (its lock was never taken): with the grant it had before, or none. */
  leaveCluster(input: LeaveClusterInput): Promise<void>;
}

export interface ApiRunStarter {
  startExecution(input: WorkflowInput): Promise<unknown>;
}

/** Everything a use case gets: the state layer, the workflow, a clock. */
export interface UseCaseDeps {
  readonly repository: ApiRepository & ClusterRepository;
  readonly runStarter: ApiRunStarter;
  readonly now: () => Date;
}

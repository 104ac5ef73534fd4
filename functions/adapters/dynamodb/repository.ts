/**
 * Slipway's state store: one DynamoDB table, single-item conditional writes only
 * (docs/data-model.md). `createRepository` binds the functions of this folder to one client,
 * table and clock; create it once per Lambda container and inject a client in tests.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Alert } from '../../domain/alert.js';
import type { RecordedAlert } from '../../domain/alert-delivery.js';
import type { ClusterStatusPatch } from '../../domain/cluster-event-status.js';
import type { ClusterState } from '../../domain/cluster-records.js';
import type { GitPushed } from '../../domain/git-push.js';
import type { AllocationChange, QuotaAllocation } from '../../domain/quota-allocation.js';
import type { AuditEntry, EnvironmentRecord, OrganizationRecord } from '../../domain/records.js';
import type { RunRecord } from '../../domain/run.js';
import {
  claimAlertDelivery,
  completeAlertDelivery,
  type DeliveryClaim,
  dropAlertOutbox,
  getRecordedAlert,
  listAlertOutbox,
  listAlerts,
  listClusterAlerts,
  type OutboxEntry,
  type RecordAlertResult,
  recordAlert,
  releaseAlertDelivery,
  restoreAlert,
} from './alerts.js';
import { type AppendAuditInput, appendAudit, listAudit } from './audit.js';
import {
  type EnterClusterInput,
  type EnterClusterOutcome,
  enterCluster,
  getCluster,
  type LeaveClusterInput,
  leaveCluster,
  listClusters,
} from './clusters.js';
import type { RepositoryContext } from './context.js';
import {
  getEnvironment,
  listEnvironments,
  type RecordSpecInput,
  recordClusterStatus,
  recordSpec,
} from './environments.js';
import {
  claimPush,
  clearQueuedPush,
  type FollowingEnvironment,
  getPush,
  getQueuedPush,
  listFollowingEnvironments,
  listUnrouted,
  markPush,
  type PushRecord,
  type PushRef,
  type PushStatus,
  type QueuedPush,
  queuePush,
  recordUnrouted,
  type UnroutedInput,
} from './git-pushes.js';
import {
  changeQuotaAllocation,
  getOrganization,
  initQuotaAllocation,
  listOrganizations,
  type PutOrganizationInput,
  putOrganization,
} from './organizations.js';
import type { Page, PageOptions } from './pages.js';
import {
  type AbandonRunInput,
  abandonRun,
  type CompleteRunInput,
  completeRun,
  type FailRunInput,
  type FailRunResult,
  type FinishRunResult,
  failRun,
  getRun,
  getRunBySeq,
  type InterruptRunInput,
  interruptRun,
  listLockedEnvironments,
  listRuns,
  type RecordPhaseInput,
  type RecordPhaseResult,
  recordPhase,
  type StartRunInput,
  type StartRunResult,
  startRun,
  type VerifyRunStartInput,
  type VerifyRunStartResult,
  verifyRunStart,
} from './runs.js';
import { Store, type WriteListener } from './store.js';

export type { Page, PageOptions } from './pages.js';
export type { WriteEvent, WriteListener } from './store.js';

export interface RepositoryOptions {
  /** Default: a new client configured from the Lambda environment. */
  readonly client?: DynamoDBDocumentClient | DynamoDBClient;
  readonly tableName: string;
  /** Default: the system clock. */
  readonly now?: () => Date;
  /** Called after every write attempt (conditional failures included), e.g. to count writes. */
  readonly onWrite?: WriteListener;
}

export interface ListOptions {
  readonly limit?: number;
}

export interface Repository {
  putOrganization(input: PutOrganizationInput): Promise<OrganizationRecord>;
  getOrganization(organization: string): Promise<OrganizationRecord | undefined>;
  listOrganizations(options?: PageOptions): Promise<Page<OrganizationRecord>>;
  /** One conditional change of an environment's quota grant on its organization (organizations.ts). */
  changeQuotaAllocation(organization: string, change: AllocationChange): Promise<boolean>;
  /** The one-off allocation of an organization recorded before allocations were. */
  initQuotaAllocation(organization: string, allocation: QuotaAllocation): Promise<boolean>;
  /** Records a desired spec without a run (refused while locked). */
  recordSpec(input: RecordSpecInput): Promise<EnvironmentRecord>;
  getEnvironment(organization: string, environment: string): Promise<EnvironmentRecord | undefined>;
  listEnvironments(organization: string, options?: PageOptions): Promise<Page<EnvironmentRecord>>;
  /** The API's start of a run: run item, then spec + lock on the environment. */
  startRun(input: StartRunInput): Promise<StartRunResult>;
  /** The workflow's AcquireLock: checks the execution is the run the API started, opens its first phase. */
  verifyRunStart(input: VerifyRunStartInput): Promise<VerifyRunStartResult>;
  /** StartExecution failed after startRun: run FAILED, lock released, status restored. */
  abandonRun(input: AbandonRunInput): Promise<void>;
  recordPhase(input: RecordPhaseInput): Promise<RecordPhaseResult>;
  completeRun(input: CompleteRunInput): Promise<FinishRunResult>;
  failRun(input: FailRunInput): Promise<FailRunResult>;
  interruptRun(input: InterruptRunInput): Promise<FinishRunResult>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  getRunBySeq(organization: string, environment: string, seq: number): Promise<RunRecord | undefined>;
  listRuns(organization: string, environment: string, options?: PageOptions): Promise<Page<RunRecord>>;
  listLockedEnvironments(
    options?: ListOptions,
  ): Promise<{ organization: string; environment: string; runId: string }[]>;
  /** Records an alert (pending delivery, with its outbox entry) once per dedupKey. */
  recordAlert(alert: Alert): Promise<RecordAlertResult>;
  getAlert(alertId: string): Promise<RecordedAlert | undefined>;
  restoreAlert(alert: Alert): Promise<RecordedAlert>;
  claimAlertDelivery(input: DeliveryClaim): Promise<RecordedAlert | undefined>;
  completeAlertDelivery(input: { alertId: string; claim: string; messageId?: string }): Promise<boolean>;
  releaseAlertDelivery(input: {
    alertId: string;
    claim: string;
    error: string;
    nextAttemptAt: string;
  }): Promise<boolean>;
  listAlertOutbox(limit: number): Promise<OutboxEntry[]>;
  dropAlertOutbox(alertId: string): Promise<void>;
  listAlerts(organization: string, options?: PageOptions): Promise<Page<RecordedAlert>>;
  listClusterAlerts(cluster: string, options?: PageOptions): Promise<Page<RecordedAlert>>;
  recordClusterStatus(organization: string, environment: string, patch: ClusterStatusPatch): Promise<void>;
  appendAudit(input: AppendAuditInput): Promise<AuditEntry>;
  listAudit(organization: string, options?: PageOptions): Promise<Page<AuditEntry>>;
  getCluster(name: string): Promise<ClusterState | undefined>;
  listClusters(options?: PageOptions): Promise<Page<ClusterState>>;
  enterCluster(input: EnterClusterInput): Promise<EnterClusterOutcome>;
  leaveCluster(input: LeaveClusterInput): Promise<void>;
  /** Git pushes (git-pushes.ts): the environments following a repository and branch, one page. */
  listFollowingEnvironments(
    repository: string,
    branch: string,
    options?: { readonly limit?: number; readonly startKey?: Record<string, unknown> },
  ): Promise<{ items: FollowingEnvironment[]; nextKey?: Record<string, unknown> }>;
  claimPush(
    ref: PushRef,
    push: Pick<GitPushed, 'source' | 'deliveryId'>,
  ): Promise<{ readonly claimed: true } | { readonly claimed: false; readonly record: PushRecord }>;
  markPush(
    ref: PushRef,
    outcome: { readonly status: PushStatus; readonly runId?: string; readonly reason?: string },
  ): Promise<void>;
  getPush(ref: PushRef): Promise<PushRecord | undefined>;
  queuePush(
    organization: string,
    environment: string,
    push: GitPushed,
  ): Promise<'queued' | 'not-locked' | 'superseded'>;
  getQueuedPush(organization: string, environment: string): Promise<QueuedPush | undefined>;
  clearQueuedPush(organization: string, environment: string, commit: string): Promise<boolean>;
  recordUnrouted(input: UnroutedInput): Promise<void>;
  listUnrouted(day: string, limit?: number): Promise<Record<string, unknown>[]>;
}

export function createRepository(options: RepositoryOptions): Repository {
  const ctx: RepositoryContext = {
    store: new Store({
      tableName: options.tableName,
      ...(options.client ? { client: options.client } : {}),
      ...(options.onWrite ? { onWrite: options.onWrite } : {}),
    }),
    now: options.now ?? (() => new Date()),
  };
  return {
    putOrganization: (input) => putOrganization(ctx, input),
    getOrganization: (organization) => getOrganization(ctx, organization),
    listOrganizations: (list) => listOrganizations(ctx, list),
    changeQuotaAllocation: (organization, change) => changeQuotaAllocation(ctx, organization, change),
    initQuotaAllocation: (organization, allocation) => initQuotaAllocation(ctx, organization, allocation),
    recordSpec: (input) => recordSpec(ctx, input),
    getEnvironment: (organization, environment) => getEnvironment(ctx, organization, environment),
    listEnvironments: (organization, list) => listEnvironments(ctx, organization, list),
    startRun: (input) => startRun(ctx, input),
    verifyRunStart: (input) => verifyRunStart(ctx, input),
    abandonRun: (input) => abandonRun(ctx, input),
    recordPhase: (input) => recordPhase(ctx, input),
    completeRun: (input) => completeRun(ctx, input),
    failRun: (input) => failRun(ctx, input),
    interruptRun: (input) => interruptRun(ctx, input),
    getRun: (runId) => getRun(ctx, runId),
    getRunBySeq: (organization, environment, seq) => getRunBySeq(ctx, organization, environment, seq),
    listRuns: (organization, environment, list) => listRuns(ctx, organization, environment, list),
    listLockedEnvironments: (list) => listLockedEnvironments(ctx, list),
    recordAlert: (alert) => recordAlert(ctx, alert),
    getAlert: (alertId) => getRecordedAlert(ctx, alertId),
    restoreAlert: (alert) => restoreAlert(ctx, alert),
    claimAlertDelivery: (input) => claimAlertDelivery(ctx, input),
    completeAlertDelivery: (input) => completeAlertDelivery(ctx, input),
    releaseAlertDelivery: (input) => releaseAlertDelivery(ctx, input),
    listAlertOutbox: (limit) => listAlertOutbox(ctx, limit),
    dropAlertOutbox: (alertId) => dropAlertOutbox(ctx, alertId),
    listAlerts: (organization, list) => listAlerts(ctx, organization, list),
    listClusterAlerts: (cluster, list) => listClusterAlerts(ctx, cluster, list),
    recordClusterStatus: (organization, environment, patch) =>
      recordClusterStatus(ctx, organization, environment, patch),
    appendAudit: (input) => appendAudit(ctx, input),
    listAudit: (organization, list) => listAudit(ctx, organization, list),
    getCluster: (name) => getCluster(ctx, name),
    listClusters: (list) => listClusters(ctx, list),
    enterCluster: (input) => enterCluster(ctx, input),
    leaveCluster: (input) => leaveCluster(ctx, input),
    listFollowingEnvironments: (repository, branch, list) =>
      listFollowingEnvironments(ctx, repository, branch, list),
    claimPush: (ref, push) => claimPush(ctx, ref, push),
    markPush: (ref, outcome) => markPush(ctx, ref, outcome),
    getPush: (ref) => getPush(ctx, ref),
    queuePush: (organization, environment, push) => queuePush(ctx, organization, environment, push),
    getQueuedPush: (organization, environment) => getQueuedPush(ctx, organization, environment),
    clearQueuedPush: (organization, environment, commit) =>
      clearQueuedPush(ctx, organization, environment, commit),
    recordUnrouted: (input) => recordUnrouted(ctx, input),
    listUnrouted: (day, limit) => listUnrouted(ctx, day, limit),
  };
}

/**
 * Key builders of the single-table design (docs/data-model.md). Every key the repository
 * writes or reads comes from here, so the layout is defined once.
 */
import { CLUSTER_ORGANIZATION } from '../../domain/cluster.js';
import { gitSourceKey } from '../../domain/git-push.js';
import { formatSeq } from '../../domain/run-id.js';

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** A shared cluster's own alerts: organization `cluster`, its name as the environment. */
const clusterAlertsOf = (cluster: string) => `ALERTS#${CLUSTER_ORGANIZATION}#${cluster}`;

export const keys = {
  organization: (organization: string): ItemKey => ({ pk: `ORG#${organization}`, sk: 'ORG' }),
  /** gsi1: every organization, by name (the platform-admin's registry listing). */
  organizationsPartition: 'ORGS',
  organizationByName: (organization: string) => ({ gsi1pk: 'ORGS', gsi1sk: organization }),
  environment: (organization: string, environment: string): ItemKey => ({
    pk: `ORG#${organization}`,
    sk: `ENV#${environment}`,
  }),
  environmentPrefix: 'ENV#',
  /** gsi2: the environments that follow a GitOps repository and branch (where a push goes). */
  environmentBySource: (organization: string, environment: string, repository: string, branch: string) => ({
    gsi2pk: gitSourceKey(repository, branch),
    gsi2sk: `${organization}#${environment}`,
  }),
  /** A push handled for one environment: (environment, commit) is the dedup key of push runs. */
  push: (organization: string, environment: string, commit: string): ItemKey => ({
    pk: `ENV#${organization}#${environment}`,
    sk: `PUSH#${commit}`,
  }),
  /** A push that could not be routed or started, by day. */
  unrouted: (day: string, at: string, id: string): ItemKey => ({ pk: `UNROUTED#${day}`, sk: `${at}#${id}` }),
  run: (organization: string, environment: string, seq: number): ItemKey => ({
    pk: `ENV#${organization}#${environment}`,
    sk: `RUN#${formatSeq(seq)}`,
  }),
  runPartition: (organization: string, environment: string): string => `ENV#${organization}#${environment}`,
  runPrefix: 'RUN#',
  /** gsi1: a run by its id. */
  runById: (runId: string) => ({ gsi1pk: `RUN#${runId}`, gsi1sk: 'RUN' }),
  /** gsi1, sparse: environments whose lock is held (set on lock, removed on release). */
  activeRunsPartition: 'ACTIVE_RUN',
  activeRun: (startedAt: string, runId: string) => ({
    gsi1pk: 'ACTIVE_RUN',
    gsi1sk: `${startedAt}#${runId}`,
  }),
  /** An alert's key derives from its dedupKey (via its id), so storing it is the dedup guard. */
  alert: (alertId: string): ItemKey => ({ pk: `ALERT#${alertId}`, sk: 'ALERT' }),
  /** gsi1: an organization's alerts, newest first. */
  alertsOf: (organization: string) => `ALERTS#${organization}`,
  /**
   * gsi1: one shared cluster's own alerts (organization `cluster`, environment `<name>`), newest
   * first, a partition per cluster so GET /v1/clusters/{cluster}/alerts is one Query page.
   */
  clusterAlertsOf,
  alertByTime: (
    organization: string,
    environment: string | undefined,
    occurredAt: string,
    alertId: string,
  ) => ({
    gsi1pk:
      organization === CLUSTER_ORGANIZATION && environment
        ? clusterAlertsOf(environment)
        : `ALERTS#${organization}`,
    gsi1sk: `${occurredAt}#${alertId}`,
  }),
  audit: (organization: string, at: string, id: string): ItemKey => ({
    pk: `AUDIT#${organization}`,
    sk: `${at}#${id}`,
  }),
  auditPartition: (organization: string) => `AUDIT#${organization}`,
} as const;

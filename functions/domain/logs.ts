/**
 * Where an environment's logs live in CloudWatch Logs, and the console link the API shows. Two
 * groups per environment, both under `/slipway/<org>/<env>/`:
 *
 * - `workloads`: container logs and Kubernetes events of the environment's tenant namespaces;
 * - `platform`: the cluster's own namespaces (Argo CD, monitoring, kube-system, …), which on a
 *   shared cluster (`/slipway/cluster/<name>/platform`) are the only logs of the cluster's own run.
 *
 * Organization and environment names are DNS-1123 labels (no `/`), so the prefix
 * `/slipway/<org>/<env>/` belongs to one environment of one organization: `acme/prod` is never a
 * prefix of `acme-corp/prod` nor of `acme/prod-eu`, and the VPC flow-log groups
 * (`/slipway/vpc-flow-logs/<cluster>`, two segments) are never inside it. Terraform
 * (gitops/terraform/modules/logs) and Fluent Bit (gitops/kubernetes/logging) use the same names.
 */
import { CLUSTER_ORGANIZATION } from './cluster.js';

export { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_DAYS, logRetentionDays } from './spec/logs.js';

/** The folder of an environment's log groups, slash-terminated. */
export function logGroupPrefix(organization: string, environment: string): string {
  return `/slipway/${organization}/${environment}/`;
}

/** Container logs and events of the environment's tenant namespaces. */
export function workloadsLogGroup(organization: string, environment: string): string {
  return `${logGroupPrefix(organization, environment)}workloads`;
}

/** The cluster's own namespaces. */
export function platformLogGroup(organization: string, environment: string): string {
  return `${logGroupPrefix(organization, environment)}platform`;
}

/**
 * The group the API links an environment to: its workloads; a shared cluster (recorded as an
 * environment of the reserved organization) has no tenant namespace of its own, so its platform group.
 */
export function environmentLogGroup(organization: string, environment: string): string {
  return organization === CLUSTER_ORGANIZATION
    ? platformLogGroup(organization, environment)
    : workloadsLogGroup(organization, environment);
}

/**
 * The CloudWatch console page of a log group. The console reads the group name from the URL
 * fragment URL-encoded twice with `$` in place of `%` (`/` becomes `$252F`).
 */
export function logGroupConsoleUrl(region: string, logGroup: string): string {
  const fragment = encodeURIComponent(encodeURIComponent(logGroup)).replaceAll('%', '$');
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${fragment}`;
}

/**
 * Whether an environment's log group is still there once the environment is DELETED. Terraform
 * creates a dedicated environment's workloads and platform groups and a shared cluster's platform
 * group (gitops/terraform/modules/logs), so the teardown's `terraform destroy` deletes them with
 * their records; a shared cluster's tenant has no Terraform of its own: its workloads group was
 * created by the cluster's Fluent Bit and outlives the teardown until its retention expires it.
 */
export function logGroupOutlivesTeardown(organization: string, sharedCluster: string | undefined): boolean {
  return organization !== CLUSTER_ORGANIZATION && sharedCluster !== undefined;
}

/** What the API shows of an environment's logs. */
export interface EnvironmentLogs {
  readonly logGroup: string;
  readonly retentionDays: number;
  readonly link: string;
}

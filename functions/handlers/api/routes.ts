/**
 * The HTTP API's routes, written once: the CDK app creates one Lambda function and one API Gateway
 * route per entry (with the grants and throttling given here), and local mode serves the same
 * table through its HTTP → API Gateway v2 adapter. `handler` is the file under
 * `functions/handlers/` that exports the route's middy `handler`.
 */

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** What a route's function may do to the state table (least privilege per route). */
export type TableAccess = 'read' | 'read-write';

export interface ApiRoute {
  /** Stable id: used for construct ids, OpenAPI operationIds and logs. */
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway route path, `{name}` for a path parameter. */
  readonly path: string;
  readonly handler: string;
  readonly table: TableAccess;
  /** Starts workflow executions (StartExecution on the state machine). */
  readonly startsRuns?: boolean;
  /** Honours the `Idempotency-Key` header (Powertools idempotency, DynamoDB persistence). */
  readonly idempotent?: boolean;
  /** Steady-state requests per second and burst for this route (API Gateway stage route settings). */
  readonly throttle: { readonly rate: number; readonly burst: number };
}

const READS = { rate: 50, burst: 100 } as const;
const WRITES = { rate: 10, burst: 20 } as const;

export const API_ROUTES: readonly ApiRoute[] = [
  {
    id: 'list-organizations',
    method: 'GET',
    path: '/v1/orgs',
    handler: 'api/list-organizations',
    table: 'read',
    throttle: READS,
  },
  {
    id: 'put-organization',
    method: 'PUT',
    path: '/v1/orgs/{org}',
    handler: 'api/put-organization',
    table: 'read-write',
    idempotent: true,
    throttle: WRITES,
  },
  {
    id: 'list-environments',
    method: 'GET',
    path: '/v1/orgs/{org}/environments',
    handler: 'api/list-environments',
    table: 'read',
    throttle: READS,
  },
  {
    id: 'get-environment',
    method: 'GET',
    path: '/v1/orgs/{org}/environments/{env}',
    handler: 'api/get-environment',
    table: 'read',
    throttle: READS,
  },
  {
    id: 'put-environment',
    method: 'PUT',
    path: '/v1/orgs/{org}/environments/{env}',
    handler: 'api/put-environment',
    table: 'read-write',
    startsRuns: true,
    idempotent: true,
    throttle: WRITES,
  },
  {
    id: 'delete-environment',
    method: 'DELETE',
    path: '/v1/orgs/{org}/environments/{env}',
    handler: 'api/delete-environment',
    table: 'read-write',
    startsRuns: true,
    idempotent: true,
    throttle: WRITES,
  },
  {
    id: 'list-runs',
    method: 'GET',
    path: '/v1/orgs/{org}/environments/{env}/runs',
    handler: 'api/list-runs',
    table: 'read',
    throttle: READS,
  },
  {
    id: 'get-run',
    method: 'GET',
    path: '/v1/orgs/{org}/environments/{env}/runs/{runId}',
    handler: 'api/get-run',
    table: 'read',
    throttle: READS,
  },
  {
    id: 'post-run',
    method: 'POST',
    path: '/v1/orgs/{org}/environments/{env}/runs',
    handler: 'api/post-run',
    table: 'read-write',
    startsRuns: true,
    idempotent: true,
    throttle: WRITES,
  },
  {
    id: 'list-alerts',
    method: 'GET',
    path: '/v1/orgs/{org}/alerts',
    handler: 'api/list-alerts',
    table: 'read',
    throttle: READS,
  },
  {
    id: 'list-audit',
    method: 'GET',
    path: '/v1/orgs/{org}/audit',
    handler: 'api/list-audit',
    table: 'read',
    throttle: READS,
  },
  // Shared clusters (platform-admin): a cluster's runs are an environment's, so PUT and DELETE start them.
  {
    id: 'list-clusters',
    method: 'GET',
    path: '/v1/clusters',
    handler: 'api/clusters-list',
    table: 'read',
    throttle: READS,
  },
  {
    id: 'get-cluster',
    method: 'GET',
    path: '/v1/clusters/{cluster}',
    handler: 'api/clusters-get',
    table: 'read',
    throttle: READS,
  },
  {
    id: 'list-cluster-alerts',
    method: 'GET',
    path: '/v1/clusters/{cluster}/alerts',
    handler: 'api/clusters-alerts',
    table: 'read',
    throttle: READS,
  },
  {
    id: 'put-cluster',
    method: 'PUT',
    path: '/v1/clusters/{cluster}',
    handler: 'api/clusters-put',
    table: 'read-write',
    startsRuns: true,
    idempotent: true,
    throttle: WRITES,
  },
  {
    id: 'delete-cluster',
    method: 'DELETE',
    path: '/v1/clusters/{cluster}',
    handler: 'api/clusters-delete',
    table: 'read-write',
    startsRuns: true,
    idempotent: true,
    throttle: WRITES,
  },
];

/**
 * The webhook routes: served by the same HTTP API without its JWT authorizer (each hook
 * authenticates its sender itself: a signature or a token, checked before the body is parsed).
 * Their functions get the table access named here; the constructs that own what a hook feeds
 * (the Git event bus, the alert topic) add their own grants.
 */
export interface HookRoute {
  readonly id: string;
  readonly method: 'POST';
  readonly path: string;
  readonly handler: string;
  readonly table: TableAccess;
  readonly throttle: { readonly rate: number; readonly burst: number };
}

const HOOKS = { rate: 50, burst: 200 } as const;

/** Cluster-facing hooks (Argo CD, Alertmanager): each environment's (or shared cluster's) cluster with its own derived token. */
export const CLUSTER_HOOK_ROUTES: readonly HookRoute[] = [
  {
    id: 'argocd-hook',
    method: 'POST',
    path: '/v1/hooks/argocd/{org}/{env}',
    handler: 'hooks/argocd',
    table: 'read-write',
    throttle: HOOKS,
  },
  {
    id: 'alertmanager-hook',
    method: 'POST',
    path: '/v1/hooks/alertmanager/{org}/{env}',
    handler: 'hooks/alertmanager',
    table: 'read-write',
    throttle: HOOKS,
  },
  // A shared cluster's hooks: the cluster's own token, each event routed to the owning tenant.
  {
    id: 'cluster-argocd-hook',
    method: 'POST',
    path: '/v1/clusters/{cluster}/hooks/argocd',
    handler: 'hooks/cluster-argocd',
    table: 'read-write',
    throttle: HOOKS,
  },
  {
    id: 'cluster-alertmanager-hook',
    method: 'POST',
    path: '/v1/clusters/{cluster}/hooks/alertmanager',
    handler: 'hooks/cluster-alertmanager',
    table: 'read-write',
    throttle: HOOKS,
  },
];

/** Push hooks (GitHub, GitLab): the Git host's signature or token. */
export const HOOK_ROUTES: readonly HookRoute[] = [
  {
    id: 'github-hook',
    method: 'POST',
    path: '/v1/hooks/github',
    handler: 'hooks/github',
    table: 'read',
    throttle: HOOKS,
  },
  {
    id: 'gitlab-hook',
    method: 'POST',
    path: '/v1/hooks/gitlab',
    handler: 'hooks/gitlab',
    table: 'read',
    throttle: HOOKS,
  },
];

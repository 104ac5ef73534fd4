/**
 * Every route's plain handler factory by route id, for the doors that bring their own clients:
 * local mode (its dynalite, its in-process workflow) and the API tests. Lambda uses each module's
 * `handler` export instead, which builds the same factory with the Lambda clients.
 */
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import type { ApiHandler, EdgeDeps } from '../../shared/http/route.js';
import { makeListClusterAlerts } from './clusters-alerts.js';
import { makeDeleteCluster } from './clusters-delete.js';
import { makeGetCluster } from './clusters-get.js';
import { makeListClusters } from './clusters-list.js';
import { makePutCluster } from './clusters-put.js';
import { makeDeleteEnvironment } from './delete-environment.js';
import { makeGetEnvironment } from './get-environment.js';
import { makeGetRun } from './get-run.js';
import { makeListAlerts } from './list-alerts.js';
import { makeListAudit } from './list-audit.js';
import { makeListEnvironments } from './list-environments.js';
import { makeListOrganizations } from './list-organizations.js';
import { makeListRuns } from './list-runs.js';
import { makePostRun } from './post-run.js';
import { makePutEnvironment } from './put-environment.js';
import { makePutOrganization } from './put-organization.js';

export type ApiRouteDeps = UseCaseDeps & EdgeDeps;

export const ROUTE_FACTORIES: Readonly<Record<string, (deps: ApiRouteDeps) => ApiHandler>> = {
  'list-organizations': makeListOrganizations,
  'put-organization': makePutOrganization,
  'list-environments': makeListEnvironments,
  'get-environment': makeGetEnvironment,
  'put-environment': makePutEnvironment,
  'delete-environment': makeDeleteEnvironment,
  'list-runs': makeListRuns,
  'get-run': makeGetRun,
  'post-run': makePostRun,
  'list-alerts': makeListAlerts,
  'list-audit': makeListAudit,
  'list-clusters': makeListClusters,
  'get-cluster': makeGetCluster,
  'list-cluster-alerts': makeListClusterAlerts,
  'put-cluster': makePutCluster,
  'delete-cluster': makeDeleteCluster,
};

/** Builds every route's handler over one set of clients, keyed by route id. */
export function makeApiHandlers(deps: ApiRouteDeps): Record<string, ApiHandler> {
  return Object.fromEntries(Object.entries(ROUTE_FACTORIES).map(([id, make]) => [id, make(deps)]));
}

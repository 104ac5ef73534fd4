/** GET /v1/clusters/{cluster}/alerts — a shared cluster's own alerts, newest first (platform-admin). */
import { ClusterPath } from '../../domain/cluster-api.js';
import { listClusterAlerts } from '../../domain/use-cases/clusters.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeListClusterAlerts = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'list-cluster-alerts',
      params: ClusterPath,
      handle: async ({ caller, params, page }) => ({
        status: 200,
        body: await listClusterAlerts(deps, caller, { cluster: params.cluster, page }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeListClusterAlerts(lambdaReadDeps()));

/** GET /v1/clusters/{cluster} — one shared cluster: status, current run, capacity, tenants (platform-admin). */
import { ClusterPath } from '../../domain/cluster-api.js';
import { getCluster } from '../../domain/use-cases/clusters.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeGetCluster = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'get-cluster',
      params: ClusterPath,
      handle: async ({ caller, params }) => ({
        status: 200,
        body: await getCluster(deps, caller, { cluster: params.cluster }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeGetCluster(lambdaReadDeps()));

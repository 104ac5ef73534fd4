/** DELETE /v1/clusters/{cluster} — tear a shared cluster down (platform-admin); 409 while it has tenants. */
import { ClusterPath } from '../../domain/cluster-api.js';
import { deleteCluster } from '../../domain/use-cases/clusters.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { lambdaIdempotency } from '../../shared/http/lambda-idempotency.js';
import { lambdaRunStarter } from '../../shared/http/lambda-run-starter.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeDeleteCluster = (deps: UseCaseDeps & EdgeDeps) =>
  makeRoute(
    {
      id: 'delete-cluster',
      params: ClusterPath,
      handle: async ({ caller, params }) => ({
        status: 202,
        body: await deleteCluster(deps, caller, { cluster: params.cluster }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() =>
  makeDeleteCluster({
    ...lambdaReadDeps(),
    runStarter: lambdaRunStarter(),
    idempotency: lambdaIdempotency(),
  }),
);

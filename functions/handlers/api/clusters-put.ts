/**
 * PUT /v1/clusters/{cluster} — register or change a shared cluster (platform-admin): 202 with its
 * run and phase plan, or 200 when it is READY with these inputs.
 */
import { ClusterPath } from '../../domain/cluster-api.js';
import { putCluster } from '../../domain/use-cases/clusters.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { lambdaIdempotency } from '../../shared/http/lambda-idempotency.js';
import { lambdaRunStarter } from '../../shared/http/lambda-run-starter.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makePutCluster = (deps: UseCaseDeps & EdgeDeps) =>
  makeRoute(
    {
      id: 'put-cluster',
      params: ClusterPath,
      handle: async ({ caller, params, body }) => {
        const result = await putCluster(deps, caller, { cluster: params.cluster, body });
        return { status: result.outcome === 'started' ? 202 : 200, body: result.body };
      },
    },
    deps,
  );

export const handler = apiLambdaHandler(() =>
  makePutCluster({ ...lambdaReadDeps(), runStarter: lambdaRunStarter(), idempotency: lambdaIdempotency() }),
);

/** GET /v1/clusters — the registered shared clusters with their capacity and tenants (platform-admin). */
import { NoPath } from '../../domain/api/schemas.js';
import { listClusters } from '../../domain/use-cases/clusters.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeListClusters = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'list-clusters',
      params: NoPath,
      handle: async ({ caller, page }) => ({ status: 200, body: await listClusters(deps, caller, page) }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeListClusters(lambdaReadDeps()));

/** GET /v1/orgs — the caller's organizations (platform-admin: all), paginated. */
import { NoPath } from '../../domain/api/schemas.js';
import { listOrganizations } from '../../domain/use-cases/organizations.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeListOrganizations = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'list-organizations',
      params: NoPath,
      handle: async ({ caller, page }) => ({
        status: 200,
        body: await listOrganizations(deps, caller, page),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeListOrganizations(lambdaReadDeps()));

/** GET /v1/orgs/{org}/environments — an organization's environments, paginated. */
import { OrgPath } from '../../domain/api/schemas.js';
import { listEnvironments } from '../../domain/use-cases/environments.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeListEnvironments = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'list-environments',
      params: OrgPath,
      handle: async ({ caller, params, page }) => ({
        status: 200,
        body: await listEnvironments(deps, caller, { organization: params.org, page }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeListEnvironments(lambdaReadDeps()));

/** GET /v1/orgs/{org}/environments/{env}/runs — the environment's runs, newest first. */
import { EnvironmentPath } from '../../domain/api/schemas.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { listRuns } from '../../domain/use-cases/runs.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeListRuns = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'list-runs',
      params: EnvironmentPath,
      handle: async ({ caller, params, page }) => ({
        status: 200,
        body: await listRuns(deps, caller, { organization: params.org, environment: params.env, page }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeListRuns(lambdaReadDeps()));

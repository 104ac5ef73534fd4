/** GET /v1/orgs/{org}/environments/{env} — one environment with its current run's phase timeline. */
import { EnvironmentPath } from '../../domain/api/schemas.js';
import { getEnvironment } from '../../domain/use-cases/environments.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeGetEnvironment = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'get-environment',
      params: EnvironmentPath,
      handle: async ({ caller, params }) => ({
        status: 200,
        body: await getEnvironment(deps, caller, { organization: params.org, environment: params.env }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeGetEnvironment(lambdaReadDeps()));

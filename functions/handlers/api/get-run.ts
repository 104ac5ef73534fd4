/** GET /v1/orgs/{org}/environments/{env}/runs/{runId} — one run with its phase timeline. */
import { RunPath } from '../../domain/api/schemas.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { getRun } from '../../domain/use-cases/runs.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeGetRun = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'get-run',
      params: RunPath,
      handle: async ({ caller, params }) => ({
        status: 200,
        body: await getRun(deps, caller, {
          organization: params.org,
          environment: params.env,
          runId: params.runId,
        }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeGetRun(lambdaReadDeps()));

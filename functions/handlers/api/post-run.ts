/** POST /v1/orgs/{org}/environments/{env}/runs — `{"action":"resume"}`: a run from the failed phase, 202. */
import { validationFailed } from '../../domain/api/error-codes.js';
import { EnvironmentPath, RunAction } from '../../domain/api/schemas.js';
import { fromZodIssues } from '../../domain/spec/issues.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { resumeRun } from '../../domain/use-cases/runs.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { lambdaIdempotency } from '../../shared/http/lambda-idempotency.js';
import { lambdaRunStarter } from '../../shared/http/lambda-run-starter.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makePostRun = (deps: UseCaseDeps & EdgeDeps) =>
  makeRoute(
    {
      id: 'post-run',
      params: EnvironmentPath,
      handle: async ({ caller, params, body }) => {
        const action = RunAction.safeParse(body);
        if (!action.success)
          throw validationFailed(fromZodIssues(action.error.issues, 'body'), 'the run request');
        return {
          status: 202,
          body: await resumeRun(deps, caller, { organization: params.org, environment: params.env }),
        };
      },
    },
    deps,
  );

export const handler = apiLambdaHandler(() =>
  makePostRun({ ...lambdaReadDeps(), runStarter: lambdaRunStarter(), idempotency: lambdaIdempotency() }),
);

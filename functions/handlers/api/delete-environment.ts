/** DELETE /v1/orgs/{org}/environments/{env} — a teardown run (phases in reverse), 202. */
import { EnvironmentPath } from '../../domain/api/schemas.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { teardownEnvironment } from '../../domain/use-cases/teardown.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { lambdaIdempotency } from '../../shared/http/lambda-idempotency.js';
import { lambdaRunStarter } from '../../shared/http/lambda-run-starter.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeDeleteEnvironment = (deps: UseCaseDeps & EdgeDeps) =>
  makeRoute(
    {
      id: 'delete-environment',
      params: EnvironmentPath,
      handle: async ({ caller, params }) => ({
        status: 202,
        body: await teardownEnvironment(deps, caller, { organization: params.org, environment: params.env }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() =>
  makeDeleteEnvironment({
    ...lambdaReadDeps(),
    runStarter: lambdaRunStarter(),
    idempotency: lambdaIdempotency(),
  }),
);

/**
 * PUT /v1/orgs/{org}/environments/{env} — record the desired spec: 202 with the run and its phase
 * plan, or 200 when the environment is READY with these inputs (no run).
 */
import { EnvironmentPath } from '../../domain/api/schemas.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { provisionEnvironment } from '../../domain/use-cases/provision.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { lambdaIdempotency } from '../../shared/http/lambda-idempotency.js';
import { lambdaRunStarter } from '../../shared/http/lambda-run-starter.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makePutEnvironment = (deps: UseCaseDeps & EdgeDeps) =>
  makeRoute(
    {
      id: 'put-environment',
      params: EnvironmentPath,
      handle: async ({ caller, params, body }) => {
        const result = await provisionEnvironment(deps, caller, {
          organization: params.org,
          environment: params.env,
          body,
        });
        return { status: result.outcome === 'started' ? 202 : 200, body: result.body };
      },
    },
    deps,
  );

export const handler = apiLambdaHandler(() =>
  makePutEnvironment({
    ...lambdaReadDeps(),
    runStarter: lambdaRunStarter(),
    idempotency: lambdaIdempotency(),
  }),
);

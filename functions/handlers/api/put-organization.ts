/** PUT /v1/orgs/{org} — platform-admin: create (201) or update (200) an organization. */
import { OrgPath } from '../../domain/api/schemas.js';
import { putOrganization } from '../../domain/use-cases/organizations.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { lambdaIdempotency } from '../../shared/http/lambda-idempotency.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makePutOrganization = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'put-organization',
      params: OrgPath,
      handle: async ({ caller, params, body }) => {
        const result = await putOrganization(deps, caller, { organization: params.org, body });
        return { status: result.created ? 201 : 200, body: result.organization };
      },
    },
    deps,
  );

export const handler = apiLambdaHandler(() =>
  makePutOrganization({ ...lambdaReadDeps(), idempotency: lambdaIdempotency() }),
);

/** GET /v1/orgs/{org}/audit — the organization's audit trail, newest first (org-admin, platform-admin). */
import { OrgPath } from '../../domain/api/schemas.js';
import { listAudit } from '../../domain/use-cases/activity.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeListAudit = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'list-audit',
      params: OrgPath,
      handle: async ({ caller, params, page }) => ({
        status: 200,
        body: await listAudit(deps, caller, { organization: params.org, page }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeListAudit(lambdaReadDeps()));

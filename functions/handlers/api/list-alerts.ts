/** GET /v1/orgs/{org}/alerts — the organization's recent alerts, newest first. */
import { OrgPath } from '../../domain/api/schemas.js';
import { listAlerts } from '../../domain/use-cases/activity.js';
import type { UseCaseDeps } from '../../domain/use-cases/ports.js';
import { lambdaReadDeps } from '../../shared/http/lambda-deps.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { type EdgeDeps, makeRoute } from '../../shared/http/route.js';

export const makeListAlerts = (deps: Pick<UseCaseDeps, 'repository'> & EdgeDeps) =>
  makeRoute(
    {
      id: 'list-alerts',
      params: OrgPath,
      handle: async ({ caller, params, page }) => ({
        status: 200,
        body: await listAlerts(deps, caller, { organization: params.org, page }),
      }),
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeListAlerts(lambdaReadDeps()));

/**
 * POST /v1/hooks/argocd/{org}/{env} — Argo CD notifications of that environment's cluster. The
 * token (X-Slipway-Token, or Basic auth with the token as password) is checked before anything
 * else; an event about an Application or namespace that is not this environment's is refused
 * (403, counted as `ClusterEventsForeign`); one that names nothing known is recorded as unrouted
 * (`UnroutedClusterEvents`). Otherwise the Application's sync and health status is recorded on
 * the environment and its alerts are delivered (functions/domain/cluster-event-argocd.ts).
 */
import { deliverAlert } from '../../adapters/sns/alert-delivery.js';
import { routeArgoEvent, tenantScope } from '../../domain/cluster-event.js';
import { ArgoNotification, applyArgoEvent } from '../../domain/cluster-event-argocd.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import {
  type ClusterHookDeps,
  firstIssue,
  HookAnswer,
  type HookHandler,
  makeClusterHook,
} from './cluster-hook.js';
import { lambdaHookDeps } from './lambda-hook-deps.js';

export const makeArgocdHook = (deps: ClusterHookDeps): HookHandler =>
  makeClusterHook(
    {
      source: 'argocd',
      carrier: 'x-slipway-token-or-basic',
      async handle({ organization, environment, body }) {
        const parsed = ArgoNotification.safeParse(body);
        if (!parsed.success) throw firstIssue(parsed.error.issues);
        const event = parsed.data;
        const now = (deps.now ?? (() => new Date()))().toISOString();
        const scope = tenantScope(organization, environment.environment, environment.spec);
        const route = routeArgoEvent(scope, event);
        if (route === 'foreign') {
          throw new HookAnswer(
            403,
            'forbidden',
            `application ${event.app} (namespace ${event.namespace ?? 'none'}) is not one of ${organization}/${environment.environment}`,
            'ClusterEventsForeign',
          );
        }
        if (route === 'unknown') {
          deps.metrics?.addMetric('UnroutedClusterEvents', 'Count', 1);
          await deps.repository.recordClusterStatus(organization, environment.environment, {
            unrouted: {
              [`argocd:${event.app}`]: {
                source: 'argocd',
                application: event.app,
                ...(event.namespace ? { namespace: event.namespace } : {}),
                reason: 'no namespace of this environment is named like the application',
                receivedAt: now,
              },
            },
          });
          return { accepted: 0, unrouted: 1, alerts: [] };
        }
        const outcome = applyArgoEvent(environment.cluster?.applications[event.app], event, {
          organization,
          environment: environment.environment,
          ...(environment.tier ? { tier: environment.tier } : {}),
          now,
        });
        // Recorded before the alerts go out: GET shows what the alert says.
        await deps.repository.recordClusterStatus(organization, environment.environment, {
          applications: { [event.app]: outcome.status },
        });
        const delivered = [];
        for (const alert of outcome.alerts) delivered.push(await deliverAlert(deps, alert));
        return { accepted: 1, unrouted: 0, alerts: delivered };
      },
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeArgocdHook(lambdaHookDeps()));

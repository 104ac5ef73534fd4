/**
 * Local mode's cluster hooks and alert retrier: the Argo CD and Alertmanager hooks (of an
 * environment and of a shared cluster) served by `npm start` without a JWT (as in AWS: each
 * checks the environment's or the cluster's derived token), their hook
 * secrets read from the local secret store's `slipway/webhooks` — the very values the local
 * argocd-bootstrap phase derives each cluster's token from (seeded from SLIPWAY_ARGOCD_TOKEN /
 * SLIPWAY_ALERTMANAGER_TOKEN, local/secrets.ts) — and a timer running the alert retrier, so an
 * alert the local topic refused (`failNext`, "SNS down") is delivered once it is back.
 */
import type { Repository } from '../../functions/adapters/dynamodb/repository.js';
import type { HookSecrets } from '../../functions/adapters/secrets/hook-secrets.js';
import { retryUndeliveredAlerts } from '../../functions/adapters/sns/alert-delivery.js';
import type { AlertPublisher } from '../../functions/adapters/sns/alert-publisher.js';
import { CLUSTER_HOOK_ROUTES } from '../../functions/handlers/api/routes.js';
import {
  makeAlertmanagerHook,
  makeSharedClusterAlertmanagerHook,
} from '../../functions/handlers/hooks/alertmanager.js';
import { makeArgocdHook, makeSharedClusterArgocdHook } from '../../functions/handlers/hooks/argocd.js';
import type { LocalSecretStore } from '../builds/secret-store.js';
import type { LocalRoute } from '../http/index.js';

/** The hook secrets of the local secret store (read on each request: no restart after a change). */
export function localStoreHookSecrets(store: LocalSecretStore): HookSecrets {
  return {
    async accepted(source) {
      const secret = store.get('slipway/webhooks');
      if (!secret) return [];
      try {
        const value = (JSON.parse(secret.SecretString) as Record<string, unknown>)[source];
        return typeof value === 'string' && value.trim() !== '' ? [value] : [];
      } catch {
        return [];
      }
    },
  };
}

export function localClusterHookRoutes(deps: {
  readonly repository: Repository;
  readonly publisher: AlertPublisher;
  readonly secrets: HookSecrets;
}): Record<string, LocalRoute> {
  const factories = {
    'argocd-hook': makeArgocdHook,
    'alertmanager-hook': makeAlertmanagerHook,
    'cluster-argocd-hook': makeSharedClusterArgocdHook,
    'cluster-alertmanager-hook': makeSharedClusterAlertmanagerHook,
  } as const;
  const routes: Record<string, LocalRoute> = {};
  for (const route of CLUSTER_HOOK_ROUTES) {
    const make = factories[route.id as keyof typeof factories];
    if (!make) throw new Error(`no local handler for hook route ${route.id}`);
    const hook = make(deps);
    routes[`${route.method} ${route.path}`] = { handler: (event) => hook(event), authorization: 'none' };
  }
  return routes;
}

/** Runs the alert retrier every `seconds` (unref'd: it never keeps the process alive). */
export function startLocalAlertRetrier(
  deps: { readonly repository: Repository; readonly publisher: AlertPublisher },
  seconds: number,
): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    retryUndeliveredAlerts(deps)
      .catch((error: unknown) => {
        process.stderr.write(
          `slipway local alerts: retrier pass failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      })
      .finally(() => {
        running = false;
      });
  }, seconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

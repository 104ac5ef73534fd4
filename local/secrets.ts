/**
 * The deployment secrets the phases read from Secrets Manager (README, "Deploy"), created in the
 * local secret store at startup when absent. The hook secrets come from SLIPWAY_ARGOCD_TOKEN and
 * SLIPWAY_ALERTMANAGER_TOKEN when set (each environment's hook token is derived from them), else
 * random ones are generated once and kept in the data folder; the Git credentials are placeholders
 * for the local bare repository, which checks none.
 */
import { randomBytes } from 'node:crypto';
import type { LocalSecretStore } from './builds/secret-store.js';

export function seedLocalSecrets(store: LocalSecretStore, env: NodeJS.ProcessEnv = process.env): string[] {
  const created: string[] = [];
  const ensure = (id: string, value: () => Record<string, string>, description: string) => {
    if (store.get(id)) return;
    store.put(id, JSON.stringify(value()), description);
    created.push(id);
  };
  const generated = () => randomBytes(32).toString('hex');
  ensure(
    'slipway/webhooks',
    () => ({
      argocd: env.SLIPWAY_ARGOCD_TOKEN?.trim() || generated(),
      alertmanager: env.SLIPWAY_ALERTMANAGER_TOKEN?.trim() || generated(),
    }),
    'local mode: hook secrets each environment token is derived from',
  );
  const local = () => ({ username: 'slipway-local', password: generated() });
  ensure('slipway/gitops-credentials', local, 'local mode: the local GitOps repository checks no credential');
  ensure(
    'slipway/gitops-read-credentials',
    local,
    'local mode: the local GitOps repository checks no credential',
  );
  return created;
}

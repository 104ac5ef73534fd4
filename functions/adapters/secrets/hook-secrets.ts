/**
 * The hooks' shared secrets: GitHub's signing secret, GitLab's token, and the ArgoCD and
 * Alertmanager secrets each environment's hook token is derived from. In AWS they are the keys
 * `github`, `gitlab`, `argocd`, `alertmanager` of one Secrets Manager secret (JSON, default
 * `slipway/webhooks`), read through Powertools parameters with caching. Rotation-friendly: both
 * the AWSCURRENT and the AWSPREVIOUS version are accepted, so a delivery signed with the old value
 * still passes while senders are being reconfigured. In local mode they come from the environment
 * (SLIPWAY_GITHUB_SECRET, SLIPWAY_GITLAB_TOKEN, SLIPWAY_ARGOCD_TOKEN, SLIPWAY_ALERTMANAGER_TOKEN).
 * A value is never logged.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const HOOK_SOURCES = ['github', 'gitlab', 'argocd', 'alertmanager'] as const;
export type HookSource = (typeof HOOK_SOURCES)[number];

export interface HookSecrets {
  /**
   * The accepted values of one hook's secret, the current one first (then the previous one during
   * a rotation). Empty when none is configured: every delivery is then refused. `refresh` skips
   * the cache (see {@link verifyWithSecrets}).
   */
  accepted(source: HookSource, options?: { readonly refresh?: boolean }): Promise<readonly string[]>;
}

/** Local mode: the environment variables of each source. */
export const HOOK_SECRET_VARIABLES: Readonly<Record<HookSource, string>> = {
  github: 'SLIPWAY_GITHUB_SECRET',
  gitlab: 'SLIPWAY_GITLAB_TOKEN',
  argocd: 'SLIPWAY_ARGOCD_TOKEN',
  alertmanager: 'SLIPWAY_ALERTMANAGER_TOKEN',
};

/** Fixed values per source (local mode, tests): a string or a list (current first). */
export function staticHookSecrets(
  values: Readonly<Partial<Record<HookSource, string | readonly string[]>>>,
): HookSecrets {
  return {
    async accepted(source) {
      const value = values[source];
      const list = typeof value === 'string' ? [value] : [...(value ?? [])];
      return list.map((item) => item.trim()).filter((item) => item !== '');
    },
  };
}

/** Local mode: SLIPWAY_GITHUB_SECRET, SLIPWAY_GITLAB_TOKEN … read when asked (no restart to set one). */
export function environmentHookSecrets(env: NodeJS.ProcessEnv = process.env): HookSecrets {
  return {
    async accepted(source) {
      const value = env[HOOK_SECRET_VARIABLES[source]]?.trim();
      return value ? [value] : [];
    },
  };
}

export interface SecretsManagerHookSecretsOptions {
  /** Name or ARN of the JSON secret holding one key per source. */
  readonly secretId: string;
  /** How long a fetched value is kept. @default 300 seconds */
  readonly maxAgeSeconds?: number;
  /** Injected in tests (a client pointed at a local endpoint). */
  readonly client?: SecretsManagerClient;
}

/** No AWSPREVIOUS version exists before the first rotation (Powertools wraps the SDK's error). */
function isMissingVersion(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause.name === 'ResourceNotFoundException') return true;
  }
  return false;
}

function sourceValue(json: unknown, source: HookSource): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const value = (json as Record<string, unknown>)[source];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function parseSecret(text: unknown, secretId: string): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // The message names the secret, never its content.
    throw new Error(`secret ${secretId} is not a JSON object of hook secrets`, { cause: error });
  }
}

/**
 * Secrets Manager through Powertools parameters. Powertools caches by name, so the current and the
 * previous version each get their own provider (their own cache).
 */
export function secretsManagerHookSecrets(options: SecretsManagerHookSecretsOptions): HookSecrets {
  const { secretId } = options;
  const maxAge = options.maxAgeSeconds ?? 300;
  const providerOptions = options.client ? { awsSdkV3Client: options.client } : {};
  const current = new SecretsProvider(providerOptions);
  const previous = new SecretsProvider(providerOptions);
  let previousAbsentUntil = 0;
  return {
    async accepted(source, request = {}) {
      const forceFetch = request.refresh === true;
      const currentText = await current.get(secretId, {
        maxAge,
        forceFetch,
        sdkOptions: { VersionStage: 'AWSCURRENT' },
      });
      const values = [sourceValue(parseSecret(currentText, secretId), source)];
      if (forceFetch || Date.now() >= previousAbsentUntil) {
        try {
          const previousText = await previous.get(secretId, {
            maxAge,
            forceFetch,
            sdkOptions: { VersionStage: 'AWSPREVIOUS' },
          });
          values.push(sourceValue(parseSecret(previousText, secretId), source));
        } catch (error) {
          if (!isMissingVersion(error)) throw error;
          previousAbsentUntil = Date.now() + maxAge * 1000;
        }
      }
      return [...new Set(values.filter((value): value is string => value !== undefined))];
    },
  };
}

/** At most one forced refresh per source in this interval, so bad deliveries cannot flood Secrets Manager. */
export const REFRESH_INTERVAL_MS = 30_000;

/**
 * Runs `check` with the cached accepted values; when it fails, once more with freshly fetched
 * values (a rotation may have just happened), at most once per {@link REFRESH_INTERVAL_MS} per
 * source. True when a value passed.
 */
export function verifierFor(secrets: HookSecrets, now: () => number = Date.now) {
  const lastRefresh = new Map<HookSource, number>();
  return async (source: HookSource, check: (accepted: readonly string[]) => boolean): Promise<boolean> => {
    if (check(await secrets.accepted(source))) return true;
    const last = lastRefresh.get(source) ?? Number.NEGATIVE_INFINITY;
    if (now() - last < REFRESH_INTERVAL_MS) return false;
    lastRefresh.set(source, now());
    return check(await secrets.accepted(source, { refresh: true }));
  };
}

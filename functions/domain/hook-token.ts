/**
 * The hook token of one environment's (or shared cluster's) cluster. Slipway never stores it: the
 * argocd-bootstrap phase derives it to configure the cluster (buildspecs/scripts/argocd/
 * hook-token.sh) and the hooks derive the same value to check what a cluster sends:
 *
 *   token = lower-case hex of HMAC-SHA256(key = the deployment's hook secret of that source,
 *           message = "<org>/<env>", or "cluster/<name>" for a shared cluster)
 *
 * Both sides trim the secret (`String.prototype.trim`: a value stored with a trailing newline is
 * the value without it) and use it as UTF-8 text, and the message as UTF-8, so the shell's
 * `createHmac("sha256", key).update(message, "utf8")` and this module agree byte for byte
 * (test/functions/hooks/argocd-token.test.ts runs both). One leaked token forges nothing for
 * another environment, and rotating a secret rotates every token: during a rotation the
 * previous secret is accepted too.
 */
import { createHmac } from 'node:crypto';
import { tokenMatches } from './hook-auth.js';

/** The cluster-facing hook sources; each has its own secret (`slipway/webhooks` → `argocd`, `alertmanager`). */
export const CLUSTER_HOOK_SOURCES = ['argocd', 'alertmanager'] as const;
export type ClusterHookSource = (typeof CLUSTER_HOOK_SOURCES)[number];

/** The message an environment's token is derived from. */
export function environmentTokenSubject(organization: string, environment: string): string {
  return `${organization}/${environment}`;
}

/** The message a shared cluster's token is derived from. */
export function clusterTokenSubject(cluster: string): string {
  return `cluster/${cluster}`;
}

/**
 * A hook secret as both sides use it: without leading or trailing whitespace or line terminators
 * (hook-token.sh trims with the same `String.prototype.trim`).
 */
export function normalizeHookSecret(secret: string): string {
  return secret.trim();
}

/** The token of `subject` under `secret` (trimmed): 64 lower-case hex characters. */
export function deriveHookToken(secret: string, subject: string): string {
  const key = normalizeHookSecret(secret);
  if (key === '') throw new RangeError('a hook secret must not be empty');
  return createHmac('sha256', key).update(subject, 'utf8').digest('hex');
}

/**
 * Whether `presented` is the token of `subject` under one of `secrets` (the current one first,
 * then the previous one during a rotation), compared in constant time against each (hook-auth.ts).
 */
export function hookTokenMatches(
  presented: string | undefined,
  secrets: readonly string[],
  subject: string,
): boolean {
  const expected = secrets
    .filter((secret) => normalizeHookSecret(secret) !== '')
    .map((secret) => deriveHookToken(secret, subject));
  return tokenMatches(presented, expected);
}

/** Where a cluster puts its token: ArgoCD a header or Basic auth, Alertmanager a bearer token. */
export type TokenCarrier = 'x-slipway-token-or-basic' | 'bearer';

/**
 * The token a request presents. ArgoCD: the `X-Slipway-Token` header, or Basic auth with the
 * token as the password (any user name). Alertmanager: `Authorization: Bearer <token>`. Header
 * names are lower-case (API Gateway v2). Undefined when none is presented.
 */
export function presentedToken(
  headers: Readonly<Record<string, string>>,
  carrier: TokenCarrier,
): string | undefined {
  const authorization = headers.authorization?.trim() ?? '';
  if (carrier === 'bearer') {
    const match = /^bearer\s+(\S+)$/i.exec(authorization);
    return match?.[1];
  }
  const header = headers['x-slipway-token']?.trim();
  if (header) return header;
  const basic = /^basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  return password === '' ? undefined : password;
}

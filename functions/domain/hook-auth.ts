/**
 * How the hooks authenticate a delivery, before anything is parsed: GitHub signs the raw body
 * (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`), GitLab, ArgoCD and Alertmanager present a
 * shared token. Every comparison is constant-time over SHA-256 digests of both sides (equal
 * lengths, so `timingSafeEqual` never throws and a token's length leaks nothing), and every
 * accepted secret is tried — the current one and, during a rotation, the previous one. Pure: the
 * secrets come from the caller (functions/adapters/secrets/hook-secrets.ts).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

function digest(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time equality of two strings (or buffers) of any lengths. */
export function constantTimeEquals(presented: string | Buffer, expected: string | Buffer): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * True when `presented` equals one of the accepted tokens. Every candidate is compared (no early
 * exit), so the time taken does not tell which one matched.
 */
export function tokenMatches(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined || presented === '') return false;
  let matched = false;
  for (const token of accepted) {
    if (token !== '' && constantTimeEquals(presented, token)) matched = true;
  }
  return matched;
}

/** `sha256=<hex>` of the raw body under one secret (GitHub's `X-Hub-Signature-256`). */
export function hubSignature(secret: string, rawBody: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/**
 * Verifies GitHub's `X-Hub-Signature-256` over the raw body (exactly the bytes received, before
 * any decoding or parsing) against every accepted secret.
 */
export function hubSignatureMatches(
  header: string | undefined,
  rawBody: Buffer,
  secrets: readonly string[],
): boolean {
  if (header === undefined || !/^sha256=[0-9a-f]{64}$/i.test(header.trim())) return false;
  const presented = header.trim().toLowerCase();
  let matched = false;
  for (const secret of secrets) {
    if (secret !== '' && constantTimeEquals(presented, hubSignature(secret, rawBody))) matched = true;
  }
  return matched;
}

/**
 * Claims as an HTTP API's JWT authorizer hands them to the function in
 * `requestContext.authorizer.jwt.claims`: every value becomes a string, the way the gateway (a
 * Go service) formats it — an array `["acme","globex"]` arrives as `"[acme globex]"`, a number
 * as its decimal text, an object as `map[key:value]`. Handlers therefore parse `orgs` from that
 * text; passing the JSON array through here would hide a bug that only shows once deployed.
 */
import type { JwtClaims } from '../auth/tokens.js';

function goFormat(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([key, item]) => `${key}:${goFormat(item)}`).join(' ')}]`;
  }
  if (value === null || value === undefined) return '';
  return String(value);
}

export function flattenClaims(claims: JwtClaims): Record<string, string> {
  return Object.fromEntries(Object.entries(claims).map(([name, value]) => [name, goFormat(value)]));
}

/** The token's scopes (`scope`, space-separated, as OAuth 2.0 puts them), or null like the gateway. */
export function scopesOf(claims: JwtClaims): string[] | null {
  const scope = claims.scope ?? claims.scp;
  if (typeof scope === 'string' && scope.trim() !== '') return scope.trim().split(/\s+/);
  if (Array.isArray(scope)) return scope.map(String);
  return null;
}

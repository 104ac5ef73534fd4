/**
 * The caller, from the JWT claims API Gateway's authorizer verified. The token is never seen here
 * (the gateway checked its signature, issuer, audience and expiry), only its claims:
 * - `sub` → the subject recorded as the actor of every change (missing → 401);
 * - `role` (a custom claim) or, with Cognito, the highest role among `cognito:groups`
 *   (platform-admin > org-admin > developer > viewer); no valid role → 403;
 * - `orgs` or `custom:orgs` → the organizations the caller belongs to.
 * API Gateway hands list claims over in three forms: a JSON array string (`["a","b"]`), its own
 * flattened form (`[a b]`), or a comma-separated string (`a,b`, Cognito custom attributes); all
 * three are read. Organization names that are not DNS-1123 labels are dropped, never trusted.
 */
import { ApiError } from '../../domain/api/error-codes.js';
import { type Caller, ROLES, type Role } from '../../domain/authorization.js';
import { isDns1123Label } from '../../domain/environment-spec.js';

export type Claims = Readonly<Record<string, unknown>>;

/** Reads a list claim in any of the forms API Gateway produces. */
export function listClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value !== 'string') return [];
  const text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return listClaim(parsed);
    } catch {
      // Not JSON: API Gateway's flattened `[a b]` form.
    }
    return text
      .slice(1, -1)
      .split(/[\s,]+/)
      .filter(Boolean);
  }
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The `role` claim when it is a known role, else the highest role among the Cognito groups. */
export function roleOf(claims: Claims): Role | undefined {
  const claimed = typeof claims.role === 'string' ? claims.role.trim() : undefined;
  if (claimed !== undefined && isRole(claimed)) return claimed;
  const groups = listClaim(claims['cognito:groups']);
  return ROLES.find((role) => groups.includes(role));
}

export function callerFromClaims(claims: Claims | undefined): Caller {
  const subject = typeof claims?.sub === 'string' ? claims.sub.trim() : '';
  if (!claims || subject === '') {
    throw new ApiError('unauthorized', 'a verified bearer token with a subject (sub) is required');
  }
  const role = roleOf(claims);
  if (!role) {
    throw new ApiError(
      'forbidden',
      `the token carries no Slipway role (claim 'role' or a 'cognito:groups' entry: ${ROLES.join(', ')})`,
    );
  }
  const organizations = [
    ...new Set([...listClaim(claims.orgs), ...listClaim(claims['custom:orgs'])].filter(isDns1123Label)),
  ];
  return { subject, role, organizations };
}

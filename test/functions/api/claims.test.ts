import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../functions/domain/api/error-codes.js';
import { callerFromClaims, listClaim, roleOf } from '../../../functions/shared/http/claims.js';

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('listClaim', () => {
  it.each([
    ['a JSON array string', '["acme","globex"]'],
    ["API Gateway's flattened form", '[acme globex]'],
    ['a comma-separated string', 'acme, globex'],
    ['an array', ['acme', 'globex']],
  ])('reads %s', (_what, value) => {
    expect(listClaim(value)).toEqual(['acme', 'globex']);
  });

  it('reads one flattened entry, an empty list and a non-list as lists', () => {
    expect(listClaim('[acme]')).toEqual(['acme']);
    expect(listClaim('[]')).toEqual([]);
    expect(listClaim('')).toEqual([]);
    expect(listClaim(42)).toEqual([]);
    expect(listClaim(undefined)).toEqual([]);
  });
});

describe('roleOf', () => {
  it('takes a valid role claim over the groups', () => {
    expect(roleOf({ role: 'viewer', 'cognito:groups': '[platform-admin]' })).toBe('viewer');
  });

  it('takes the highest role among the Cognito groups, in any list form', () => {
    expect(roleOf({ 'cognito:groups': '[viewer org-admin other]' })).toBe('org-admin');
    expect(roleOf({ 'cognito:groups': '["developer","viewer"]' })).toBe('developer');
    expect(roleOf({ 'cognito:groups': 'viewer,platform-admin' })).toBe('platform-admin');
  });

  it('ignores an unknown role claim and finds no role without a known group', () => {
    expect(roleOf({ role: 'root', 'cognito:groups': '[viewer]' })).toBe('viewer');
    expect(roleOf({ role: 'root' })).toBeUndefined();
    expect(roleOf({ 'cognito:groups': '[admins]' })).toBeUndefined();
  });
});

describe('callerFromClaims', () => {
  it('builds the caller from sub, role and orgs (flattened), dropping names that are not DNS labels', () => {
    const caller = callerFromClaims({ sub: 'user-1', role: 'org-admin', orgs: '[acme ../etc Globex beta]' });
    expect(caller).toEqual({ subject: 'user-1', role: 'org-admin', organizations: ['acme', 'beta'] });
  });

  it('reads custom:orgs (Cognito) as well as orgs', () => {
    const caller = callerFromClaims({
      sub: 'u',
      'cognito:groups': '[developer]',
      'custom:orgs': 'acme,beta',
    });
    expect(caller.organizations).toEqual(['acme', 'beta']);
    expect(caller.role).toBe('developer');
  });

  it('answers 401 without claims or without a subject', () => {
    expect(refusal(() => callerFromClaims(undefined)).code).toBe('unauthorized');
    expect(refusal(() => callerFromClaims({ role: 'viewer' })).status).toBe(401);
    expect(refusal(() => callerFromClaims({ sub: '  ', role: 'viewer' })).status).toBe(401);
  });

  it('answers 403 for a token with no valid role', () => {
    const error = refusal(() => callerFromClaims({ sub: 'u', role: 'superuser', orgs: '[acme]' }));
    expect(error.code).toBe('forbidden');
    expect(error.status).toBe(403);
    expect(error.message).toContain('role');
  });
});

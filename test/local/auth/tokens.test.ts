import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  localTokenVerifier,
  signLocalToken,
  TokenRejectedError,
} from '../../../local/auth/tokens.js';

const KEY = randomBytes(32);
const NOW = new Date('2026-12-01T12:00:00Z');

describe('local tokens', () => {
  it('signs an HS256 token with sub, role, orgs, the local issuer and audience, valid 12 h by default', async () => {
    const token = await signLocalToken(KEY, {
      subject: 'alice',
      role: 'developer',
      organizations: ['acme', 'globex'],
      now: NOW,
    });

    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      sub: 'alice',
      role: 'developer',
      orgs: ['acme', 'globex'],
      iss: LOCAL_ISSUER,
      aud: LOCAL_AUDIENCE,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(12 * 3600);
  });

  it('verifies its own token and returns the claims as signed', async () => {
    const token = await signLocalToken(KEY, { subject: 'bob', role: 'viewer', organizations: ['acme'] });

    const claims = await localTokenVerifier(KEY)(token);

    expect(claims).toMatchObject({ sub: 'bob', role: 'viewer', orgs: ['acme'] });
  });

  it('rejects an expired token', async () => {
    const token = await signLocalToken(KEY, {
      subject: 'bob',
      role: 'viewer',
      organizations: ['acme'],
      ttlSeconds: 3600,
      now: NOW,
    });
    const later = localTokenVerifier(KEY, { now: () => new Date(NOW.getTime() + 3601_000) });
    const before = localTokenVerifier(KEY, { now: () => new Date(NOW.getTime() + 3599_000) });

    await expect(later(token)).rejects.toThrow(TokenRejectedError);
    await expect(before(token)).resolves.toMatchObject({ sub: 'bob' });
  });

  it('rejects a token signed with another key', async () => {
    const token = await signLocalToken(randomBytes(32), {
      subject: 'm',
      role: 'platform-admin',
      organizations: [],
    });

    await expect(localTokenVerifier(KEY)(token)).rejects.toThrow(TokenRejectedError);
  });

  it.each([
    ['another issuer', { iss: 'someone-else', aud: LOCAL_AUDIENCE }],
    ['another audience', { iss: LOCAL_ISSUER, aud: 'other-api' }],
  ])('rejects a token of %s', async (_, { iss, aud }) => {
    const token = await new SignJWT({ role: 'viewer', orgs: ['acme'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setIssuer(iss)
      .setAudience(aud)
      .setExpirationTime('1h')
      .sign(KEY);

    await expect(localTokenVerifier(KEY)(token)).rejects.toThrow(TokenRejectedError);
  });

  it('rejects a token without an expiry', async () => {
    const token = await new SignJWT({ role: 'viewer', orgs: ['acme'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .sign(KEY);

    await expect(localTokenVerifier(KEY)(token)).rejects.toThrow(TokenRejectedError);
  });

  it('refuses a non-positive lifetime', async () => {
    await expect(
      signLocalToken(KEY, { subject: 'a', role: 'viewer', organizations: [], ttlSeconds: 0 }),
    ).rejects.toThrow(RangeError);
  });
});

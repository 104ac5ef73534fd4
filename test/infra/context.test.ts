import { describe, expect, it } from 'vitest';
import { readContext } from '../../infra/context.js';

const context = (values: Record<string, unknown>) => readContext((key) => values[key]);

describe('deploy-time context: identity and CORS', () => {
  it('reads nothing when no key is set (Cognito user pool, CORS off)', () => {
    expect(context({})).toMatchObject({ oidc: undefined, corsOrigins: undefined });
  });

  it('reads an OIDC issuer with its comma-separated audience, the issuer kept verbatim', () => {
    expect(
      context({
        'slipway:oidcIssuer': 'https://acme.eu.auth0.com/',
        'slipway:oidcAudience': 'slipway, slipway-cli',
      }),
    ).toMatchObject({ oidc: { issuer: 'https://acme.eu.auth0.com/', audience: ['slipway', 'slipway-cli'] } });
  });

  it('refuses half an OIDC provider, naming the missing key', () => {
    expect(() => context({ 'slipway:oidcIssuer': 'https://login.example.com' })).toThrow(
      /slipway:oidcAudience is required/,
    );
    expect(() => context({ 'slipway:oidcAudience': 'slipway' })).toThrow(/slipway:oidcIssuer is required/);
    expect(() =>
      context({ 'slipway:oidcIssuer': 'https://login.example.com', 'slipway:oidcAudience': ' , ' }),
    ).toThrow(/slipway:oidcAudience is required/);
  });

  it('refuses an issuer that is not an https URL', () => {
    for (const issuer of ['http://login.example.com', 'login.example.com', 'ftp://login.example.com']) {
      expect(() => context({ 'slipway:oidcIssuer': issuer, 'slipway:oidcAudience': 'slipway' })).toThrow(
        /slipway:oidcIssuer must be an https:\/\/ URL/,
      );
    }
  });

  it('reads CORS origins, https or a local development server', () => {
    expect(
      context({ 'slipway:corsOrigins': 'https://console.example.com, http://localhost:5173' }).corsOrigins,
    ).toEqual(['https://console.example.com', 'http://localhost:5173']);
  });

  it('refuses a CORS entry that is not an origin, naming it', () => {
    for (const origin of [
      '*',
      'https://console.example.com/',
      'https://console.example.com/app',
      'http://console.example.com',
      'console.example.com',
    ]) {
      expect(() => context({ 'slipway:corsOrigins': origin })).toThrow(
        new RegExp(
          `slipway:corsOrigins: ${JSON.stringify(origin).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not an origin`,
        ),
      );
    }
  });
});

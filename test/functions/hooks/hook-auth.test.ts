import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  environmentHookSecrets,
  secretsManagerHookSecrets,
  staticHookSecrets,
  verifierFor,
} from '../../../functions/adapters/secrets/hook-secrets.js';
import {
  constantTimeEquals,
  hubSignature,
  hubSignatureMatches,
  tokenMatches,
} from '../../../functions/domain/hook-auth.js';
import { type FakeSecretsManager, startFakeSecretsManager } from './fake-secrets-manager.js';

describe('hubSignatureMatches', () => {
  it("matches GitHub's published test vector", () => {
    const body = Buffer.from('Hello, World!');
    expect(hubSignature("It's a Secret to Everybody", body)).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
    expect(
      hubSignatureMatches('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', body, [
        'another secret',
        "It's a Secret to Everybody",
      ]),
    ).toBe(true);
  });

  it('refuses a missing, malformed or wrong signature, and a modified body', () => {
    const body = Buffer.from('{"ref":"refs/heads/main"}');
    const good = hubSignature('s3cret', body);
    expect(hubSignatureMatches(undefined, body, ['s3cret'])).toBe(false);
    expect(hubSignatureMatches('sha1=abc', body, ['s3cret'])).toBe(false);
    expect(hubSignatureMatches(good.replace('sha256=', 'sha256=0'), body, ['s3cret'])).toBe(false);
    expect(hubSignatureMatches(good, Buffer.from('{"ref":"refs/heads/prod"}'), ['s3cret'])).toBe(false);
    expect(hubSignatureMatches(good, body, ['other'])).toBe(false);
    expect(hubSignatureMatches(good, body, [])).toBe(false);
    expect(hubSignatureMatches(good, body, ['s3cret'])).toBe(true);
  });
});

describe('tokenMatches', () => {
  it('accepts any accepted token, refuses others and the empty token, whatever the lengths', () => {
    expect(tokenMatches('current', ['current', 'previous'])).toBe(true);
    expect(tokenMatches('previous', ['current', 'previous'])).toBe(true);
    expect(tokenMatches('curren', ['current'])).toBe(false);
    expect(tokenMatches('', [''])).toBe(false);
    expect(tokenMatches(undefined, ['current'])).toBe(false);
    expect(constantTimeEquals('a', 'a much longer value')).toBe(false);
  });
});

describe('hook secrets', () => {
  let fake: FakeSecretsManager;
  beforeAll(async () => {
    fake = await startFakeSecretsManager();
  });
  afterAll(() => fake.stop());

  it('accepts the current and, during a rotation, the previous value, from one cached read each', async () => {
    fake.set(
      'slipway/webhooks',
      JSON.stringify({ github: 'new-secret', gitlab: 'gl-new' }),
      JSON.stringify({ github: 'old-secret', gitlab: 'gl-old' }),
    );
    const secrets = secretsManagerHookSecrets({ secretId: 'slipway/webhooks', client: fake.client });
    fake.calls.length = 0;
    expect(await secrets.accepted('github')).toEqual(['new-secret', 'old-secret']);
    expect(await secrets.accepted('gitlab')).toEqual(['gl-new', 'gl-old']);
    expect(fake.calls).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });

  it('accepts the current value alone before the first rotation, and refreshes when asked', async () => {
    fake.set('fresh', JSON.stringify({ github: 'only' }));
    const secrets = secretsManagerHookSecrets({ secretId: 'fresh', client: fake.client });
    expect(await secrets.accepted('github')).toEqual(['only']);
    expect(await secrets.accepted('argocd')).toEqual([]);
    fake.set('fresh', JSON.stringify({ github: 'rotated' }), JSON.stringify({ github: 'only' }));
    expect(await secrets.accepted('github')).toEqual(['only']);
    expect(await secrets.accepted('github', { refresh: true })).toEqual(['rotated', 'only']);
  });

  it('retries a failed check once with fresh values, then not again within the interval', async () => {
    let clock = 0;
    let rotated = false;
    let fetches = 0;
    const verify = verifierFor(
      {
        async accepted(_source, options) {
          if (options?.refresh) fetches += 1;
          return rotated && options?.refresh ? ['new'] : ['old'];
        },
      },
      () => clock,
    );
    rotated = true;
    expect(await verify('github', (accepted) => accepted.includes('new'))).toBe(true);
    expect(await verify('github', (accepted) => accepted.includes('nope'))).toBe(false);
    expect(fetches).toBe(1);
    clock += 31_000;
    expect(await verify('github', (accepted) => accepted.includes('nope'))).toBe(false);
    expect(fetches).toBe(2);
  });

  it('reads local mode values from SLIPWAY_GITHUB_SECRET / SLIPWAY_GITLAB_TOKEN', async () => {
    const secrets = environmentHookSecrets({ SLIPWAY_GITHUB_SECRET: ' gh ', SLIPWAY_GITLAB_TOKEN: '' });
    expect(await secrets.accepted('github')).toEqual(['gh']);
    expect(await secrets.accepted('gitlab')).toEqual([]);
    expect(await staticHookSecrets({ argocd: ['a', 'b'] }).accepted('argocd')).toEqual(['a', 'b']);
  });
});

describe('hubSignatureMatches and presented tokens at their edges', () => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');

  it('takes a signature header with blanks around it, in any case, and nothing around or after it', () => {
    const signature = hubSignature('secret', body);
    expect(
      hubSignatureMatches(`  ${signature.toUpperCase().replace('SHA256', 'sha256')}\n`, body, ['secret']),
    ).toBe(true);
    expect(hubSignatureMatches(`x${signature}`, body, ['secret'])).toBe(false);
    expect(hubSignatureMatches(`${signature}0`, body, ['secret'])).toBe(false);
  });

  it('never accepts a body signed with an empty secret, even when an empty secret is configured', () => {
    expect(hubSignatureMatches(hubSignature('', body), body, ['', 'secret'])).toBe(false);
    expect(tokenMatches('', [''])).toBe(false);
  });
});

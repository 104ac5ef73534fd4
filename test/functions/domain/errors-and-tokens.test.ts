/**
 * The error names Step Functions and the API match on (errors.ts), and how a cluster's hook token
 * is derived and presented (hook-token.ts).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  EnvironmentLockedError,
  EnvironmentNotFoundError,
  OrganizationNotFoundError,
  RunAlreadyStartedError,
  RunNotFoundError,
  SlipwayError,
  TransientPublishError,
  TransientStoreError,
  TransitionRefusedError,
  ValidationError,
} from '../../../functions/domain/errors.js';
import {
  CLUSTER_HOOK_SOURCES,
  clusterTokenSubject,
  deriveHookToken,
  environmentTokenSubject,
  hookTokenMatches,
  normalizeHookSecret,
  presentedToken,
} from '../../../functions/domain/hook-token.js';

describe('the error hierarchy', () => {
  it('names each error as the state machine and the API match it, all Slipway errors carrying their cause', () => {
    const cause = new Error('underlying');
    const cases: [SlipwayError, string][] = [
      [new SlipwayError('m', { cause }), 'SlipwayError'],
      [new ValidationError('m', [], { cause }), 'ValidationError'],
      [new ConfigurationError('m', { cause }), 'ConfigurationError'],
      [new TransientStoreError('m', { cause }), 'TransientStoreError'],
      [new TransientPublishError('m', { cause }), 'TransientPublishError'],
      [new OrganizationNotFoundError('m', { cause }), 'OrganizationNotFoundError'],
      [new EnvironmentNotFoundError('m', { cause }), 'EnvironmentNotFoundError'],
      [new RunNotFoundError('m', { cause }), 'RunNotFoundError'],
      [new EnvironmentLockedError('m', undefined, { cause }), 'EnvironmentLockedError'],
      [new TransitionRefusedError('m', { cause }), 'TransitionRefusedError'],
      [new RunAlreadyStartedError('m', { cause }), 'RunAlreadyStartedError'],
    ];
    for (const [error, name] of cases) {
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(SlipwayError);
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toBe('m');
      expect(error.cause).toBe(cause);
    }
  });

  it('keeps the validation issues (none by default) and the lock holder', () => {
    expect(new ValidationError('bad', ['spec.tier', 'spec.region']).issues).toEqual([
      'spec.tier',
      'spec.region',
    ]);
    expect(new ValidationError('bad').issues).toEqual([]);
    expect(new EnvironmentLockedError('locked', 'acme.prod.000001.aaaa').activeRunId).toBe(
      'acme.prod.000001.aaaa',
    );
    expect(new EnvironmentLockedError('locked').activeRunId).toBeUndefined();
  });
});

describe('hook tokens', () => {
  const hmac = (key: string, message: string) =>
    createHmac('sha256', key).update(message, 'utf8').digest('hex');

  it('derive from <org>/<env>, or cluster/<name> for a shared cluster, under the trimmed secret', () => {
    expect(CLUSTER_HOOK_SOURCES).toEqual(['argocd', 'alertmanager']);
    expect(environmentTokenSubject('acme', 'prod')).toBe('acme/prod');
    expect(clusterTokenSubject('shared-eu')).toBe('cluster/shared-eu');
    expect(normalizeHookSecret(' \tsecret\n')).toBe('secret');
    const token = deriveHookToken('secret\n', 'acme/prod');
    expect(token).toBe(hmac('secret', 'acme/prod'));
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(() => deriveHookToken(' \n', 'acme/prod')).toThrow(
      new RangeError('a hook secret must not be empty'),
    );
  });

  it("match the subject's token under the current or the previous secret, skipping empty secrets", () => {
    const current = deriveHookToken('current', 'acme/prod');
    const previous = deriveHookToken('previous', 'acme/prod');
    expect(hookTokenMatches(current, ['current', 'previous'], 'acme/prod')).toBe(true);
    expect(hookTokenMatches(previous, ['current', 'previous'], 'acme/prod')).toBe(true);
    expect(hookTokenMatches(previous, ['', 'previous'], 'acme/prod')).toBe(true);
    expect(hookTokenMatches(current, ['current'], 'acme/staging')).toBe(false);
    expect(hookTokenMatches(current, ['other'], 'acme/prod')).toBe(false);
    expect(hookTokenMatches(undefined, ['current'], 'acme/prod')).toBe(false);
    expect(hookTokenMatches(current, ['  '], 'acme/prod')).toBe(false);
  });

  it('are presented by Alertmanager as a bearer token only', () => {
    expect(presentedToken({ authorization: 'Bearer abc' }, 'bearer')).toBe('abc');
    expect(presentedToken({ authorization: '  bearer   abc  ' }, 'bearer')).toBe('abc');
    expect(presentedToken({ authorization: 'Bearer a b' }, 'bearer')).toBeUndefined();
    expect(presentedToken({ authorization: 'Basic YTpi' }, 'bearer')).toBeUndefined();
    expect(presentedToken({ 'x-slipway-token': 'abc' }, 'bearer')).toBeUndefined();
    expect(presentedToken({}, 'bearer')).toBeUndefined();
  });

  it('are presented by Argo CD in X-Slipway-Token or as the Basic auth password', () => {
    const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;
    expect(
      presentedToken(
        { 'x-slipway-token': ' abc ', authorization: basic('u:other') },
        'x-slipway-token-or-basic',
      ),
    ).toBe('abc');
    expect(
      presentedToken(
        { 'x-slipway-token': ' ', authorization: basic('u:pw:with:colons') },
        'x-slipway-token-or-basic',
      ),
    ).toBe('pw:with:colons');
    expect(presentedToken({ authorization: `  ${basic(':pw')}  ` }, 'x-slipway-token-or-basic')).toBe('pw');
    expect(
      presentedToken({ authorization: basic('u:pw').replace('Basic', 'basic') }, 'x-slipway-token-or-basic'),
    ).toBe('pw');
    expect(presentedToken({ authorization: basic('no-colon') }, 'x-slipway-token-or-basic')).toBeUndefined();
    expect(presentedToken({ authorization: basic('u:') }, 'x-slipway-token-or-basic')).toBeUndefined();
    expect(
      presentedToken({ authorization: 'Basic not base64!' }, 'x-slipway-token-or-basic'),
    ).toBeUndefined();
    expect(presentedToken({ authorization: 'Bearer abc' }, 'x-slipway-token-or-basic')).toBeUndefined();
    expect(
      presentedToken({ authorization: `x${basic('u:pw')}` }, 'x-slipway-token-or-basic'),
    ).toBeUndefined();
    expect(presentedToken({}, 'x-slipway-token-or-basic')).toBeUndefined();
    expect(
      presentedToken({ authorization: basic('u:pw').replace(' ', '   ') }, 'x-slipway-token-or-basic'),
    ).toBe('pw');
    expect(
      presentedToken({ authorization: `${basic('u:pw')} extra` }, 'x-slipway-token-or-basic'),
    ).toBeUndefined();
    expect(presentedToken({ authorization: 'xBearer abc' }, 'bearer')).toBeUndefined();
  });
});

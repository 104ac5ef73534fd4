import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  deriveHookToken,
  environmentTokenSubject,
  hookTokenMatches,
  presentedToken,
} from '../../../functions/domain/hook-token.js';
import { REPO_ROOT } from '../../buildspecs/repo-files.js';
import { requireTool } from '../../support/tools.js';

/**
 * The tokens hook-token.sh computes for the bootstrap phase (real bash, real node), one bash for
 * every case: each case's key, organization and environment reach it as variables K<i>, O<i>, E<i>.
 */
function shellTokens(cases: ReadonlyArray<readonly [string, string, string]>): string[] {
  const steps = cases.map(
    (_, index) =>
      `SLIPWAY_ORGANIZATION="$O${index}" SLIPWAY_ENVIRONMENT="$E${index}"; hook_token "$K${index}" "$(hook_token_message)"; echo`,
  );
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  cases.forEach(([key, organization, environment], index) => {
    env[`K${index}`] = key;
    env[`O${index}`] = organization;
    env[`E${index}`] = environment;
  });
  const result = spawnSync(
    'bash',
    [
      '-c',
      [
        'set -euo pipefail',
        'source buildspecs/scripts/lib/common.sh',
        'source buildspecs/scripts/argocd/hook-token.sh',
        ...steps,
      ].join('\n'),
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', env },
  );
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n').slice(0, cases.length);
}

describe('deriveHookToken', () => {
  beforeAll(() => requireTool('bash', 'apt-get install bash'));

  it('derives byte for byte what the bootstrap phase gives the cluster (hook-token.sh)', () => {
    // Keys as operators write them: hex, base64 with + / =, and non-ASCII text.
    const keys = [randomBytes(32).toString('hex'), randomBytes(24).toString('base64'), 'clé-€-secret'];
    const cases = keys.flatMap((key) =>
      (
        [
          ['acme', 'prod'],
          ['globex-corp-emea', 'staging-2'],
        ] as const
      ).map(([organization, environment]) => [key, organization, environment] as const),
    );
    const fromShell = shellTokens(cases);
    expect(fromShell).toHaveLength(cases.length);
    cases.forEach(([key, organization, environment], index) => {
      expect(deriveHookToken(key, environmentTokenSubject(organization, environment))).toBe(fromShell[index]);
    });
  });

  it('matches RFC 4231 test case 2 (key "Jefe")', () => {
    expect(deriveHookToken('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('refuses an empty secret instead of deriving a token anyone could compute', () => {
    expect(() => deriveHookToken('', 'acme/prod')).toThrow(RangeError);
  });
});

describe('hookTokenMatches', () => {
  const current = 'current-secret';
  const previous = 'previous-secret';
  const subject = environmentTokenSubject('acme', 'prod');

  it('accepts the token of the current and of the previous secret, nothing else', () => {
    expect(hookTokenMatches(deriveHookToken(current, subject), [current, previous], subject)).toBe(true);
    expect(hookTokenMatches(deriveHookToken(previous, subject), [current, previous], subject)).toBe(true);
    expect(hookTokenMatches(deriveHookToken(previous, subject), [current], subject)).toBe(false);
    expect(hookTokenMatches(deriveHookToken(current, 'acme/dev'), [current], subject)).toBe(false);
    expect(hookTokenMatches(current, [current], subject)).toBe(false);
    expect(hookTokenMatches(undefined, [current], subject)).toBe(false);
    expect(hookTokenMatches('', [current], subject)).toBe(false);
  });
});

describe('presentedToken', () => {
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('reads ArgoCD tokens from X-Slipway-Token or from Basic auth (the password)', () => {
    expect(presentedToken({ 'x-slipway-token': ' tok ' }, 'x-slipway-token-or-basic')).toBe('tok');
    expect(
      presentedToken({ authorization: basic('argocd', 'tok:with:colons') }, 'x-slipway-token-or-basic'),
    ).toBe('tok:with:colons');
    expect(
      presentedToken({ authorization: basic('argocd', '') }, 'x-slipway-token-or-basic'),
    ).toBeUndefined();
    expect(presentedToken({ authorization: 'Bearer tok' }, 'x-slipway-token-or-basic')).toBeUndefined();
    expect(presentedToken({}, 'x-slipway-token-or-basic')).toBeUndefined();
  });

  it('reads Alertmanager tokens from a bearer Authorization header only', () => {
    expect(presentedToken({ authorization: 'Bearer tok' }, 'bearer')).toBe('tok');
    expect(presentedToken({ authorization: 'bearer tok' }, 'bearer')).toBe('tok');
    expect(presentedToken({ 'x-slipway-token': 'tok' }, 'bearer')).toBeUndefined();
    expect(presentedToken({ authorization: basic('u', 'tok') }, 'bearer')).toBeUndefined();
  });
});

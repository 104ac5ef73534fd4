import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveHookToken, environmentTokenSubject } from '../../functions/domain/hook-token.js';
import { requireTool } from '../support/tools.js';
import { REPO_ROOT } from './repo-files.js';

/*
 * The derivation rule of a cluster's hook token, buildspecs/scripts/argocd/hook-token.sh, run by
 * real bash and node: lower-case hex HMAC-SHA256(key = the hook secret, message = "<org>/<env>").
 * The API's hooks will derive the same value; these vectors pin the rule for them.
 */

const work = mkdtempSync(join(tmpdir(), 'slipway-hook-token-'));
const argvLog = join(work, 'node-argv.log');

/** `node` on PATH for the script: logs its arguments (never its environment), then runs the real node. */
function nodeWrapper(): string {
  const bin = join(work, 'bin');
  const wrapper = join(bin, 'node');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(
    wrapper,
    `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >>"${argvLog}"\nexec "${process.execPath}" "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return bin;
}

let bin = '';
beforeAll(() => {
  requireTool('bash', 'apt-get install bash');
  bin = nodeWrapper();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function hookToken(key: string, organization: string, environment: string) {
  const script = [
    'set -euo pipefail',
    'source buildspecs/scripts/lib/common.sh',
    'source buildspecs/scripts/argocd/hook-token.sh',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash expands it, from the child's environment
    'hook_token "${HOOK_KEY}" "$(hook_token_message)"',
  ].join('\n');
  return spawnSync('bash', ['-c', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOOK_KEY: key,
      SLIPWAY_ORGANIZATION: organization,
      SLIPWAY_ENVIRONMENT: environment,
    },
  });
}

describe('hook_token (buildspecs/scripts/argocd/hook-token.sh)', () => {
  it('matches RFC 4231 test case 2 for HMAC-SHA256 (key "Jefe"), a vector computed by no code of ours', () => {
    // "what do ya want for nothing?" is not an <org>/<env> message: call the function directly.
    const result = spawnSync(
      'bash',
      [
        '-c',
        'set -euo pipefail; source buildspecs/scripts/lib/common.sh; source buildspecs/scripts/argocd/hook-token.sh; hook_token Jefe "what do ya want for nothing?"',
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH ?? ''}` } },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('is the lower-case hex HMAC-SHA256 of "<org>/<env>" under the key, as node:crypto computes it here', () => {
    for (const [organization, environment] of [
      ['acme', 'prod'],
      ['a', 'b-c'],
      ['globex-corp-emea', 'staging-2'],
    ] as const) {
      const key = randomBytes(32).toString('base64');
      const result = hookToken(key, organization, environment);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(
        createHmac('sha256', key).update(`${organization}/${environment}`).digest('hex'),
      );
      expect(result.stdout).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('gives every environment its own token: a/b-c and a-b/c differ', () => {
    const key = randomBytes(16).toString('hex');
    expect(hookToken(key, 'a', 'b-c').stdout).not.toBe(hookToken(key, 'a-b', 'c').stdout);
  });

  it('hands the key to node through its environment only, never its command line', () => {
    const key = `key-${randomBytes(8).toString('hex')}`;
    expect(hookToken(key, 'acme', 'prod').status).toBe(0);
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).toContain('acme/prod');
    expect(argv.includes(key)).toBe(false);
  });

  it('trims the key as the hooks do: a secret stored with a trailing newline gives the token functions/domain/hook-token.ts derives', () => {
    const key = randomBytes(24).toString('hex');
    const trimmed = createHmac('sha256', key).update('acme/prod').digest('hex');
    for (const stored of [`${key}\n`, `${key}\r\n`, `  ${key} \t\n`]) {
      const result = hookToken(stored, 'acme', 'prod');
      expect(result.status, result.stderr).toBe(0);
      // Byte for byte the API's derivation of the same stored value, which is the trimmed key's.
      expect(result.stdout).toBe(deriveHookToken(stored, environmentTokenSubject('acme', 'prod')));
      expect(result.stdout).toBe(trimmed);
    }
    // Not trimming would give another token: the case above proves something.
    expect(createHmac('sha256', `${key}\n`).update('acme/prod').digest('hex')).not.toBe(trimmed);
  });

  it('refuses a key that is only whitespace, as the hooks refuse it', () => {
    const result = hookToken(' \n', 'acme', 'prod');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^ERROR - hook_token needs a key and a message \(the key is only whitespace\)$/m,
    );
    expect(() => deriveHookToken(' \n', 'acme/prod')).toThrow(RangeError);
  });

  it('refuses an empty key instead of deriving a token anyone could compute', () => {
    const result = hookToken('', 'acme', 'prod');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ERROR - hook_token needs a key and a message$/m);
  });
});

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../support/tools.js';
import { REPO_ROOT } from './terraform-config.js';

/**
 * buildspecs/scripts/terraform/install.sh against a local "releases" folder (file:// URLs, curl
 * and gpg real): a release signed by a throwaway key that stands in for HashiCorp's (its
 * fingerprint passed as HASHICORP_KEY_FINGERPRINT), so the signature and digest checks run for real.
 */
const VERSION = '9.9.9';
const INSTALL = join(REPO_ROOT, 'buildspecs/scripts/terraform/install.sh');

let workdir = '';
let fingerprint = '';
const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const zip = `terraform_${VERSION}_linux_${arch}.zip`;
const sums = `terraform_${VERSION}_SHA256SUMS`;

function gpg(home: string, args: readonly string[]) {
  const result = spawnSync('gpg', ['--batch', '--quiet', ...args], {
    env: { ...process.env, GNUPGHOME: home },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** A releases folder for VERSION: the zip, SHA256SUMS (optionally tampered) and its signature. */
function releases(name: string, options: { tamper?: boolean; signer?: string } = {}): string {
  const dir = join(workdir, name);
  const release = join(dir, VERSION);
  mkdirSync(release, { recursive: true });
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'terraform'), `#!/bin/sh\necho '{"terraform_version":"${VERSION}"}'\n`, {
    mode: 0o755,
  });
  expect(spawnSync('zip', ['-q', '-j', join(release, zip), join(bin, 'terraform')]).status).toBe(0);
  const digest = createHash('sha256')
    .update(readFileSync(join(release, zip)))
    .digest('hex');
  writeFileSync(join(release, sums), `${digest}  ${zip}\n`);
  gpg(join(workdir, options.signer ?? 'signer'), [
    '--detach-sign',
    '--output',
    join(release, `${sums}.sig`),
    join(release, sums),
  ]);
  if (options.tamper) writeFileSync(join(release, sums), `${'0'.repeat(64)}  ${zip}\n`);
  return dir;
}

function install(dir: string, env: Record<string, string> = {}) {
  const target = join(dir, 'installed');
  mkdirSync(target, { recursive: true });
  const result = spawnSync('bash', [INSTALL], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      TERRAFORM_VERSION: VERSION,
      TERRAFORM_RELEASES_URL: `file://${dir}`,
      TF_INSTALL_DIR: target,
      HASHICORP_KEY_URL: `file://${join(workdir, 'signer.asc')}`,
      HASHICORP_KEY_FINGERPRINT: fingerprint,
      ...env,
    },
  });
  return { ...result, installed: existsSync(join(target, 'terraform')) };
}

beforeAll(() => {
  for (const tool of ['gpg', 'curl', 'zip', 'unzip', 'jq']) requireTool(tool, `apt-get install ${tool}`);
  workdir = mkdtempSync(join(tmpdir(), 'slipway-tf-install-'));
  const signer = join(workdir, 'signer');
  mkdirSync(signer, { mode: 0o700 });
  gpg(signer, [
    '--passphrase',
    '',
    '--quick-gen-key',
    'Release Test <release@example.test>',
    'ed25519',
    'sign',
    'never',
  ]);
  writeFileSync(join(workdir, 'signer.asc'), gpg(signer, ['--armor', '--export']));
  fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(signer, ['--with-colons', '--fingerprint']))?.[1] ?? '';
  expect(fingerprint).toMatch(/^[0-9A-F]{40}$/);
  // A second key, and a key file that carries it next to the pinned one.
  const intruder = join(workdir, 'intruder');
  mkdirSync(intruder, { mode: 0o700 });
  gpg(intruder, [
    '--passphrase',
    '',
    '--quick-gen-key',
    'Intruder <x@example.test>',
    'ed25519',
    'sign',
    'never',
  ]);
  writeFileSync(
    join(workdir, 'both.asc'),
    `${gpg(signer, ['--armor', '--export'])}\n${gpg(intruder, ['--armor', '--export'])}`,
  );
});

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('buildspecs/scripts/terraform/install.sh', () => {
  it('pins HashiCorp’s release key fingerprint by default', () => {
    expect(readFileSync(INSTALL, 'utf8')).toMatch(
      /HASHICORP_KEY_FINGERPRINT="\$\{HASHICORP_KEY_FINGERPRINT:-C874011F0AB405110D02105534365D9472D7468F\}"/,
    );
  });

  it('installs a release whose SHA256SUMS carries the pinned key’s signature and lists the zip’s digest', () => {
    const run = install(releases('good'));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/verified the signature of terraform_9\.9\.9_SHA256SUMS/);
    expect(run.installed).toBe(true);
  });

  it('refuses a SHA256SUMS changed after signing, and installs nothing', () => {
    const run = install(releases('tampered', { tamper: true }));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/does not carry a valid signature/);
    expect(run.installed).toBe(false);
  });

  it('refuses a SHA256SUMS signed by another key that came in the same key file as the pinned one', () => {
    const run = install(releases('intruder', { signer: 'intruder' }), {
      HASHICORP_KEY_URL: `file://${join(workdir, 'both.asc')}`,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/is signed by [0-9A-F]{40}, not by HashiCorp's release key/);
    expect(run.installed).toBe(false);
  });

  it('refuses a key whose fingerprint is not the pinned one', () => {
    const run = install(releases('other-key'), {
      HASHICORP_KEY_FINGERPRINT: 'C874011F0AB405110D02105534365D9472D7468F',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/is not HashiCorp's release key/);
    expect(run.installed).toBe(false);
  });
});

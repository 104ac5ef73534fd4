import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * buildspecs/scripts/lib/session-manager.sh (the ansible and argocd-bootstrap phases' plugin
 * install), with STUBS of curl (serves a fixture package) and dnf (records what it would install):
 * the pinned release, the digest lookup and the refusal are real.
 */
const REPO_ROOT = join(import.meta.dirname, '../..');
const LIB = join(REPO_ROOT, 'buildspecs/scripts/lib');
const PLATFORM = process.arch === 'arm64' ? 'linux_arm64' : 'linux_64bit';

let workdir = '';

function install(name: string, checksums: string, env: Record<string, string> = {}) {
  const dir = join(workdir, name);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const fixture = join(dir, 'package.rpm');
  writeFileSync(fixture, `session-manager-plugin package ${name}\n`);
  // TEST STUB of curl: writes the fixture wherever --output points and logs the URL.
  writeFileSync(
    join(bin, 'curl'),
    `#!/usr/bin/env bash\nout=""\nwhile [[ $# -gt 0 ]]; do case "$1" in --output) out="$2"; shift ;; https://*) echo "$1" >>"${dir}/curl.log" ;; esac; shift; done\ncp "${fixture}" "$out"\n`,
  );
  // TEST STUB of dnf: records the package it was asked to install.
  writeFileSync(join(bin, 'dnf'), `#!/usr/bin/env bash\necho "$*" >>"${dir}/dnf.log"\n`);
  for (const tool of ['curl', 'dnf']) chmodSync(join(bin, tool), 0o755);
  const file = join(dir, 'checksums.sha256');
  writeFileSync(file, checksums);
  const result = spawnSync(
    'bash',
    [
      '-c',
      `set -euo pipefail; source "${LIB}/common.sh"; source "${LIB}/session-manager.sh"; install_session_manager_plugin`,
    ],
    {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, SESSION_MANAGER_PLUGIN_CHECKSUMS: file, ...env },
    },
  );
  const read = (log: string) => (existsSync(join(dir, log)) ? readFileSync(join(dir, log), 'utf8') : '');
  const digest = createHash('sha256').update(readFileSync(fixture)).digest('hex');
  return { ...result, curl: read('curl.log'), dnf: read('dnf.log'), digest };
}

beforeAll(() => {
  workdir = mkdtempSync(join(tmpdir(), 'slipway-ssm-plugin-'));
});

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('session-manager-plugin install (lib/session-manager.sh)', () => {
  it('downloads the pinned release, never "latest"', () => {
    const text = readFileSync(join(LIB, 'session-manager.sh'), 'utf8');
    expect(text).toMatch(
      /SESSION_MANAGER_PLUGIN_VERSION="\$\{SESSION_MANAGER_PLUGIN_VERSION:-\d+\.\d+\.\d+\.\d+\}"/,
    );
    expect(text).not.toContain('/latest');
  });

  it('installs the package when its SHA-256 equals the recorded digest', () => {
    const digest = createHash('sha256').update('session-manager-plugin package good\n').digest('hex');
    const run = install('good', `${digest}  1.2.707.0/${PLATFORM}/session-manager-plugin.rpm\n`);
    expect(run.status, run.stderr).toBe(0);
    expect(run.curl).toContain(`/plugin/1.2.707.0/${PLATFORM}/session-manager-plugin.rpm`);
    expect(run.dnf).toMatch(/install --assumeyes --quiet .*session-manager-plugin\.rpm/);
  });

  it('refuses a package whose digest differs, installing nothing', () => {
    const run = install('bad', `${'0'.repeat(64)}  1.2.707.0/${PLATFORM}/session-manager-plugin.rpm\n`);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/ERROR - checksum mismatch/);
    expect(run.dnf).toBe('');
  });

  it('refuses to download at all without a recorded digest for the release and platform', () => {
    const run = install('none', '# no digests yet\n');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/ERROR - no pinned SHA-256 for 1\.2\.707\.0\/linux_(arm64|64bit)/);
    expect(run.curl).toBe('');
    expect(run.dnf).toBe('');
  });
});

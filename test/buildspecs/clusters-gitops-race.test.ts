/**
 * Two tenants of one shared cluster publish their bundles at once: the second push is rejected
 * (the first moved the branch), publish_bundle refetches, recopies its own directory and pushes
 * again, and both tenants' directories are on the branch. Real bash, the real phase scripts
 * (scripts/argocd/lib.sh + gitops.sh) and real git against a bare repository on this machine. The
 * race is made deterministic by a `git` wrapper on PATH (test-only, it says so) that runs the
 * other tenant's whole publish just before this one's first push.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../support/tools.js';
import { REPO_ROOT } from './repo-files.js';

let workdir = '';
let realGit = '';

beforeAll(() => {
  requireTool('bash', 'apt-get install bash');
  requireTool('jq', 'apt-get install jq');
  realGit = requireTool('git', 'apt-get install git');
  workdir = mkdtempSync(join(tmpdir(), 'slipway-gitops-race-'));
});

afterAll(() => rmSync(workdir, { recursive: true, force: true }));

const gitEnv = () => ({ PATH: process.env.PATH ?? '', HOME: workdir, GIT_CONFIG_NOSYSTEM: '1' });
const git = (args: string[], cwd?: string) =>
  execFileSync(realGit, args, { cwd, encoding: 'utf8', env: gitEnv() }).trim();

function tenantSpec(organization: string): string {
  return JSON.stringify({
    tier: 'prod',
    sharedCluster: 'shared-eu',
    namespaces: [{ name: 'web', quota: { cpu: '1', memory: '1Gi', pods: 10 } }],
    gitops: { repository: 'https://github.com/x/y.git', branch: 'main', path: `tenants/${organization}` },
  });
}

/** A phase directory with a rendered-looking bundle for one tenant. */
function phaseDir(organization: string): string {
  const dir = join(workdir, `phase-${organization}`);
  mkdirSync(join(dir, 'bundle', 'tenants'), { recursive: true });
  writeFileSync(join(dir, 'bundle', 'kustomization.yaml'), 'resources: [tenants]\n');
  writeFileSync(
    join(dir, 'bundle', 'tenants', `namespace-${organization}-prod-web.yaml`),
    `# ${organization}\n`,
  );
  return dir;
}

const PUBLISH = [
  'set -euo pipefail',
  'source buildspecs/scripts/argocd/lib.sh',
  'source buildspecs/scripts/argocd/gitops.sh',
  'publish_bundle',
  'printf "PUBLISHED %s\\n" "$PUBLISHED_REVISION"',
].join('\n');

function publishEnv(organization: string, remote: string, path: string): NodeJS.ProcessEnv {
  return {
    ...gitEnv(),
    PATH: path,
    SLIPWAY_ORGANIZATION: organization,
    SLIPWAY_ENVIRONMENT: 'prod',
    SLIPWAY_RUN_ID: `${organization}.prod.000001.00000000`,
    SLIPWAY_SPEC: tenantSpec(organization),
    SLIPWAY_GITOPS_REPOSITORY: remote,
    SLIPWAY_GITOPS_BRANCH: 'main',
    SLIPWAY_GITOPS_USERNAME: 'pusher',
    SLIPWAY_GITOPS_PASSWORD: 'not-a-secret',
    ARGOCD_PHASE_DIR: phaseDir(organization),
  };
}

describe('publish_bundle on a shared cluster', () => {
  it('lands both of two concurrent tenant commits: the rejected push is rebased on the other and retried', () => {
    const bare = join(workdir, 'gitops.git');
    const seed = join(workdir, 'seed');
    git(['init', '--quiet', '--bare', '--initial-branch', 'main', bare]);
    git(['init', '--quiet', '--initial-branch', 'main', seed]);
    writeFileSync(join(seed, 'README.md'), 'seed\n');
    git(['add', 'README.md'], seed);
    git(['-c', 'user.name=s', '-c', 'user.email=s@example.invalid', 'commit', '--quiet', '-m', 'seed'], seed);
    git(['push', '--quiet', `file://${bare}`, 'HEAD:main'], seed);
    const remote = `file://${bare}`;

    // [test shim] git: before acme's first push, globex publishes (a concurrent tenant run).
    const shimDir = join(workdir, 'shim');
    mkdirSync(shimDir);
    const marker = join(workdir, 'raced');
    const other = publishEnv('globex', remote, process.env.PATH ?? '');
    const exports = Object.entries(other)
      .filter(([name]) => name.startsWith('SLIPWAY_') || name === 'ARGOCD_PHASE_DIR')
      .map(([name, value]) => `export ${name}='${value ?? ''}'`)
      .join('\n');
    writeFileSync(
      join(shimDir, 'git'),
      [
        '#!/usr/bin/env bash',
        '# TEST SHIM of git: real git, except that the first push first lets another tenant publish.',
        `if [[ " $* " == *" push "* && ! -f '${marker}' ]]; then`,
        `  touch '${marker}'`,
        `  ( ${exports.replaceAll('\n', '; ')}; export PATH='${process.env.PATH ?? ''}'; bash -c '${PUBLISH.replaceAll("'", "'\\''")}' ) >&2`,
        'fi',
        `exec '${realGit}' "$@"`,
      ].join('\n'),
    );
    chmodSync(join(shimDir, 'git'), 0o755);

    const acme = spawnSync('bash', ['-c', PUBLISH], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: publishEnv('acme', remote, `${shimDir}:${process.env.PATH ?? ''}`),
      timeout: 60_000,
    });
    const output = `${acme.stdout}${acme.stderr}`;
    expect(acme.status, output).toBe(0);
    expect(output).toContain('push rejected (attempt 1/3)');

    const files = git(['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'main']).split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'slipway-managed/cluster/shared-eu/tenants/acme.prod/tenants/namespace-acme-prod-web.yaml',
        'slipway-managed/cluster/shared-eu/tenants/globex.prod/tenants/namespace-globex-prod-web.yaml',
      ]),
    );
    const subjects = git(['--git-dir', bare, 'log', '--format=%s', 'main']).split('\n');
    expect(subjects.slice(0, 2)).toEqual([
      'slipway: acme/prod run acme.prod.000001.00000000',
      'slipway: globex/prod run globex.prod.000001.00000000',
    ]);
    const published = /PUBLISHED ([0-9a-f]{40})/.exec(acme.stdout)?.[1];
    expect(published).toBe(git(['--git-dir', bare, 'rev-parse', 'main']));
  });
});

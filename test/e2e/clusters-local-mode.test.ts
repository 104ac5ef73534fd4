/**
 * Shared clusters end to end against `npm start` run as a child process, over HTTP: a shared
 * cluster is registered and provisioned (terraform, ansible, the platform part of the ArgoCD phase)
 * to READY; acme/prod and globex/prod are placed on it at once and each reaches READY with only
 * the ArgoCD phase run; both tenants' bundles are in the local GitOps repository (real git, the
 * bare repository local mode stands in for the remote with), beside the cluster's platform part.
 * The builds run the real buildspecs and the real tenant renderer and git; every other tool is
 * simulated (SLIPWAY_LOCAL_REAL_TOOLS=none).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSpec } from '../../local/demo/specs.js';
import {
  type Api,
  api,
  type LocalProcess,
  seedDefinition,
  startLocalProcess,
  token,
  waitForEnvironment,
} from './local-process.js';

let dataDir: string;
let local: LocalProcess | undefined;
let admin: Api;

const ORG = { displayName: 'Org', quota: { cpu: '32', memory: '64Gi', pods: 300 }, maxEnvironments: 5 };
type Phase = { phase: string; status: string; reason?: string };
const phasesOf = (body: Record<string, unknown>) =>
  ((body.currentRun as { phases?: Phase[] })?.phases ?? []).map((p) => [p.phase, p.status, p.reason ?? '']);

function clusterSpec() {
  const { namespaces: _n, gitops: _g, ...dedicated } = demoSpec('prod', '1');
  return dedicated;
}

function tenantSpec(organization: string) {
  const spec = demoSpec('prod', '2');
  return {
    tier: spec.tier,
    sharedCluster: 'shared-eu',
    namespaces: spec.namespaces,
    gitops: {
      repository: 'https://github.com/acme/platform-gitops.git',
      branch: 'main',
      path: `tenants/${organization}/prod`,
    },
  };
}

/** The tail of the failed phase's build log, so a failure names its cause. */
function failedLog(body: Record<string, unknown>): string {
  const failed = ((body.currentRun as { phases?: (Phase & { logLink?: string })[] })?.phases ?? []).find(
    (p) => p.status === 'FAILED',
  );
  const file = failed?.logLink?.replace(/^file:\/\//, '');
  return file && existsSync(file)
    ? readFileSync(file, 'utf8').split('\n').slice(-40).join('\n')
    : 'no failed phase';
}

function gitopsFiles(path: string): string[] {
  const bare = join(dataDir, 'gitops.git');
  return execFileSync('git', ['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'main', '--', path], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'slipway-e2e-clusters-'));
  // The run's shared synth, not one more in the child (local-mode.test.ts starts unseeded).
  await seedDefinition(dataDir);
  local = await startLocalProcess(dataDir);
  expect(local.output()).toContain('cached synthesized definition');
  admin = api(local.url, await token('platform-admin', []));
}, 300_000);

afterAll(async () => {
  if (local) {
    local.child.kill('SIGTERM');
    await local.ended;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('shared clusters in local mode', () => {
  it('registers a cluster, places two organizations on it at once, and renders both into its GitOps state', async () => {
    const registered = await admin('PUT', '/v1/clusters/shared-eu', clusterSpec());
    expect(registered.status, JSON.stringify(registered.body)).toBe(202);
    const cluster = await waitForEnvironment(
      admin,
      '/v1/clusters/shared-eu',
      (s) => s === 'READY' || s === 'FAILED',
      240_000,
    );
    expect(cluster.status, failedLog(cluster)).toBe('READY');
    expect(phasesOf(cluster).map(([phase, status]) => [phase, status])).toEqual([
      ['terraform', 'SUCCEEDED'],
      ['ansible', 'SUCCEEDED'],
      ['argocd-bootstrap', 'SUCCEEDED'],
    ]);
    const platform = gitopsFiles('slipway-managed/cluster/shared-eu');
    expect(platform).toEqual(
      expect.arrayContaining([
        'slipway-managed/cluster/shared-eu/platform/monitoring.yaml',
        'slipway-managed/cluster/shared-eu/tenants/shared-tenants.yaml',
        'slipway-managed/cluster/shared-eu/tenants/platform-network-fence.yaml',
      ]),
    );

    for (const organization of ['acme', 'globex']) {
      expect((await admin('PUT', `/v1/orgs/${organization}`, ORG)).status).toBe(201);
    }
    const placed = await Promise.all(
      ['acme', 'globex'].map((organization) =>
        admin('PUT', `/v1/orgs/${organization}/environments/prod`, tenantSpec(organization)),
      ),
    );
    for (const response of placed) expect(response.status, JSON.stringify(response.body)).toBe(202);
    for (const organization of ['acme', 'globex']) {
      const tenant = await waitForEnvironment(
        admin,
        `/v1/orgs/${organization}/environments/prod`,
        (s) => s === 'READY' || s === 'FAILED',
        240_000,
      );
      expect(tenant.status, failedLog(tenant)).toBe('READY');
      expect(phasesOf(tenant)).toEqual([
        ['terraform', 'SKIPPED', 'shared cluster'],
        ['ansible', 'SKIPPED', 'shared cluster'],
        ['argocd-bootstrap', 'SUCCEEDED', ''],
      ]);
    }

    // Both concurrent commits landed: each tenant's namespaces in its own directory of the cluster.
    for (const organization of ['acme', 'globex']) {
      const files = gitopsFiles(`slipway-managed/cluster/shared-eu/tenants/${organization}.prod`);
      expect(files).toEqual(
        expect.arrayContaining([
          `slipway-managed/cluster/shared-eu/tenants/${organization}.prod/kustomization.yaml`,
          `slipway-managed/cluster/shared-eu/tenants/${organization}.prod/tenants/argocd-${organization}.yaml`,
        ]),
      );
      expect(files.some((file) => file.includes(`/namespace-${organization}-prod-`))).toBe(true);
      // A tenant's bundle carries none of the platform's objects.
      expect(files.some((file) => file.includes('platform'))).toBe(false);
    }

    const shown = await admin('GET', '/v1/clusters/shared-eu');
    expect(
      (shown.body.tenants as { organization: string; status: string }[]).map((t) => [
        t.organization,
        t.status,
      ]),
    ).toEqual([
      ['acme', 'READY'],
      ['globex', 'READY'],
    ]);
    const refused = await admin('DELETE', '/v1/clusters/shared-eu');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ details: { tenants: ['acme/prod', 'globex/prod'] } });
  }, 600_000);
});

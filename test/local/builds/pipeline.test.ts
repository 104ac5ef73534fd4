import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildResult } from '../../../local/builds/build-record.js';
import { prepareBuildSource } from '../../../local/builds/build-source.js';
import { ensureLocalGitopsRemote, localProjectVariables } from '../../../local/builds/project-variables.js';
import { LocalBuildRunner } from '../../../local/builds/runner.js';
import { requireTool } from '../../support/tools.js';
import { logOf, plain } from './harness.js';

/**
 * The three REAL phase buildspecs (terraform → ansible → argocd-bootstrap) run one after the
 * other by the local build runner, fully simulated (SLIPWAY_LOCAL_REAL_TOOLS=none, so the suite
 * stays fast; terraform-phase.test.ts runs the real terraform), each phase getting the previous
 * phases' exports as the workflow passes them, then the teardown chain on the same projects with
 * BuildspecOverride. What a local `npm start` run does, minus the workflow.
 */
const SPEC = {
  tier: 'dev',
  region: 'eu-west-1',
  kubernetesVersion: '1.30',
  ciliumVersion: '1.16',
  cluster: {
    controlPlane: { count: 1, instanceType: 'm6i.large' },
    workers: { count: 2, instanceType: 'm6i.xlarge' },
  },
  network: { vpcCidr: '10.20.0.0/16', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
  namespaces: [{ name: 'web', quota: { cpu: '2', memory: '4Gi', pods: 20 } }],
  gitops: {
    repository: 'https://github.com/acme/platform-gitops.git',
    branch: 'main',
    path: 'tenants/acme/dev',
  },
};
const SECRETS = {
  argocd: 'argo-hook-7c1d',
  alertmanager: 'am-hook-9e2f',
  push: 'push-token-4b8a',
  read: 'read-token-0d3c',
};

let root = '';
let dataDir = '';
const results: Record<string, BuildResult> = {};
const teardowns: Record<string, BuildResult> = {};

beforeAll(async () => {
  for (const tool of ['jq', 'git', 'python3']) requireTool(tool, `apt-get install ${tool}`);
  root = mkdtempSync(join(tmpdir(), 'slipway-local-pipeline-'));
  dataDir = join(root, 'data');
  const runner = new LocalBuildRunner({
    dataDir,
    sourceDir: await prepareBuildSource(dataDir),
    projectVariables: localProjectVariables({ dataDir, callbackBaseUrl: 'http://127.0.0.1:8787' }),
    realTools: 'none',
  });
  runner.secrets.put(
    'slipway/webhooks',
    JSON.stringify({ argocd: SECRETS.argocd, alertmanager: SECRETS.alertmanager }),
  );
  runner.secrets.put(
    'slipway/gitops-credentials',
    JSON.stringify({ username: 'slipway', password: SECRETS.push }),
  );
  runner.secrets.put(
    'slipway/gitops-read-credentials',
    JSON.stringify({ username: 'reader', password: SECRETS.read }),
  );
  let previous: Record<string, string> = {};
  const build = (phase: string, teardown: boolean) =>
    runner.build(phase, {
      ProjectName: `PhaseProjects${phase}`,
      // The teardown chain runs the same projects with the teardown buildspec (docs/phase-contract.md).
      ...(teardown ? { BuildspecOverride: `buildspecs/teardown/${phase}.yml` } : {}),
      EnvironmentVariablesOverride: [
        plain('SLIPWAY_ORGANIZATION', 'acme'),
        plain('SLIPWAY_ENVIRONMENT', 'dev'),
        plain('SLIPWAY_RUN_ID', teardown ? 'acme.dev.000002.9f8e7d6c' : 'acme.dev.000001.1a2b3c4d'),
        plain('SLIPWAY_COMMIT', ''),
        plain('SLIPWAY_TRIGGER', teardown ? 'teardown' : 'api'),
        plain('SLIPWAY_SPEC', JSON.stringify(SPEC)),
        plain('SLIPWAY_PREVIOUS_OUTPUTS', JSON.stringify(previous)),
        ...(phase === 'argocd-bootstrap'
          ? [
              {
                Name: 'SLIPWAY_KUBECONFIG',
                Value: previous.KUBECONFIG_SECRET_ID ?? '',
                Type: 'SECRETS_MANAGER',
              },
            ]
          : []),
      ],
    });
  for (const phase of ['terraform', 'ansible', 'argocd-bootstrap']) {
    const result = await build(phase, false);
    results[phase] = result;
    previous = {
      ...previous,
      ...Object.fromEntries(result.Build.ExportedEnvironmentVariables.map((v) => [v.Name, v.Value])),
    };
  }
  // Teardown, in reverse, handed the merged outputs of the provisioning phases.
  for (const phase of ['argocd-bootstrap', 'ansible', 'terraform'])
    teardowns[phase] = await build(phase, true);
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const exported = (phase: string) =>
  Object.fromEntries(
    (results[phase]?.Build.ExportedEnvironmentVariables ?? []).map((v) => [v.Name, v.Value]),
  );

describe('the three phase buildspecs on the local simulators', () => {
  it('exports what docs/phase-contract.md lists for every phase', () => {
    expect(exported('terraform')).toMatchObject({ CLUSTER_NAME: 'acme-dev', TF_STATE_BACKUP_S3_KEY: '' });
    expect(exported('ansible')).toEqual({
      KUBECONFIG_SECRET_ID: 'slipway/acme/dev/kubeconfig',
      NODES_READY: '3/3',
      CILIUM_STATUS: 'OK',
    });
    expect(exported('argocd-bootstrap')).toMatchObject({
      ARGOCD_SYNC_STATUS: 'Synced',
      ARGOCD_HEALTH_STATUS: 'Healthy',
    });
  });

  it('commits the tenant bundle to the local GitOps remote at the exported revision', () => {
    const remote = ensureLocalGitopsRemote(dataDir);
    const revision = exported('argocd-bootstrap').TENANT_MANIFESTS_REVISION ?? '';
    expect(revision).toMatch(/^[0-9a-f]{40}$/);
    // The commit is on main (the teardown's removal commit came after it).
    expect(() =>
      execFileSync('git', ['-C', remote, 'merge-base', '--is-ancestor', revision, 'main']),
    ).not.toThrow();
    const files = execFileSync('git', ['-C', remote, 'ls-tree', '-r', '--name-only', revision], {
      encoding: 'utf8',
    });
    expect(files).toContain('slipway-managed/acme/dev/kustomization.yaml');
  });

  it('keeps the kubeconfig in the local secret store and every secret out of every log', () => {
    const stored = readdirSync(join(dataDir, 'secrets'));
    expect(stored).toContain('slipway%2Facme%2Fdev%2Fkubeconfig.json');
    for (const phase of Object.keys(results)) {
      const build = results[phase]?.Build;
      if (!build) throw new Error(`no ${phase} build`);
      const log = logOf(build);
      for (const secret of Object.values(SECRETS)) expect(log).not.toContain(secret);
      expect(log).not.toContain('token: local-');
    }
    expect(readFileSync(join(dataDir, 'builds', `${results.ansible?.Build.Id}.log`), 'utf8')).toContain(
      '[simulated] ansible-playbook',
    );
  });

  it('tears the environment down with the teardown buildspecs: manifests removed, secrets scheduled for deletion, state emptied', () => {
    const status = (phase: string) =>
      Object.fromEntries(
        (teardowns[phase]?.Build.ExportedEnvironmentVariables ?? []).map((v) => [v.Name, v.Value]),
      );
    expect(status('argocd-bootstrap')).toMatchObject({ TEARDOWN_STATUS: 'DONE', SECRETS_DELETED: '2' });
    // The simulator's "[simulated]" label is a line of the log, never inside the deletion date.
    const secretsTeardown = teardowns['argocd-bootstrap'];
    if (!secretsTeardown) throw new Error('no argocd-bootstrap teardown build');
    const secretsLog = logOf(secretsTeardown.Build);
    expect(secretsLog).toMatch(
      /\/acme\/dev\/kubeconfig is scheduled for deletion on \d{4}-\d{2}-\d{2}T[\d:]+\+00:00 \(restorable/,
    );
    expect(secretsLog).not.toMatch(/scheduled for deletion on \[simulated\]/);
    expect(secretsLog).toMatch(
      /^\[simulated\] aws secretsmanager delete-secret \S+\/acme\/dev\/kubeconfig /m,
    );
    expect(status('ansible')).toMatchObject({ TEARDOWN_STATUS: 'DONE', NODES_RESET: '3/3' });
    expect(status('terraform')).toMatchObject({
      TEARDOWN_STATUS: 'DONE',
      TF_STATE_BACKUP_S3_KEY: 'acme/dev/state-backups/acme.dev.000002.9f8e7d6c.tfstate',
    });
    const remote = ensureLocalGitopsRemote(dataDir);
    const files = execFileSync('git', ['-C', remote, 'ls-tree', '-r', '--name-only', 'main'], {
      encoding: 'utf8',
    });
    expect(files).not.toContain('slipway-managed/acme/dev/');
    const kubeconfig = JSON.parse(
      readFileSync(join(dataDir, 'secrets', 'slipway%2Facme%2Fdev%2Fkubeconfig.json'), 'utf8'),
    );
    expect(kubeconfig.DeletedDate).toEqual(expect.any(Number));
    const state = JSON.parse(
      readFileSync(
        join(dataDir, 's3', 'slipway-local-terraform-state', 'acme/dev/terraform.tfstate'),
        'utf8',
      ),
    );
    expect(state.outputs).toEqual({});
  });
});

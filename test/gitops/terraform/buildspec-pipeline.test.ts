import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { requireTool } from '../../support/tools.js';
import { environmentDir, loadConfig, REPO_ROOT } from './terraform-config.js';

/**
 * Runs buildspecs/terraform.yml the way CodeBuild does (every command in one bash shell, from the
 * source root) against STUBS of terraform and the AWS CLI (test/gitops/terraform/stubs): the AWS
 * provider cannot be downloaded here. What is real: the buildspec, every phase script, jq, and
 * `terraform fmt`. What is checked: the commands the scripts issue, the S3 keys, the exports.
 */

const SCRIPTS = join(REPO_ROOT, 'buildspecs/scripts/terraform');
const EXPORTED = ['TF_OUTPUTS_S3_KEY', 'TF_STATE_BACKUP_S3_KEY', 'CLUSTER_NAME', 'API_ENDPOINT'] as const;
const RUN_ID = 'acme.prod.000003.1a2b3c4d';
const STATE_BUCKET = 'slipway-state-123456789012';
const ARTIFACT_BUCKET = 'slipway-artifacts-123456789012';
const API_HOST = 'internal-api-0123456789.elb.eu-west-1.amazonaws.com';
/** Static variable of the terraform project (infra/constructs/phase-projects.ts). */
const NODE_BOUNDARY = 'arn:aws:iam::123456789012:policy/SlipwayStack-PhaseProjectsNodeBoundary-1A2B3C4D5E6F';

const Buildspec = z.object({
  version: z.literal(0.2),
  env: z.object({
    variables: z.record(z.string(), z.string()),
    'exported-variables': z.array(z.string()),
  }),
  phases: z.record(z.string(), z.object({ commands: z.array(z.string()) })),
});

const SPEC = {
  tier: 'prod',
  region: 'eu-west-1',
  kubernetesVersion: '1.30',
  ciliumVersion: '1.16',
  cluster: {
    controlPlane: { count: 3, instanceType: 'm6i.large' },
    workers: { count: 2, instanceType: 'm6i.xlarge' },
  },
  network: { vpcCidr: '10.20.0.0/16', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
  namespaces: [],
  gitops: {
    repository: 'https://github.com/acme/platform-gitops.git',
    branch: 'main',
    path: 'tenants/acme/prod',
  },
};

let realTerraform = '';
let workdir = '';
let outputsFixture: Record<string, { value: unknown; type: unknown; sensitive: boolean }> = {};

beforeAll(async () => {
  requireTool('bash', 'apt-get install bash');
  requireTool('jq', 'apt-get install jq');
  requireTool('shellcheck', 'apt-get install shellcheck');
  realTerraform = requireTool('terraform', 'terraform >= 1.11 from releases.hashicorp.com');
  workdir = mkdtempSync(join(tmpdir(), 'slipway-tf-buildspec-'));
  // `terraform output -json` shape for every output the prod root declares.
  const prod = await loadConfig(environmentDir());
  const values: Record<string, unknown> = {
    cluster_name: 'acme-prod',
    api_endpoint: API_HOST,
    control_plane_instance_ids: ['i-0aaa', 'i-0bbb', 'i-0ccc'],
    worker_instance_ids: ['i-0ddd', 'i-0eee'],
  };
  outputsFixture = Object.fromEntries(
    [...prod.outputs.keys()].map((name) => [
      name,
      { value: values[name] ?? `${name}-value`, type: 'string', sensitive: false },
    ]),
  );
});

afterAll(() => {
  rmSync(workdir, { recursive: true, force: true });
});

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly exports: Record<string, string>;
  readonly log: string[];
  readonly src: string;
  readonly s3: string;
}

/** A fresh CodeBuild-like source root: the asset holds buildspecs/ and gitops/ (docs/phase-contract.md). */
function sourceRoot(name: string): { src: string; s3: string; stubs: string } {
  const base = mkdtempSync(join(workdir, `${name}-`));
  const src = join(base, 'src');
  cpSync(join(REPO_ROOT, 'buildspecs'), join(src, 'buildspecs'), { recursive: true });
  cpSync(join(REPO_ROOT, 'gitops/terraform'), join(src, 'gitops/terraform'), {
    recursive: true,
    filter: (path) => !/(\.terraform|slipway\.auto\.tfvars\.json|tfplan|\.phase-exports\.env)$/.test(path),
  });
  const s3 = join(base, 's3');
  mkdirSync(s3);
  return { src, s3, stubs: join(REPO_ROOT, 'test/gitops/terraform/stubs') };
}

function runBuildspec(
  name: string,
  state: string,
  outputs: unknown = outputsFixture,
  commands?: string[],
  /** Project variables to change, or (undefined) to leave out. */
  overrides: Record<string, string | undefined> = {},
): Run {
  const { src, s3, stubs } = sourceRoot(name);
  const buildspec = Buildspec.parse(parseYaml(readFileSync(join(src, 'buildspecs/terraform.yml'), 'utf8')));
  const phases = ['install', 'pre_build', 'build', 'post_build'];
  const script = [
    'set -eo pipefail',
    ...Object.entries(buildspec.env.variables).map(
      ([key, value]) => `export ${key}=${JSON.stringify(value)}`,
    ),
    ...(commands ?? phases.flatMap((phase) => buildspec.phases[phase]?.commands ?? [])),
    // What CodeBuild reads at the end of post_build for env.exported-variables.
    `for name in ${buildspec.env['exported-variables'].join(' ')}; do printf 'EXPORT %s=%s\\n' "$name" "\${!name-}"; done`,
  ].join('\n');
  writeFileSync(join(src, '..', 'state.json'), state);
  writeFileSync(join(src, '..', 'outputs.json'), JSON.stringify(outputs));
  const log = join(src, '..', 'calls.log');
  const projectVariables = Object.entries({
    SLIPWAY_STATE_BUCKET: STATE_BUCKET,
    SLIPWAY_ARTIFACT_BUCKET: ARTIFACT_BUCKET,
    SLIPWAY_NODE_PERMISSIONS_BOUNDARY: NODE_BOUNDARY,
    ...overrides,
  }).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const result = spawnSync('bash', ['-c', script], {
    cwd: src,
    encoding: 'utf8',
    env: {
      ...Object.fromEntries(projectVariables),
      PATH: `${stubs}:${process.env.PATH}`,
      HOME: src,
      REAL_TERRAFORM: realTerraform,
      STUB_TERRAFORM_VERSION: buildspec.env.variables.TERRAFORM_VERSION ?? '',
      STUB_LOG: log,
      STUB_STATE: join(src, '..', 'state.json'),
      STUB_OUTPUTS: join(src, '..', 'outputs.json'),
      STUB_S3: s3,
      CODEBUILD_SRC_DIR: src,
      CODEBUILD_BUILD_SUCCEEDING: '1',
      AWS_REGION: 'eu-west-1',
      SLIPWAY_ORGANIZATION: 'acme',
      SLIPWAY_ENVIRONMENT: 'prod',
      SLIPWAY_RUN_ID: RUN_ID,
      SLIPWAY_SPEC: JSON.stringify(SPEC),
      SLIPWAY_PREVIOUS_OUTPUTS: '{}',
    },
  });
  const exports = Object.fromEntries(
    [...result.stdout.matchAll(/^EXPORT (\w+)=(.*)$/gm)].map(([, key = '', value = '']) => [key, value]),
  );
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    exports,
    log: calls,
    src,
    s3,
  };
}

describe('buildspecs/terraform.yml', () => {
  it('exports exactly the variables of the phase contract', () => {
    const buildspec = Buildspec.parse(
      parseYaml(readFileSync(join(REPO_ROOT, 'buildspecs/terraform.yml'), 'utf8')),
    );
    expect(buildspec.env['exported-variables']).toEqual([...EXPORTED]);
    expect(buildspec.env.variables).toMatchObject({
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
    });
    expect(readFileSync(join(REPO_ROOT, 'buildspecs/terraform.yml'), 'utf8')).not.toMatch(
      /on-failure:\s*CONTINUE/,
    );
  });

  it('publishes the outputs and exports their key, the cluster name and the API endpoint', () => {
    const run = runBuildspec('first', '');
    expect(run.status, run.stderr).toBe(0);
    const outputsKey = `acme/prod/runs/${RUN_ID}/terraform-outputs.json`;
    expect(run.exports).toEqual({
      TF_OUTPUTS_S3_KEY: outputsKey,
      TF_STATE_BACKUP_S3_KEY: '',
      CLUSTER_NAME: 'acme-prod',
      API_ENDPOINT: API_HOST,
    });
    const published = JSON.parse(readFileSync(join(run.s3, ARTIFACT_BUCKET, outputsKey), 'utf8'));
    expect(published).toEqual(outputsFixture);
  });

  it('skips the state backup cleanly when the environment has no state yet', () => {
    const run = runBuildspec('no-state', '');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^INFO - no state at s3:\/\/.*acme\/prod\/terraform\.tfstate yet; skipping the backup$/m,
    );
    expect(existsSync(join(run.s3, ARTIFACT_BUCKET, 'acme/prod/state-backups'))).toBe(false);
  });

  it('backs the existing state up under the run id before planning', () => {
    const state = JSON.stringify({ version: 4, serial: 7, lineage: 'x', resources: [] });
    const run = runBuildspec('backup', state);
    expect(run.status, run.stderr).toBe(0);
    const key = `acme/prod/state-backups/${RUN_ID}.tfstate`;
    expect(run.exports.TF_STATE_BACKUP_S3_KEY).toBe(key);
    expect(readFileSync(join(run.s3, ARTIFACT_BUCKET, key), 'utf8')).toBe(state);
    const backup = run.log.findIndex((call) => call.includes('state pull'));
    const plan = run.log.findIndex((call) => / plan /.test(call));
    expect(backup).toBeGreaterThanOrEqual(0);
    expect(backup).toBeLessThan(plan);
  });

  it('initialises the tier root with the per-environment state key and S3 locking, then validates', () => {
    const run = runBuildspec('init', '');
    expect(run.status, run.stderr).toBe(0);
    const init = run.log.find((call) => call.includes(' init '));
    expect(init).toContain('-chdir=gitops/terraform/environment');
    expect(init).toContain('-lockfile=readonly');
    expect(init).toContain(`-backend-config=bucket=${STATE_BUCKET}`);
    expect(init).toContain('-backend-config=key=acme/prod/terraform.tfstate');
    expect(init).toContain('-backend-config=region=eu-west-1');
    expect(init).toContain('-backend-config=use_lockfile=true');
    const order = [
      'fmt -check -recursive',
      ' init ',
      ' validate',
      'state pull',
      ' plan ',
      ' apply ',
      ' output -json',
    ];
    const positions = order.map((needle) => run.log.findIndex((call) => call.includes(needle)));
    expect(
      positions.every((position) => position >= 0),
      run.log.join('\n'),
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('applies exactly the saved plan', () => {
    const run = runBuildspec('plan-apply', '');
    expect(run.status, run.stderr).toBe(0);
    expect(run.log.find((call) => / plan /.test(call))).toMatch(/ -out=tfplan$/);
    expect(run.log.find((call) => / apply /.test(call))).toMatch(/ apply .* tfplan$/);
    expect(
      JSON.parse(
        readFileSync(join(run.src, 'gitops/terraform/environment/slipway.auto.tfvars.json'), 'utf8'),
      ),
    ).toMatchObject({
      organization: 'acme',
      tier: 'prod',
      permissions_boundary_arn: NODE_BOUNDARY,
    });
  });

  it('fails loudly in pre_build, before terraform runs, when the project lacks the node permissions boundary', () => {
    const run = runBuildspec('no-boundary', '', outputsFixture, undefined, {
      SLIPWAY_NODE_PERMISSIONS_BOUNDARY: undefined,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /^ERROR - required environment variable SLIPWAY_NODE_PERMISSIONS_BOUNDARY is not set$/m,
    );
    expect(run.log.filter((call) => !call.startsWith('version'))).toEqual([]);
    expect(existsSync(join(run.src, 'gitops/terraform/environment/slipway.auto.tfvars.json'))).toBe(false);
    // The shell stopped at the failed command: nothing after it ran, not even the export listing.
    expect(run.exports).toEqual({});
  });

  it('fails the build when terraform fmt finds an unformatted file', () => {
    const run = runBuildspec('fmt', '', outputsFixture, [
      `printf 'variable "x" {\\ntype=string\\n}\\n' > gitops/terraform/modules/vpc/zz.tf`,
      'bash buildspecs/scripts/terraform/init.sh',
    ]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^ERROR - terraform files above are not formatted/m);
    expect(run.log.some((call) => call.includes(' init '))).toBe(false);
  });

  it('publishes nothing and blanks the exports in post_build after a failed build', () => {
    const run = runBuildspec('failed', '', outputsFixture, [
      'export CODEBUILD_BUILD_SUCCEEDING=0',
      'bash buildspecs/scripts/terraform/publish-outputs.sh',
      '. "$TF_EXPORTS_FILE"',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('INFO - build did not succeed; not publishing terraform outputs');
    expect(run.exports).toEqual({
      TF_OUTPUTS_S3_KEY: '',
      TF_STATE_BACKUP_S3_KEY: '',
      CLUSTER_NAME: '',
      API_ENDPOINT: '',
    });
    expect(readdirSync(run.s3)).toEqual([]);
  });

  it('refuses to publish outputs that lack one the Ansible phase reads', () => {
    const { worker_instance_ids: _dropped, ...incomplete } = outputsFixture;
    const run = runBuildspec('incomplete', '', incomplete);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^ERROR - terraform outputs missing .*: worker_instance_ids$/m);
  });
});

describe('terraform phase scripts', () => {
  const scripts = readdirSync(SCRIPTS)
    .filter((file) => file.endsWith('.sh'))
    .map((file) => join(SCRIPTS, file));

  it('parses every script with bash -n', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(6);
    for (const script of scripts) {
      const result = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
      expect(result.status, `${script}: ${result.stderr}`).toBe(0);
    }
  });

  it('passes shellcheck on every script, following the sourced helpers', () => {
    const result = spawnSync('shellcheck', ['--external-sources', ...scripts], {
      cwd: SCRIPTS,
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('sets -euo pipefail in every executed script and never hides a failure with || true', () => {
    for (const script of scripts.filter((path) => !path.endsWith('/lib.sh'))) {
      const text = readFileSync(script, 'utf8');
      expect(text, script).toMatch(/^set -euo pipefail$/m);
      expect(text, script).not.toMatch(/\|\|\s*true/);
      expect(text, script).not.toMatch(/\bsleep\s+\d/);
    }
  });

  it('has the root the scripts map every tier to', () => {
    expect(existsSync(join(environmentDir(), 'variables.tf'))).toBe(true);
  });

  it('refuses to initialise without a committed lock file holding zh: package hashes', () => {
    const run = runBuildspec('no-lock', '', outputsFixture, [
      'rm gitops/terraform/environment/.terraform.lock.hcl',
      'bash buildspecs/scripts/terraform/init.sh',
    ]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^ERROR - .*\.terraform\.lock\.hcl is missing/m);
    expect(run.log.some((call) => call.includes(' init '))).toBe(false);
  });
});

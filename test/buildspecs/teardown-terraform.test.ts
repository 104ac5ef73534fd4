import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validSpec } from '../support/fixtures.js';
import { requireTool } from '../support/tools.js';
import { REPO_ROOT } from './repo-files.js';
import {
  codebuildScript,
  exportsOf,
  loadTeardownBuildspec,
  positionsOf,
  TEARDOWN_STUBS,
  type TeardownBuildspec,
  teardownOverrides,
} from './teardown-codebuild.js';
import { TEARDOWN_EXPORTS } from './teardown-exports.js';

/*
 * Runs buildspecs/teardown/terraform.yml the way CodeBuild does (pre_build, build and post_build in
 * one bash shell from the source root) against labelled STUBS of terraform and the AWS CLI
 * (test/buildspecs/stubs-teardown): the AWS provider and the S3 backend cannot be reached here, so
 * the stub keeps the state in a file and models plan files, `show -json` and apply. What is real:
 * the buildspec, the teardown scripts, the provisioning phase's render-tfvars.sh, init.sh (with its
 * real `terraform fmt` and lock-file checks) and backup-state.sh, and jq. The install phase is not run.
 */

const RUN_ID = 'acme.prod.000009.9a8b7c6d';
const STATE_BUCKET = 'slipway-state-123456789012';
const ARTIFACT_BUCKET = 'slipway-artifacts-123456789012';
const NODE_BOUNDARY = 'arn:aws:iam::123456789012:policy/SlipwayStack-PhaseProjectsNodeBoundary-1A2B3C4D5E6F';
const BACKUP_KEY = `acme/prod/state-backups/${RUN_ID}.tfstate`;
const RERUN_ID = 'acme.prod.000010.0f1e2d3c';
const PROVISIONED = {
  TF_OUTPUTS_S3_KEY: 'acme/prod/runs/acme.prod.000003.1a2b3c4d/terraform-outputs.json',
  CLUSTER_NAME: 'acme-prod',
  KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig',
};
const RESOURCES = [
  { mode: 'managed', type: 'aws_vpc', name: 'this', instances: [] },
  { mode: 'managed', type: 'aws_instance', name: 'control_plane', instances: [] },
  { mode: 'managed', type: 'aws_lb', name: 'api', instances: [] },
];
const STATE = JSON.stringify({ version: 4, serial: 12, lineage: 'lineage-stub', resources: RESOURCES });

let realTerraform = '';
let workdir = '';
let buildspec: TeardownBuildspec;

beforeAll(() => {
  requireTool('bash', 'apt-get install bash');
  requireTool('jq', 'apt-get install jq');
  realTerraform = requireTool('terraform', 'terraform >= 1.11 from releases.hashicorp.com');
  workdir = mkdtempSync(join(tmpdir(), 'slipway-teardown-terraform-'));
  buildspec = loadTeardownBuildspec('terraform');
});

afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** The state backend and the artifact bucket: what outlives one build. */
interface World {
  readonly base: string;
  readonly state: string;
  readonly s3: string;
}

function world(name: string, state: string): World {
  const base = mkdtempSync(join(workdir, `${name}-`));
  writeFileSync(join(base, 'state.json'), state);
  mkdirSync(join(base, 's3'));
  return { base, state: join(base, 'state.json'), s3: join(base, 's3') };
}

interface Options {
  readonly previousOutputs?: Record<string, string>;
  readonly overrides?: Record<string, string | undefined>;
  readonly applyLeaves?: boolean;
  readonly runId?: string;
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly output: string;
  readonly exports: Record<string, string>;
  readonly calls: string[];
  readonly src: string;
}

function runTeardown(w: World, options: Options = {}): Run {
  const src = mkdtempSync(join(w.base, 'src-'));
  cpSync(join(REPO_ROOT, 'buildspecs'), join(src, 'buildspecs'), { recursive: true });
  cpSync(join(REPO_ROOT, 'gitops/terraform'), join(src, 'gitops/terraform'), {
    recursive: true,
    filter: (path) =>
      !/(\/\.terraform|slipway\.auto\.tfvars\.json|tfplan|\.phase-exports\.env[.\w]*)$/.test(path),
  });
  const log = join(w.base, 'calls.log');
  writeFileSync(log, '');
  const environment: Record<string, string | undefined> = {
    PATH: `${TEARDOWN_STUBS}:${process.env.PATH ?? ''}`,
    HOME: src,
    CODEBUILD_SRC_DIR: src,
    AWS_REGION: 'eu-west-1',
    // Project variables (CDK), then the buildspec's, then the workflow's overrides.
    SLIPWAY_STATE_BUCKET: STATE_BUCKET,
    SLIPWAY_ARTIFACT_BUCKET: ARTIFACT_BUCKET,
    SLIPWAY_NODE_PERMISSIONS_BOUNDARY: NODE_BOUNDARY,
    SLIPWAY_PHASE: 'terraform',
    ...buildspec.env.variables,
    ...teardownOverrides(options.runId ?? RUN_ID, validSpec('prod'), options.previousOutputs ?? PROVISIONED),
    ...options.overrides,
    REAL_TERRAFORM: realTerraform,
    STUB_TERRAFORM_VERSION: buildspec.env.variables.TERRAFORM_VERSION ?? '',
    STUB_LOG: log,
    STUB_DIR: w.base,
    STUB_STATE: w.state,
    STUB_S3: w.s3,
    STUB_APPLY_LEAVES: options.applyLeaves ? '1' : '0',
  };
  const result = spawnSync('bash', ['-c', codebuildScript(buildspec)], {
    cwd: src,
    encoding: 'utf8',
    env: Object.fromEntries(
      Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    timeout: 120_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    output: `${result.stdout}${result.stderr}`,
    exports: exportsOf(result.stdout),
    calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean),
    src,
  };
}

/** The terraform calls (aws calls left out), without the -chdir of the root. */
const terraformCalls = (run: Run) =>
  run.calls.filter((call) => !call.startsWith('aws ')).map((call) => call.replace(/^-chdir=\S+ /, ''));
const chdirs = (run: Run) => new Set(run.calls.flatMap((call) => /^-chdir=(\S+) /.exec(call)?.[1] ?? []));

describe('buildspecs/teardown/terraform.yml', () => {
  it('exports what the teardown contract lists, with the provisioning phase settings', () => {
    expect(buildspec.env['exported-variables']).toEqual([...TEARDOWN_EXPORTS.terraform]);
    expect(buildspec.env.variables).toMatchObject({
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
    });
  });

  it('knows no root path of its own: the destroy script asks scripts/terraform/lib.sh for it', () => {
    const script = readFileSync(join(REPO_ROOT, 'buildspecs/scripts/teardown/terraform-destroy.sh'), 'utf8');
    expect(script).toMatch(/dir="\$\(terraform_env_dir\)"/);
    expect(script).not.toMatch(/gitops\/terraform|environments?\//);
  });

  describe('on a provisioned environment', () => {
    let w: World;
    let run: Run;
    let again: Run;
    beforeAll(() => {
      w = world('provisioned', STATE);
      run = runTeardown(w);
      // A teardown run again after a failure is a new run, with a backup of its own.
      again = runTeardown(w, { runId: RERUN_ID });
    });

    it('succeeds and exports DONE, the state backup key and the resources destroyed', () => {
      expect(run.status, run.output).toBe(0);
      expect(run.exports).toEqual({
        TEARDOWN_STATUS: 'DONE',
        TEARDOWN_SKIPPED: '',
        TF_STATE_BACKUP_S3_KEY: BACKUP_KEY,
        RESOURCES_DESTROYED: '3',
      });
    });

    it('renders the variables, initialises and backs the state up, then plans the destruction and applies exactly that plan', () => {
      const steps = [
        'fmt -check -recursive',
        'init -input=false -reconfigure -lockfile=readonly',
        'validate',
        'state pull',
        `aws s3 cp `,
        'plan -destroy -input=false -lock-timeout=60s -out=tfplan',
        'show -json tfplan',
        'apply -input=false -lock-timeout=60s tfplan',
        'state list',
      ];
      const positions = positionsOf(
        run.calls.map((call) => call.replace(/^-chdir=\S+ /, '')),
        steps,
      );
      expect(
        steps.filter((_, index) => (positions[index] ?? -1) < 0),
        run.calls.join('\n'),
      ).toEqual([]);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(terraformCalls(run).filter((call) => call.startsWith('plan '))).toHaveLength(1);
      expect(terraformCalls(run).filter((call) => call.startsWith('apply '))).toEqual([
        'apply -input=false -lock-timeout=60s tfplan',
      ]);
      // One root for every step: the one scripts/terraform/lib.sh names for the spec's tier.
      expect(chdirs(run).size).toBe(1);
      const [root = ''] = [...chdirs(run)];
      expect(JSON.parse(readFileSync(join(run.src, root, 'slipway.auto.tfvars.json'), 'utf8'))).toMatchObject(
        {
          organization: 'acme',
          environment: 'prod',
          tier: 'prod',
          permissions_boundary_arn: NODE_BOUNDARY,
        },
      );
    });

    it('backs up the state as it was before the destroy, under the run id', () => {
      expect(run.calls).toContainEqual(
        expect.stringMatching(new RegExp(` s3://${ARTIFACT_BUCKET}/${BACKUP_KEY} `)),
      );
      expect(readFileSync(join(w.s3, ARTIFACT_BUCKET, BACKUP_KEY), 'utf8')).toBe(STATE);
      expect(JSON.parse(readFileSync(w.state, 'utf8')).resources).toEqual([]);
    });

    it('succeeds again on the destroyed environment, destroying nothing', () => {
      expect(again.status, again.output).toBe(0);
      expect(again.exports).toEqual({
        TEARDOWN_STATUS: 'DONE',
        TEARDOWN_SKIPPED: '',
        TF_STATE_BACKUP_S3_KEY: `acme/prod/state-backups/${RERUN_ID}.tfstate`,
        RESOURCES_DESTROYED: '0',
      });
      expect(again.output).toMatch(/^INFO - the plan destroys 0 resources$/m);
    });
  });

  it('skips the destroy, saying why, when there is no state and the terraform phase never succeeded', () => {
    const w = world('never-provisioned', '');
    const run = runTeardown(w, { previousOutputs: {} });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(
      new RegExp(
        `^INFO - skipping terraform-destroy: no state at s3://${STATE_BUCKET}/acme/prod/terraform\\.tfstate and the terraform phase never succeeded: nothing was created$`,
        'm',
      ),
    );
    expect(terraformCalls(run).some((call) => /^(plan|apply) /.test(call))).toBe(false);
    expect(run.exports).toEqual({
      TEARDOWN_STATUS: 'SKIPPED',
      TEARDOWN_SKIPPED: 'terraform-destroy',
      TF_STATE_BACKUP_S3_KEY: '',
      RESOURCES_DESTROYED: '0',
    });
  });

  it('fails loudly when the state is gone although the terraform phase succeeded', () => {
    const w = world('state-lost', '');
    const run = runTeardown(w);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(
      /^ERROR - no state at s3:\/\/slipway-state-123456789012\/acme\/prod\/terraform\.tfstate, yet the terraform phase published acme\/prod\/runs\/.*: the state is lost and its resources still exist/m,
    );
    expect(run.output).toMatch(/^CODEBUILD - build failed$/m);
    expect(terraformCalls(run).some((call) => /^(plan|apply) /.test(call))).toBe(false);
    expect(run.exports.TEARDOWN_STATUS).toBe('');
  });

  it('fails the build when resources are left in the state after the apply', () => {
    const w = world('half-destroyed', STATE);
    const run = runTeardown(w, { applyLeaves: true });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/^ERROR - the state still holds resources after the destroy: aws_vpc\.this$/m);
    expect(run.exports).toMatchObject({ TEARDOWN_STATUS: '', RESOURCES_DESTROYED: '' });
  });

  it.each<[string, Options, RegExp]>([
    [
      'no node permissions boundary on the project',
      { overrides: { SLIPWAY_NODE_PERMISSIONS_BOUNDARY: undefined } },
      /^ERROR - required environment variable SLIPWAY_NODE_PERMISSIONS_BOUNDARY is not set$/m,
    ],
    [
      'no SLIPWAY_SPEC',
      { overrides: { SLIPWAY_SPEC: undefined } },
      /^ERROR - required environment variable SLIPWAY_SPEC is not set$/m,
    ],
    [
      'no state bucket on the project',
      { overrides: { SLIPWAY_STATE_BUCKET: undefined } },
      /^ERROR - required environment variable SLIPWAY_STATE_BUCKET is not set$/m,
    ],
  ])('fails in pre_build, planning nothing, with %s', (name, options, message) => {
    const w = world(name.replace(/\W+/g, '-'), STATE);
    const run = runTeardown(w, options);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(message);
    expect(run.output).toMatch(/^CODEBUILD - pre_build failed$/m);
    expect(terraformCalls(run).some((call) => /^(plan|apply|state) /.test(call))).toBe(false);
    expect(readFileSync(w.state, 'utf8')).toBe(STATE);
    expect(existsSync(join(w.s3, ARTIFACT_BUCKET))).toBe(false);
  });
});

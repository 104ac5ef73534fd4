import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../support/tools.js';
import { ENVIRONMENT_ROOT, TERRAFORM_ROOT } from './terraform-config.js';
import { TERRAFORM_GC_ENV } from './terraform-env.js';

/**
 * `terraform init` and `terraform test` (mock_provider "aws", environment/tests/) of the one
 * environment root, offline: the provider comes from a filesystem mirror of hashicorp/aws
 * (`SLIPWAY_TF_PLUGIN_DIR`, else the image's /opt/tf-plugins). Without the mirror the tests fail
 * and say so; they never fall back to the registry.
 *
 * Terraform loads the 700 MB provider for every command and every run block, so each command
 * runs once: one init of one copy and ONE `terraform test` that
 * runs the committed tests/graph.tftest.hcl over the real modules next to a mutant test file whose
 * only run block is graph.tftest.hcl's own "compute" block (copied from the file, not retyped),
 * pointed at a copy of modules/compute that stops requiring IMDSv2. The committed file must pass
 * as a whole, and the mutant must fail on exactly that assertion.
 *
 * `terraform test` starts the provider about 350 times (per module and run block, for its schema and
 * validation; the mock answers everything else). So the test runs against ONE provider process: the
 * binary init installed from the mirror (checked against the lock file), started in its debug mode
 * and handed to terraform with TF_REATTACH_PROVIDERS, the provider SDK's own way for terraform to
 * use a running provider. Same binary, same run blocks, same verdicts; the file went from 36 to
 * 17 CPU-s.
 *
 * `terraform validate` of this root (8 CPU-s: the provider once per module) runs for real in
 * test/local/builds/terraform-phase.test.ts, the terraform phase's own validate step, which
 * asserts its "Success! The configuration is valid."; it is not run a second time here.
 */
const PROVIDER_PATH = 'registry.terraform.io/hashicorp/aws';
const MIRROR = process.env.SLIPWAY_TF_PLUGIN_DIR ?? '/opt/tf-plugins';
const GRAPH_TESTS = 'tests/graph.tftest.hcl';
const MUTANT_TESTS = 'tests/mutant-compute-without-imdsv2.tftest.hcl';
const MUTANT_MODULE = 'compute-without-imdsv2';
const MUTANT_RUN = 'compute_without_imdsv2';
const IMDSV2_REQUIRED = 'http_tokens                 = "required"';

interface Result {
  readonly status: number | null;
  readonly output: string;
}

let terraform = '';
let workdir = '';
let root = '';
let test: Result;

function tfEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: workdir,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    // No user CLI configuration: nothing may point Terraform at a registry or another mirror.
    TF_CLI_CONFIG_FILE: '/dev/null',
    ...TERRAFORM_GC_ENV,
  };
}

function tf(args: readonly string[], cwd = root, env: NodeJS.ProcessEnv = {}): Result {
  const result = spawnSync(terraform, args, { cwd, encoding: 'utf8', env: { ...tfEnv(), ...env } });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

let provider: ChildProcess | undefined;

/** Blocks for `seconds` without spinning (the provider's start-up is awaited in bounded steps). */
const pause = (seconds: number) =>
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);

/**
 * Starts the provider binary init installed under .terraform in its debug mode, and returns the
 * TF_REATTACH_PROVIDERS value it prints once it listens (a unix socket of this machine).
 */
function startProvider(): string {
  const versions = join(root, '.terraform/providers', PROVIDER_PATH);
  const [version, ...otherVersions] = readdirSync(versions);
  expect(otherVersions, `one installed version under ${versions}`).toEqual([]);
  const platforms = join(versions, version ?? '');
  const [platform, ...otherPlatforms] = readdirSync(platforms);
  expect(otherPlatforms, `one installed platform under ${platforms}`).toEqual([]);
  const dir = join(platforms, platform ?? '');
  const binary = readdirSync(dir).find((name) => name.startsWith('terraform-provider-aws'));
  expect(binary, `the provider binary in ${dir}`).toBeDefined();
  const log = join(workdir, 'provider.log');
  const fd = openSync(log, 'w');
  provider = spawn(join(dir, binary ?? ''), ['-debug'], { env: tfEnv(), stdio: ['ignore', fd, fd] });
  closeSync(fd);
  for (let waited = 0; waited < 120; waited += 0.2) {
    const reattach = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(readFileSync(log, 'utf8'))?.[1];
    if (reattach) return reattach;
    pause(0.2);
  }
  throw new Error(`the provider did not start in debug mode:\n${readFileSync(log, 'utf8')}`);
}

/** Stops the provider and waits for it to end, so no process outlives the file. */
async function stopProvider(): Promise<void> {
  const running = provider;
  provider = undefined;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const ended = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGTERM');
  await ended;
}

/** The text of one top-level `run "<name>" { ... }` block of a .tftest.hcl file. */
function runBlock(source: string, name: string): string {
  const start = source.indexOf(`\nrun "${name}" {`);
  expect(start, `run "${name}" in ${GRAPH_TESTS}`).toBeGreaterThanOrEqual(0);
  const end = source.indexOf('\n}\n', start);
  return source.slice(start + 1, end < 0 ? source.length : end + 3);
}

/** Writes the mutant module and the mutant test file into the copy (before init installs them). */
function writeMutant(terraformCopy: string): void {
  const compute = join(terraformCopy, 'modules/compute');
  const mutantModule = join(terraformCopy, 'modules', MUTANT_MODULE);
  cpSync(compute, mutantModule, { recursive: true });
  const original = readFileSync(join(compute, 'main.tf'), 'utf8');
  const mutated = original.replace(IMDSV2_REQUIRED, 'http_tokens = "optional"');
  expect(mutated, `modules/compute/main.tf no longer holds ${IMDSV2_REQUIRED}`).not.toBe(original);
  writeFileSync(join(mutantModule, 'main.tf'), mutated);

  const graph = readFileSync(join(terraformCopy, ENVIRONMENT_ROOT, GRAPH_TESTS), 'utf8');
  // The file's own provider mock and variables (everything before its first run block) ...
  const header = graph.slice(0, graph.indexOf('\nrun "') + 1);
  // ... and its compute run block, renamed and pointed at the mutant module.
  const computeRun = runBlock(graph, 'compute');
  const mutantRun = computeRun
    .replace('run "compute" {', `run "${MUTANT_RUN}" {`)
    .replace('"./../modules/compute"', `"./../modules/${MUTANT_MODULE}"`);
  expect(mutantRun).toContain(`./../modules/${MUTANT_MODULE}`);
  writeFileSync(join(terraformCopy, ENVIRONMENT_ROOT, MUTANT_TESTS), `${header}${mutantRun}`);
}

/** The lines terraform test printed between "<file>... in progress" and "<file>... <verdict>". */
function fileSection(output: string, file: string): { runs: string[]; verdict: string } {
  const runs: string[] = [];
  let inside = false;
  let verdict = '';
  for (const line of output.split('\n')) {
    if (line === `${file}... in progress`) inside = true;
    else if (inside && /^ {2}run "/.test(line)) runs.push(line.trim());
    else if (inside && line.startsWith(`${file}... `) && !line.endsWith('tearing down')) {
      verdict = line.slice(`${file}... `.length);
      inside = false;
    }
  }
  return { runs, verdict };
}

beforeAll(async () => {
  terraform = requireTool('terraform', 'terraform >= 1.11 from releases.hashicorp.com');
  if (!existsSync(join(MIRROR, PROVIDER_PATH))) {
    throw new Error(
      `the hashicorp/aws filesystem mirror is missing: no ${PROVIDER_PATH} under ${MIRROR} ` +
        '(set SLIPWAY_TF_PLUGIN_DIR to the folder that holds registry.terraform.io)',
    );
  }
  // A copy, so init's .terraform folder never lands in the repository.
  workdir = mkdtempSync(join(tmpdir(), 'slipway-tf-test-'));
  cpSync(TERRAFORM_ROOT, join(workdir, 'terraform'), {
    recursive: true,
    filter: (path) => !/(\/\.terraform|slipway\.auto\.tfvars\.json|tfplan)$/.test(path),
  });
  root = join(workdir, 'terraform', ENVIRONMENT_ROOT);
  writeMutant(join(workdir, 'terraform'));
  const init = tf(['init', '-backend=false', `-plugin-dir=${MIRROR}`, '-lockfile=readonly', '-no-color']);
  expect(init.status, init.output).toBe(0);
  try {
    test = tf(['test', '-no-color'], root, { TF_REATTACH_PROVIDERS: startProvider() });
  } finally {
    await stopProvider();
  }
}, 600_000);

afterAll(async () => {
  await stopProvider();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('the environment root with the offline provider', () => {
  it('initialises against the committed lock file without changing it', () => {
    expect(readFileSync(join(root, '.terraform.lock.hcl'), 'utf8')).toBe(
      readFileSync(join(TERRAFORM_ROOT, ENVIRONMENT_ROOT, '.terraform.lock.hcl'), 'utf8'),
    );
  });

  it('passes terraform test over the planned graph (no port 22, IMDSv2, tags, private subnets, internal NLB, boundary)', () => {
    const committed = readdirSync(join(TERRAFORM_ROOT, ENVIRONMENT_ROOT, 'tests'))
      .filter((name) => name.endsWith('.tftest.hcl'))
      .map((name) => `tests/${name}`);
    expect(committed).toContain(GRAPH_TESTS);
    let runs = 0;
    for (const file of committed) {
      const section = fileSection(test.output, file);
      expect(section.verdict, `${file}\n${test.output}`).toBe('pass');
      expect(
        section.runs.filter((line) => !line.endsWith('... pass')),
        test.output,
      ).toEqual([]);
      runs += section.runs.length;
    }
    expect(runs, test.output).toBeGreaterThanOrEqual(8);
  });

  it('fails terraform test when a node stops requiring IMDSv2', () => {
    const mutant = fileSection(test.output, MUTANT_TESTS);
    expect(mutant.verdict, test.output).toBe('fail');
    expect(mutant.runs, test.output).toEqual([`run "${MUTANT_RUN}"... fail`]);
    // Exactly one assertion failed in the whole run: the IMDSv2 one, on the mutant.
    expect(test.status).not.toBe(0);
    expect(test.output.match(/Error: Test assertion failed/g), test.output).toHaveLength(1);
    expect(test.output).toContain('Every node must require IMDSv2');
    expect(test.output).toMatch(/Failure! \d+ passed, 1 failed\./);
  });

  it('commits linux_amd64 h1: (as computed from the mirror) and zh: archive hashes for the other platforms', () => {
    const lockDir = mkdtempSync(join(workdir, 'lock-'));
    cpSync(join(TERRAFORM_ROOT, ENVIRONMENT_ROOT, 'versions.tf'), join(lockDir, 'versions.tf'));
    const lock = tf(
      ['providers', 'lock', `-fs-mirror=${MIRROR}`, '-platform=linux_amd64', '-no-color'],
      lockDir,
    );
    expect(lock.status, lock.output).toBe(0);
    const fresh = readFileSync(join(lockDir, '.terraform.lock.hcl'), 'utf8');
    const committed = readFileSync(join(TERRAFORM_ROOT, ENVIRONMENT_ROOT, '.terraform.lock.hcl'), 'utf8');
    const h1 = [...fresh.matchAll(/"(h1:[^"]+)"/g)].map(([, hash]) => hash);
    expect(h1).toHaveLength(1);
    for (const hash of h1) expect(committed).toContain(hash);
    expect(committed).toMatch(/version\s+=\s+"5\.100\.0"/);
    // One registry archive digest per published platform, linux_arm64 (CodeBuild) among them.
    expect([...committed.matchAll(/"zh:[0-9a-f]{64}"/g)].length).toBeGreaterThanOrEqual(14);
  });
});

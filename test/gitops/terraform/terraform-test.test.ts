import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../support/tools.js';
import { ENVIRONMENT_ROOT, TERRAFORM_ROOT } from './terraform-config.js';

/**
 * `terraform validate` and `terraform test` (mock_provider "aws", environment/tests/) of the one
 * environment root, offline: the provider comes from a filesystem mirror of hashicorp/aws
 * (`SLIPWAY_TF_PLUGIN_DIR`, else the image's /opt/tf-plugins). Without the mirror the tests fail
 * and say so; they never fall back to the registry.
 */
const PROVIDER_PATH = 'registry.terraform.io/hashicorp/aws';
const MIRROR = process.env.SLIPWAY_TF_PLUGIN_DIR ?? '/opt/tf-plugins';

let terraform = '';
let workdir = '';
let root = '';

function tf(args: readonly string[], cwd = root) {
  const result = spawnSync(terraform, args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: workdir,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      // No user CLI configuration: nothing may point Terraform at a registry or another mirror.
      TF_CLI_CONFIG_FILE: '/dev/null',
    },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

beforeAll(() => {
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
  const init = tf(['init', '-backend=false', `-plugin-dir=${MIRROR}`, '-lockfile=readonly', '-no-color']);
  expect(init.status, init.output).toBe(0);
});

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('the environment root with the offline provider', () => {
  it('initialises against the committed lock file without changing it', () => {
    expect(readFileSync(join(root, '.terraform.lock.hcl'), 'utf8')).toBe(
      readFileSync(join(TERRAFORM_ROOT, ENVIRONMENT_ROOT, '.terraform.lock.hcl'), 'utf8'),
    );
  });

  // Terraform loads the 700 MB provider for each command: generous limits for a loaded machine.
  it('passes terraform validate', { timeout: 180_000 }, () => {
    const result = tf(['validate', '-no-color']);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('The configuration is valid');
  });

  it('passes terraform test over the planned graph (no port 22, IMDSv2, tags, private subnets, internal NLB, boundary)', {
    timeout: 240_000,
  }, () => {
    const tests = readdirSync(join(root, 'tests')).filter((name) => name.endsWith('.tftest.hcl'));
    expect(tests.length).toBeGreaterThan(0);
    const result = tf(['test', '-no-color']);
    expect(result.status, result.output).toBe(0);
    const passed = /Success! (\d+) passed, 0 failed/.exec(result.output);
    expect(Number(passed?.[1])).toBeGreaterThanOrEqual(8);
  });

  it('fails terraform test when a node stops requiring IMDSv2', { timeout: 240_000 }, () => {
    const original = readFileSync(join(workdir, 'terraform/modules/compute/main.tf'), 'utf8');
    const broken = join(workdir, 'broken');
    // The initialised copy, .terraform included (it only links the mirror's provider): no second init.
    cpSync(join(workdir, 'terraform'), broken, { recursive: true });
    const text = original.replace('http_tokens                 = "required"', 'http_tokens = "optional"');
    expect(text).not.toBe(original);
    writeFileSync(join(broken, 'modules/compute/main.tf'), text);
    const result = tf(['test', '-no-color'], join(broken, ENVIRONMENT_ROOT));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('Every node must require IMDSv2');
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

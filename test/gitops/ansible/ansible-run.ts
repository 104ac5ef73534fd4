import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Root of the Ansible project under test. */
export const ANSIBLE_DIR = resolve(import.meta.dirname, '../../../gitops/ansible');
export const INVENTORY_SCRIPT = join(ANSIBLE_DIR, 'inventory/from-terraform.py');
export const OUTPUTS_FIXTURE = resolve(import.meta.dirname, 'fixtures/terraform-outputs.json');

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, for failure messages. */
  readonly output: string;
}

/**
 * A scratch directory plus an environment that keeps every file Ansible and ansible-lint write
 * (temp files, caches, galaxy state) inside it, so tests never write into the repository or $HOME.
 */
export interface Sandbox {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  remove(): void;
}

export function createSandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-ansible-test-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_CONFIG: join(ANSIBLE_DIR, 'ansible.cfg'),
    ANSIBLE_HOME: join(dir, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'),
    // Async tasks over a local connection: job and async_status must agree on one absolute folder.
    ANSIBLE_ASYNC_DIR: join(dir, 'ansible-async'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    NO_COLOR: '1',
    XDG_CACHE_HOME: join(dir, 'cache'),
  };
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function run(command: string, args: readonly string[], sandbox: Sandbox): RunResult {
  const result = spawnSync(command, args, {
    cwd: ANSIBLE_DIR,
    env: sandbox.env,
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    output: `${result.stdout}\n${result.stderr}`,
  };
}

/** Runs the inventory script on a Terraform outputs document; returns the inventory path and the run. */
export function buildInventory(
  sandbox: Sandbox,
  outputs: unknown,
  name = 'inventory.json',
): { path: string; result: RunResult } {
  const outputsPath = join(sandbox.dir, `${name}.outputs.json`);
  writeFileSync(outputsPath, JSON.stringify(outputs));
  const path = join(sandbox.dir, name);
  const result = run('python3', [INVENTORY_SCRIPT, '--outputs', outputsPath, '--inventory', path], sandbox);
  return { path, result };
}

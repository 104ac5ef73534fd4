import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { ANSIBLE_DIR, buildInventory, createSandbox, OUTPUTS_FIXTURE, type Sandbox } from './ansible-run.js';

/**
 * community.aws 5.5's aws_ssm connection waits `ansible_aws_ssm_timeout` seconds for a command's
 * output, then kills the session and re-sends the same command (`ansible_aws_ssm_retries`). These
 * checks read every task of the roles and playbooks and fail when a long task could reach that
 * ceiling (it must be async, its polls short) or could be repeated blindly (kubeadm init and join
 * must go through the node-side run-once guard, never retries/until).
 */
const Task = z.record(z.string(), z.unknown());
type Task = z.infer<typeof Task>;

/** Commands that run for minutes on a fresh node, matched on the command line. */
const LONG_COMMANDS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'kubeadm init', pattern: /\bkubeadm init\b(?! phase)/ },
  { name: 'kubeadm join', pattern: /\bkubeadm join\b/ },
  { name: 'cilium install/upgrade', pattern: /\bcilium (install|upgrade)\b/ },
  { name: 'cilium status --wait', pattern: /\bcilium status --wait\b/ },
  { name: 'kubectl wait', pattern: /\bkubectl\b.* wait\b/ },
];
/** Modules whose runs are package installations (first-boot mirror metadata and downloads). */
const PACKAGE_MODULES = new Set([
  'ansible.builtin.package',
  'ansible.builtin.dnf',
  'ansible.builtin.apt',
  'ansible.builtin.yum',
  'ansible.builtin.apt_repository',
]);
/** Commands that must never run twice on a node: they go through `slipway-kubeadm run-once`. */
const RUN_ONCE = /\bkubeadm (init|join)\b(?! phase)/;

interface Found {
  readonly file: string;
  readonly task: Task;
  /** Variables of the role (defaults and vars) or of the play, to resolve `{{ name }}`. */
  readonly scope: Record<string, unknown>;
}

function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

function flatten(tasks: unknown): Task[] {
  return z
    .array(Task)
    .parse(tasks ?? [])
    .flatMap((task) =>
      'block' in task ? [...flatten(task.block), ...flatten(task.rescue), ...flatten(task.always)] : [task],
    );
}

function roleScope(role: string): Record<string, unknown> {
  const scope: Record<string, unknown> = {};
  for (const file of ['defaults/main.yml', 'vars/main.yml']) {
    Object.assign(
      scope,
      z.record(z.string(), z.unknown()).parse(readYaml(join(ANSIBLE_DIR, 'roles', role, file))),
    );
  }
  return scope;
}

function allTasks(): Found[] {
  const found: Found[] = [];
  for (const role of readdirSync(join(ANSIBLE_DIR, 'roles'))) {
    const scope = roleScope(role);
    const dir = join(ANSIBLE_DIR, 'roles', role, 'tasks');
    for (const file of readdirSync(dir)) {
      for (const task of flatten(readYaml(join(dir, file))))
        found.push({ file: `${role}/${file}`, task, scope });
    }
  }
  const playbooks = join(ANSIBLE_DIR, 'playbooks');
  for (const file of readdirSync(playbooks).filter((name) => name.endsWith('.yml'))) {
    for (const play of z.array(Task).parse(readYaml(join(playbooks, file)))) {
      const scope = z.record(z.string(), z.unknown()).parse(play.vars ?? {});
      for (const task of flatten(play.tasks)) found.push({ file: `playbooks/${file}`, task, scope });
    }
  }
  return found;
}

/** The command line a command/shell task runs (argv joined, or its cmd string). */
function commandLine(task: Task): string {
  const body = task['ansible.builtin.command'] ?? task['ansible.builtin.shell'];
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  const { argv, cmd } = z.object({ argv: z.unknown().optional(), cmd: z.string().optional() }).parse(body);
  if (Array.isArray(argv)) return argv.map(String).join(' ');
  if (typeof argv === 'string') return argv.replace(/[[\]',]/g, ' ').replace(/\s+/g, ' ');
  return cmd ?? '';
}

/** Resolves a number or `{{ name }}` / `{{ name | int + 120 }}` against the task's scope. */
function seconds(value: unknown, scope: Record<string, unknown>): number {
  if (typeof value === 'number') return value;
  const text = String(value).trim();
  const plain = /^\{\{\s*(\w+)(?:\s*\|\s*int)?(?:\s*\+\s*(\d+))?\s*\}\}$/.exec(text);
  if (plain?.[1] !== undefined) {
    const resolved = scope[plain[1]];
    if (resolved === undefined) throw new Error(`cannot resolve ${text}`);
    return derived(resolved, scope) + Number(plain[2] ?? 0);
  }
  const duration = /^(\d+)([ms]?)$/.exec(text);
  if (duration) return Number(duration[1]) * (duration[2] === 'm' ? 60 : 1);
  throw new Error(`not a number of seconds: ${text}`);
}

/** A value, or a derived template (`_cilium_wait_seconds`) through the duration variable it converts. */
function derived(value: unknown, scope: Record<string, unknown>): number {
  if (typeof value === 'number' || /^\s*(\{\{\s*\w+[^}]*\}\}|\d+[ms]?)\s*$/.test(String(value))) {
    return seconds(value, scope);
  }
  const source = /\b(\w+_(?:duration|seconds|timeout))\b/.exec(String(value))?.[1];
  if (source === undefined || scope[source] === undefined) throw new Error(`cannot resolve ${String(value)}`);
  return seconds(scope[source], scope);
}

/** The longest wait a command line asks for itself (--timeout=10m, --wait-duration=600s). */
function ownWait(line: string, scope: Record<string, unknown>): number {
  const waits = [...line.matchAll(/--(?:timeout|wait-duration)=(\{\{[^}]*\}\}|\S+?)(s?)(?=\s|$)/g)].map(
    ([, value = '', unit = '']) => {
      const inner = /^\{\{\s*(\w+)\s*\}\}$/.exec(value)?.[1];
      if (inner === undefined) return seconds(`${value}${unit}`, scope);
      // `_cilium_wait_seconds` style helpers are derived; resolve their source duration.
      const source = scope[inner];
      return seconds(source, scope);
    },
  );
  return Math.max(0, ...waits);
}

function isLong(found: Found): string | undefined {
  const line = commandLine(found.task);
  const match = LONG_COMMANDS.find(({ pattern }) => pattern.test(line));
  if (match) return match.name;
  const module = Object.keys(found.task).find((key) => PACKAGE_MODULES.has(key));
  return module === undefined ? undefined : `package installation (${module})`;
}

let sandbox: Sandbox;
let ssmTimeout = 0;
let ssmRetries = 0;
let tasks: Found[] = [];

beforeAll(() => {
  sandbox = createSandbox();
  const { path, result } = buildInventory(sandbox, JSON.parse(readFileSync(OUTPUTS_FIXTURE, 'utf8')));
  expect(result.status, result.output).toBe(0);
  const vars = z
    .object({
      all: z.object({
        vars: z.object({
          ansible_aws_ssm_timeout: z.number().int(),
          ansible_aws_ssm_retries: z.number().int(),
        }),
      }),
    })
    .parse(JSON.parse(readFileSync(path, 'utf8'))).all.vars;
  ssmTimeout = vars.ansible_aws_ssm_timeout;
  ssmRetries = vars.ansible_aws_ssm_retries;
  tasks = allTasks();
});

afterAll(() => sandbox.remove());

describe('the SSM command ceiling (community.aws aws_ssm ssm_timeout)', () => {
  it('is set explicitly by the inventory, well above the plugin default of 60 s', () => {
    expect(ssmTimeout).toBeGreaterThanOrEqual(120);
    expect(ssmRetries).toBeGreaterThanOrEqual(0);
    expect(ssmRetries).toBeLessThanOrEqual(3);
  });

  it('finds the long tasks it guards: kubeadm init and joins, package installs, Cilium and the readiness waits', () => {
    const kinds = new Set(tasks.map(isLong).filter((kind) => kind !== undefined));
    for (const { name } of LONG_COMMANDS) expect(kinds, name).toContain(name);
    expect([...kinds].some((kind) => kind.startsWith('package installation'))).toBe(true);
  });

  it('runs every long task async, polled well below the ceiling, for longer than the command itself waits', () => {
    const long = tasks.filter((found) => isLong(found) !== undefined);
    expect(long.length).toBeGreaterThanOrEqual(10);
    for (const found of long) {
      const where = `${found.file}: ${String(found.task.name)}`;
      expect(found.task.async, `${where} must be async`).toBeDefined();
      const limit = seconds(found.task.async, found.scope);
      const poll = seconds(found.task.poll, found.scope);
      expect(limit, where).toBeGreaterThan(ssmTimeout);
      expect(poll, `${where}: poll`).toBeGreaterThan(0);
      // Each poll is one short SSM command; a poll interval near the ceiling would make it long.
      expect(poll * 4, `${where}: poll`).toBeLessThanOrEqual(ssmTimeout);
      expect(limit, `${where}: async must outlast the command's own wait`).toBeGreaterThan(
        ownWait(commandLine(found.task), found.scope),
      );
    }
  });

  it('keeps every synchronous task with an explicit timeout below the ceiling', () => {
    for (const found of tasks.filter((candidate) => candidate.task.async === undefined)) {
      if (found.task.timeout !== undefined) {
        expect(seconds(found.task.timeout, found.scope), String(found.task.name)).toBeLessThan(ssmTimeout);
      }
    }
  });

  it('never retries a long task blindly: no retries/until on it, kubeadm init and join only through run-once', () => {
    for (const found of tasks.filter((candidate) => isLong(candidate) !== undefined)) {
      expect(found.task, String(found.task.name)).not.toHaveProperty('retries');
      expect(found.task, String(found.task.name)).not.toHaveProperty('until');
    }
    const kubeadm = tasks.filter((found) => RUN_ONCE.test(commandLine(found.task)));
    expect(kubeadm.length).toBe(3);
    for (const found of kubeadm) {
      const line = commandLine(found.task);
      expect(line, String(found.task.name)).toMatch(
        /^slipway-kubeadm run-once \{\{ \w+ \}\} kubeadm (init|join)\b/,
      );
      const marker = /run-once \{\{ (\w+) \}\}/.exec(line)?.[1] ?? '';
      expect(String(found.scope[marker]), marker).toMatch(/\/kubeadm-(init|join)\.started$/);
    }
  });

  it('has a run-once guard that refuses a second start', () => {
    const helper = readFileSync(join(ANSIBLE_DIR, 'roles/k8s-common/files/slipway-kubeadm'), 'utf8');
    expect(helper).toMatch(/if ! mkdir "\$\{marker\}"/);
    expect(helper).toMatch(/exit 3/);
  });
});

describe('secrets over SSM', () => {
  /** Variables and paths that hold a bootstrap token, a certificate key or the admin kubeconfig. */
  const SECRET = /_token\b|_token \||certificate_key|SLIPWAY_TOKEN|SLIPWAY_CERTIFICATE_KEY/;

  it('marks every task that handles a token, a certificate key or admin.conf no_log', () => {
    const handling = tasks.filter(({ task }) => {
      const text = JSON.stringify(task);
      const fetchesAdmin = 'ansible.builtin.fetch' in task && /admin_kubeconfig|admin\.conf/.test(text);
      const rendersKubeadmConfig = /"src":"kubeadm-[a-z]+\.yaml\.j2"/.test(text);
      return SECRET.test(text) || fetchesAdmin || rendersKubeadmConfig;
    });
    expect(handling.length).toBeGreaterThanOrEqual(10);
    for (const { file, task } of handling) {
      // The token-free cleanup of the join file handles no secret value, only its path.
      if ('ansible.builtin.file' in task) continue;
      expect(task.no_log, `${file}: ${String(task.name)}`).toBe(true);
    }
  });

  it('creates bootstrap tokens per join with a lifetime of 15 to 60 minutes, never the 24 h default', () => {
    for (const role of ['k8s-control-plane', 'k8s-worker']) {
      const defaults = z
        .record(z.string(), z.unknown())
        .parse(readYaml(join(ANSIBLE_DIR, 'roles', role, 'defaults/main.yml')));
      const ttl = Object.entries(defaults).find(([name]) => name.endsWith('join_token_ttl'))?.[1];
      const minutes = seconds(ttl, {}) / 60;
      expect(minutes, role).toBeGreaterThanOrEqual(15);
      expect(minutes, role).toBeLessThanOrEqual(60);
    }
    const init = readFileSync(
      join(ANSIBLE_DIR, 'roles/k8s-control-plane/templates/kubeadm-init.yaml.j2'),
      'utf8',
    );
    expect(init).toMatch(
      /bootstrapTokens:\s*\n.*\n\s+- token: .*\n\s+ttl: "\{\{ k8s_control_plane_join_token_ttl \}\}"/,
    );
    const creates = tasks.filter(({ task }) => /slipway-kubeadm token-create/.test(commandLine(task)));
    expect(creates).toHaveLength(2);
  });

  it('never lets kubeadm print a token or a certificate key', () => {
    for (const { task } of tasks) {
      const line = commandLine(task);
      expect(line).not.toMatch(/--print-join-command|--upload-certs(?!.*certificate-key)/);
      if (/\bkubeadm init\b(?! phase)/.test(line)) {
        expect(line).toContain('--skip-token-print');
        expect(line).toContain('--skip-certificate-key-print');
      }
    }
  });
});

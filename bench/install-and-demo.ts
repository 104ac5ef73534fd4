/**
 * What a new user waits for, measured as they would run it:
 *   - `npm ci --prefer-offline` in a fresh clone of this checkout's HEAD (a temporary folder,
 *     deleted afterwards); packages come from npm's cache when it holds them, else the registry;
 *   - one full `npm run demo` (its own free port and temporary data folder), which must exit 0.
 * Each figure carries the machine's 1-minute load average before and after it: on a shared
 * machine a figure means little without it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const NPM_CI_DEADLINE_MS = 900_000;
const DEMO_DEADLINE_MS = 900_000;

export interface TimedStep {
  readonly name: string;
  readonly command: string;
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly loadBefore: number;
  readonly loadAfter: number;
  /** The last lines of the command's output (stdout and stderr). */
  readonly tail: string;
}

/** Runs a command to its end (or kills it, by its pid, at the deadline), timing it. */
function timed(
  name: string,
  file: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; deadlineMs: number },
): Promise<TimedStep> {
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }, options.deadlineMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({
        name,
        command: [file, ...args].join(' '),
        seconds: (performance.now() - started) / 1000,
        exitCode: code,
        loadBefore,
        loadAfter: loadavg()[0] ?? Number.NaN,
        tail: output.split('\n').slice(-25).join('\n'),
      });
    });
  });
}

/** What the user's shell would give: PATH and HOME, nothing of this process's own settings. */
function userEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: process.env.LANG ?? 'C.UTF-8' };
}

export async function measureNpmCi(): Promise<TimedStep> {
  const root = mkdtempSync(join(tmpdir(), 'slipway-bench-clone-'));
  const clone = join(root, 'slipway');
  try {
    const cloned = await timed('git clone', 'git', ['clone', '--quiet', REPO_ROOT, clone], {
      cwd: root,
      env: userEnv(),
      deadlineMs: 120_000,
    });
    if (cloned.exitCode !== 0) return { ...cloned, name: 'npm ci (clone failed)' };
    return await timed('npm ci', 'npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: clone,
      env: userEnv(),
      deadlineMs: NPM_CI_DEADLINE_MS,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function measureDemo(): Promise<TimedStep> {
  return timed('npm run demo', 'npm', ['run', 'demo', '--silent'], {
    cwd: REPO_ROOT,
    env: userEnv(),
    deadlineMs: DEMO_DEADLINE_MS,
  });
}

export function timedStepsMarkdown(steps: readonly TimedStep[]): string {
  return [
    '| step | wall time (s) | exit | load average (1 min) before → after |',
    '| --- | ---: | ---: | --- |',
    ...steps.map(
      (step) =>
        `| \`${step.name}\` | ${step.seconds.toFixed(1)} | ${step.exitCode ?? 'killed'} | ${step.loadBefore.toFixed(1)} → ${step.loadAfter.toFixed(1)} |`,
    ),
  ].join('\n');
}

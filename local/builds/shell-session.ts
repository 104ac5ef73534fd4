import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * The shell of one build, as buildspec v0.2 defines it: every command sees the state the
 * previous one left — working directory and variables (exported or not) — so `cd dir` or
 * `. exports.env` in one command holds for the next, in every later phase too.
 *
 * Like CodeBuild's agent (which runs each command as its own script), each command is a fresh
 * `bash` process that first restores the saved state and saves it again when it exits, even
 * through `exit N`. What CodeBuild does not carry over is not carried here either: shell
 * options (`set -e`), functions, traps and arrays. The state file holds every variable of the
 * build, secrets included, so it lives in the build's private agent folder (0700) and is
 * removed with it.
 *
 * The process environment of this Node process is never forwarded: a command sees exactly the
 * variables the runner put in the initial state, plus what earlier commands set.
 */

/** The bash side of the session: saving the state, reading variables back. */
const STATE_HELPERS = join(import.meta.dirname, 'shell-state.sh');

/** Single-quotes a value for bash (works for every string, newlines included). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export interface CommandResult {
  /** Exit status; 128 + signal number when the command was killed. */
  readonly exitCode: number;
}

export interface ShellSessionOptions {
  /** Private folder for the state file and command scripts (created 0700). */
  readonly agentDir: string;
  /** Working directory of the first command (CODEBUILD_SRC_DIR). */
  readonly cwd: string;
  readonly shell: 'bash' | '/bin/sh';
  /** Every variable the first command starts with (nothing else is inherited). */
  readonly environment: Readonly<Record<string, string>>;
  readonly onOutput: (chunk: string) => void;
  /** Absolute path of bash. @default found on this process's PATH */
  readonly bash?: string;
}

export class ShellSession {
  private readonly statePath: string;
  private readonly scriptPath: string;
  private readonly bash: string;
  private running: number | undefined;
  private killed = false;

  constructor(private readonly options: ShellSessionOptions) {
    mkdirSync(options.agentDir, { recursive: true, mode: 0o700 });
    this.statePath = join(options.agentDir, 'state.env');
    this.scriptPath = join(options.agentDir, 'command.sh');
    this.bash = options.bash ?? findBash();
    const lines = Object.entries(options.environment).map(
      ([name, value]) => `declare -x ${name}=${shellQuote(value)}`,
    );
    lines.push(`cd -- ${shellQuote(options.cwd)}`);
    writeFileSync(this.statePath, `${lines.join('\n')}\n`, { mode: 0o600 });
  }

  /** Runs one buildspec command in the build's shell; never rejects for a failing command. */
  run(command: string, succeeding: boolean): Promise<CommandResult> {
    if (this.killed) return Promise.resolve({ exitCode: 137 });
    writeFileSync(this.scriptPath, this.script(command, succeeding), { mode: 0o600 });
    const args = this.options.shell === '/bin/sh' ? ['--posix', this.scriptPath] : [this.scriptPath];
    return new Promise((resolve) => {
      const child = spawn(this.bash, args, {
        cwd: this.options.cwd,
        env: {},
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.running = child.pid;
      child.stdout.setEncoding('utf8').on('data', this.options.onOutput);
      child.stderr.setEncoding('utf8').on('data', this.options.onOutput);
      child.on('error', (error) => {
        this.options.onOutput(`${error.message}\n`);
      });
      child.on('close', (code, signal) => {
        this.running = undefined;
        resolve({ exitCode: code ?? 128 + signalNumber(signal) });
      });
    });
  }

  /** The values the named variables have in the build's shell now (unset ones are absent). */
  async variables(names: readonly string[]): Promise<Record<string, string>> {
    if (names.length === 0) return {};
    const out = join(this.options.agentDir, 'variables.bin');
    const script = [
      `. ${shellQuote(STATE_HELPERS)}`,
      `. ${shellQuote(this.statePath)}`,
      `__slipway_print_variables ${names.map(shellQuote).join(' ')} >${shellQuote(out)}`,
    ].join('\n');
    await execFileAsync(this.bash, ['-c', script], { env: {}, cwd: this.options.agentDir });
    const fields = readFileSync(out, 'utf8').split('\0');
    const values: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i] ?? ''] = fields[i + 1] ?? '';
    return values;
  }

  /** Stops the running command and its children (the build timed out or is being shut down). */
  kill(): void {
    this.killed = true;
    const pid = this.running;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 2_000).unref();
  }

  private script(command: string, succeeding: boolean): string {
    const state = shellQuote(this.statePath);
    return [
      '# One buildspec command, run by the Slipway local build runner (local/builds/shell-session.ts).',
      `. ${shellQuote(STATE_HELPERS)}`,
      `. ${state}`,
      `export CODEBUILD_BUILD_SUCCEEDING=${succeeding ? 1 : 0}`,
      `trap '__slipway_save_state ${state}' EXIT`,
      command,
      '',
    ].join('\n');
  }
}

function findBash(): string {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = join(dir, 'bash');
    if (dir && existsSync(candidate)) return candidate;
  }
  return '/bin/bash';
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && numbers[signal]) ?? 1;
}

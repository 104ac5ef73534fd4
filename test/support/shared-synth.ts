/**
 * One synth per test run, shared by every worker: the first file that asks synthesizes and writes
 * the template to the run's folder (made by test/support/global-setup.ts, removed at the end of the
 * run, so a template never outlives the sources it came from); the others wait for the file. A
 * lock file (created exclusively, holding the synthesizing worker's pid) makes sure only one
 * synthesizes; a failure is written beside it so the waiting files fail with the same error.
 * Every wait is bounded.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's folder for shared synthesized templates (test/support/global-setup.ts). */
    slipwaySynthDir: string;
  }
}

const WAIT_MS = 300_000;
const memo = new Map<string, Promise<string>>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type Synthesize = () => string | Promise<string>;

async function readOrSynthesize(dir: string, name: string, synthesize: Synthesize): Promise<string> {
  const file = join(dir, `${name}.template.json`);
  const failure = join(dir, `${name}.error.txt`);
  const lock = join(dir, `${name}.lock`);
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (existsSync(file)) return readFileSync(file, 'utf8');
    if (existsSync(failure)) {
      throw new Error(
        `the shared ${name} synth failed in another test file:\n${readFileSync(failure, 'utf8')}`,
      );
    }
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // Another worker holds the lock; take it over only if that worker has died.
      let holder = 0;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
      } catch {
        // Removed meanwhile: try again.
      }
      if (holder > 0 && !alive(holder)) rmSync(lock, { force: true });
      await new Promise((wait) => setTimeout(wait, 100));
      continue;
    }
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    try {
      const text = await synthesize();
      writeFileSync(`${file}.${process.pid}`, text);
      renameSync(`${file}.${process.pid}`, file);
      return text;
    } catch (error) {
      writeFileSync(failure, error instanceof Error ? (error.stack ?? error.message) : String(error));
      throw error;
    }
  }
  throw new Error(`the shared ${name} synth did not appear in ${dir} within ${WAIT_MS} ms`);
}

/**
 * The run's folder, or undefined outside a Vitest run: the benchmarks (`npm run bench`) share the
 * synth helpers with the tests, and Vitest's `inject` throws when no test runner is there.
 */
function runSynthDir(): string | undefined {
  try {
    return inject('slipwaySynthDir');
  } catch {
    return undefined;
  }
}

/**
 * The text `synthesize()` returns, computed once per run under `name`. Outside a run with the
 * global setup (no folder provided), it is computed once per file.
 */
export function sharedTemplateJson(name: string, synthesize: Synthesize): Promise<string> {
  let text = memo.get(name);
  if (!text) {
    const dir = runSynthDir();
    text = dir ? readOrSynthesize(dir, name, synthesize) : Promise.resolve().then(synthesize);
    memo.set(name, text);
  }
  return text;
}

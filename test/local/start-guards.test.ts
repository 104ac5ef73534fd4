/**
 * Starting local mode twice: a port already taken and a data folder another live process holds
 * are each refused with one line naming the way out (PORT, SLIPWAY_DATA_DIR) and a non-zero exit,
 * not a stack trace; a lock left by a process that is gone is taken over.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, LocalStartError, lockDataDir, requirePortFree } from '../../local/start-guards.js';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const dirs: string[] = [];
let taken: Server;
let takenPort = 0;

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-guards-'));
  dirs.push(dir);
  return dir;
}

/** A pid no process has any more: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  expect(child.pid).toBeGreaterThan(0);
  return child.pid;
}

/** `npm start` (node --import tsx local/main.ts) with this data folder and port, bounded. */
async function startLocal(dataDir: string, port: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'local', 'main.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      SLIPWAY_DATA_DIR: dataDir,
      PORT: String(port),
      SLIPWAY_DEV_JWT_SECRET: 'guards-secret-0123456789abcdef0123456789abcdef',
      SLIPWAY_LOCAL_REAL_TOOLS: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((done) => child.once('exit', (exit) => done(exit)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((done) => taken.listen(0, '127.0.0.1', () => done()));
  takenPort = (taken.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((done) => taken.close(done));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('lockDataDir', () => {
  it('refuses a folder a live process holds, naming it, the pid and SLIPWAY_DATA_DIR', () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
    let refused: unknown;
    try {
      lockDataDir(dir, process.pid + 1_000_000);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(LocalStartError);
    expect((refused as Error).message).toBe(
      `the data folder ${dir} is in use by another slipway local (pid ${process.pid}); stop it, or set SLIPWAY_DATA_DIR to another folder`,
    );
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('takes over the lock of a process that is gone, and releases only its own', () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
    const lock = lockDataDir(dir);
    expect(readFileSync(lock.path, 'utf8')).toBe(`${process.pid}\n`);
    expect(() => lockDataDir(dir, process.pid + 1_000_000)).toThrow(LocalStartError);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    // Another holder's lock is left alone by a late release.
    writeFileSync(lock.path, '1\n');
    lock.release();
    expect(readFileSync(lock.path, 'utf8')).toBe('1\n');
  });
});

describe('requirePortFree', () => {
  it('says a taken port is in use and how to choose another; a free one passes', async () => {
    await expect(requirePortFree(takenPort)).rejects.toThrow(
      new LocalStartError(`port ${takenPort} is in use; set PORT=<another port> or PORT=0 (a free one)`),
    );
    await expect(requirePortFree(0)).resolves.toBeUndefined();
  });
});

describe('npm start, twice', () => {
  it('exits 1 with one line when the port is taken', async () => {
    const result = await startLocal(freshDir(), takenPort);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `slipway local: port ${takenPort} is in use; set PORT=<another port> or PORT=0 (a free one)\n`,
    );
  }, 90_000);

  it('exits 1 with one line when another live process holds the data folder', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
    const result = await startLocal(dir, 0);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `slipway local: the data folder ${dir} is in use by another slipway local (pid ${process.pid}); stop it, or set SLIPWAY_DATA_DIR to another folder\n`,
    );
    expect(result.stdout).toBe('');
  }, 90_000);
});

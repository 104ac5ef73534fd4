/**
 * What keeps a second local mode from dying with a stack trace: the data folder is held by one
 * process at a time (a lock file with its pid, a dead holder's lock taken over), and a port already
 * taken is said so before anything starts. Each refusal is a {@link LocalStartError}, which
 * `npm start` prints as one line and exits non-zero on.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export class LocalStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalStartError';
  }
}

export const LOCK_FILE = 'slipway.lock';

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

/** true while a process with this pid exists (EPERM: it exists, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<dataDir>/slipway.lock` for this process, or throws when a live process holds it. A lock
 * left by a process that is gone (a crash, a SIGKILL) or an unreadable one is taken over.
 */
export function lockDataDir(dataDir: string, pid: number = process.pid): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  // Bounded: at most one stale lock to remove, then the exclusive create decides.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return {
        path,
        release: () => {
          if (holderOf(path) === pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = holderOf(path);
    if (holder !== undefined && holder !== pid && isAlive(holder)) {
      throw new LocalStartError(
        `the data folder ${dataDir} is in use by another slipway local (pid ${holder}); stop it, or set SLIPWAY_DATA_DIR to another folder`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new LocalStartError(`could not take the lock ${path}; remove it if no slipway local runs`);
}

/** The error a listen on a taken port gives, as one line; any other error unchanged. */
export function portError(error: unknown, port: number): unknown {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE'
    ? new LocalStartError(`port ${port} is in use; set PORT=<another port> or PORT=0 (a free one)`, {
        cause: error,
      })
    : error;
}

/** Throws a {@link LocalStartError} when `port` on `host` is already taken (0 is always free). */
export async function requirePortFree(port: number, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(portError(error, port)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * The key that signs local dev tokens (HS256). The rule, written once for local mode and the
 * token script: `SLIPWAY_DEV_JWT_SECRET` when it is set; otherwise the secret local mode
 * generated in `<data dir>/dev-jwt-secret` (mode 0600) the first time it started. Only local
 * mode creates that file (`create: true`); the token script reads it, so a token it prints is
 * one the running server accepts.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localDataDir } from './data-dir.js';

export const DEV_SECRET_ENV = 'SLIPWAY_DEV_JWT_SECRET';
export const DEV_SECRET_FILE = 'dev-jwt-secret';
/** HS256 wants a key at least as long as its 256-bit hash (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

export class DevSecretError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DevSecretError';
  }
}

export interface DevSecret {
  readonly key: Uint8Array;
  /** Where it came from, for banners ("from SLIPWAY_DEV_JWT_SECRET") — never the value. */
  readonly source: 'env' | 'file';
  /** The file it was read from or written to (source `file`). */
  readonly path?: string;
  /** True when this call generated the file. */
  readonly created: boolean;
}

export interface DevSecretOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Defaults to {@link localDataDir}. */
  readonly dataDir?: string;
  /** Generate the file when neither the variable nor the file exists (local mode only). */
  readonly create?: boolean;
}

function checked(value: string, where: string): Uint8Array {
  const key = new TextEncoder().encode(value);
  if (key.length < MIN_SECRET_BYTES) {
    throw new DevSecretError(`${where} is too short: HS256 needs at least ${MIN_SECRET_BYTES} bytes`);
  }
  return key;
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

function isExisting(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'EEXIST';
}

export async function resolveDevSecret(options: DevSecretOptions = {}): Promise<DevSecret> {
  const env = options.env ?? process.env;
  const fromEnv = env[DEV_SECRET_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { key: checked(fromEnv.trim(), DEV_SECRET_ENV), source: 'env', created: false };
  }
  const dataDir = options.dataDir ?? localDataDir(env);
  const path = join(dataDir, DEV_SECRET_FILE);
  const read = async () => checked((await readFile(path, 'utf8')).trim(), path);
  try {
    return { key: await read(), source: 'file', path, created: false };
  } catch (error) {
    if (!isMissing(error)) throw error;
    if (!options.create) {
      throw new DevSecretError(
        `${DEV_SECRET_ENV} is not set and ${path} does not exist: set ${DEV_SECRET_ENV} ` +
          `(at least ${MIN_SECRET_BYTES} characters) or start local mode once (npm start), which generates it`,
        { cause: error },
      );
    }
  }
  await mkdir(dataDir, { recursive: true });
  try {
    // `wx`: two processes starting at once cannot overwrite each other's secret.
    await writeFile(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (!isExisting(error)) throw error;
    return { key: await read(), source: 'file', path, created: false };
  }
  // The umask may have cleared bits, never added them; chmod makes 0600 explicit all the same.
  await chmod(path, 0o600);
  return { key: await read(), source: 'file', path, created: true };
}

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localDataDir } from '../../../local/auth/data-dir.js';
import { DEV_SECRET_FILE, DevSecretError, resolveDevSecret } from '../../../local/auth/dev-secret.js';

const LONG = 'x'.repeat(40);

describe('the dev JWT secret rule', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-secret-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('uses SLIPWAY_DEV_JWT_SECRET when it is set, and writes nothing', async () => {
    const secret = await resolveDevSecret({ env: { SLIPWAY_DEV_JWT_SECRET: LONG }, dataDir, create: true });

    expect(secret.source).toBe('env');
    expect(Buffer.from(secret.key).toString()).toBe(LONG);
    await expect(stat(join(dataDir, DEV_SECRET_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a variable shorter than 32 bytes', async () => {
    await expect(resolveDevSecret({ env: { SLIPWAY_DEV_JWT_SECRET: 'short' }, dataDir })).rejects.toThrow(
      /SLIPWAY_DEV_JWT_SECRET is too short/,
    );
  });

  it('fails naming the variable and the file when neither exists and it may not create one', async () => {
    const attempt = resolveDevSecret({ env: {}, dataDir });

    await expect(attempt).rejects.toThrow(DevSecretError);
    await expect(attempt).rejects.toThrow(
      /SLIPWAY_DEV_JWT_SECRET is not set and .*dev-jwt-secret does not exist/,
    );
  });

  it('generates a 0600 file once (local mode) and reads the same key afterwards', async () => {
    const first = await resolveDevSecret({ env: {}, dataDir, create: true });
    const second = await resolveDevSecret({ env: {}, dataDir });

    expect(first).toMatchObject({ source: 'file', created: true, path: join(dataDir, DEV_SECRET_FILE) });
    expect(second.created).toBe(false);
    expect(Buffer.from(second.key).equals(Buffer.from(first.key))).toBe(true);
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(dataDir, DEV_SECRET_FILE))).mode & 0o777).toBe(0o600);
  });

  it('keeps an existing file instead of replacing it', async () => {
    await writeFile(join(dataDir, DEV_SECRET_FILE), `${LONG}\n`, { mode: 0o600 });

    const secret = await resolveDevSecret({ env: {}, dataDir, create: true });

    expect(secret.created).toBe(false);
    expect(Buffer.from(secret.key).toString()).toBe(LONG);
    expect(await readFile(join(dataDir, DEV_SECRET_FILE), 'utf8')).toBe(`${LONG}\n`);
  });

  it('two local-mode starts at once end with one secret', async () => {
    const [a, b] = await Promise.all([
      resolveDevSecret({ env: {}, dataDir, create: true }),
      resolveDevSecret({ env: {}, dataDir, create: true }),
    ]);

    expect(Buffer.from(a.key).equals(Buffer.from(b.key))).toBe(true);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
  });

  it('finds the data folder in SLIPWAY_DATA_DIR, else .slipway/', () => {
    expect(localDataDir({ SLIPWAY_DATA_DIR: dataDir })).toBe(dataDir);
    expect(localDataDir({})).toBe(join(process.cwd(), '.slipway'));
  });
});

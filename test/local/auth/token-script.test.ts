import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveDevSecret } from '../../../local/auth/dev-secret.js';
import { localTokenVerifier } from '../../../local/auth/tokens.js';

const run = promisify(execFile);
const SECRET = 's'.repeat(48);

describe('npm run token', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-token-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  // Only what the script needs: never the test process's whole environment.
  const token = (args: string[], extra: Record<string, string> = {}) =>
    // `npm run token` is `tsx local/auth/token-script.ts`; tsx's CLI only starts a second Node with
    // its loader, so the script runs here in one Node with that loader (as `npm start` runs main.ts).
    run(process.execPath, ['--import', 'tsx', 'local/auth/token-script.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', SLIPWAY_DATA_DIR: dataDir, ...extra },
    });

  it('prints an explanation, then the token alone on the last line, verifiable with the secret', async () => {
    const { stdout } = await token(
      ['--org', 'acme', '--role', 'org-admin', '--sub', 'alice', '--ttl', '1h'],
      {
        SLIPWAY_DEV_JWT_SECRET: SECRET,
      },
    );

    const lines = stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    const last = lines.at(-1) ?? '';
    expect(last).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = await localTokenVerifier(new TextEncoder().encode(SECRET))(last);
    expect(claims).toMatchObject({ sub: 'alice', role: 'org-admin', orgs: ['acme'] });
    const { exp = 0, iat = 0 } = decodeJwt(last);
    expect(exp - iat).toBe(3600);
    expect(stdout).not.toContain(SECRET);
  });

  it("signs with local mode's generated secret when the variable is unset", async () => {
    const generated = await resolveDevSecret({ env: {}, dataDir, create: true });

    const { stdout } = await token(['--org', 'acme', '--role', 'viewer']);

    const last = stdout.trimEnd().split('\n').at(-1) ?? '';
    await expect(localTokenVerifier(generated.key)(last)).resolves.toMatchObject({ role: 'viewer' });
    expect(stdout).toContain(join(dataDir, 'dev-jwt-secret'));
  });

  it('refuses an unknown role, listing the roles', async () => {
    const attempt = token(['--org', 'acme', '--role', 'root'], { SLIPWAY_DEV_JWT_SECRET: SECRET });

    await expect(attempt).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        'unknown role "root"; roles: platform-admin, org-admin, developer, viewer',
      ),
    });
  });

  it('fails clearly when there is no secret', async () => {
    await expect(token(['--org', 'acme', '--role', 'viewer'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('SLIPWAY_DEV_JWT_SECRET is not set'),
    });
  });

  it('requires an organization for every role but platform-admin', async () => {
    await expect(token(['--role', 'developer'], { SLIPWAY_DEV_JWT_SECRET: SECRET })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--org is required for role developer'),
    });
    const { stdout } = await token(['--role', 'platform-admin'], { SLIPWAY_DEV_JWT_SECRET: SECRET });
    expect(decodeJwt(stdout.trimEnd().split('\n').at(-1) ?? '')).toMatchObject({ orgs: [] });
  });
});

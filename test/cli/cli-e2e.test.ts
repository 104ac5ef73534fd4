/**
 * The `slipway` bin run as a child process (stdout a pipe, so not a TTY) against the real
 * handlers of the route table, served over HTTP on 127.0.0.1 by local/http, with dynalite and the
 * synthesized workflow running in-process with fake builds (build ids `…:fake-…`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNames } from '../support/fixtures.js';
import { type ServedApi, startServedApi } from './served-api.js';

const execFileAsync = promisify(execFile);
const BIN = join(process.cwd(), 'local/cli/bin.mjs');
const SPEC = new URL('./fixtures/spec.yaml', import.meta.url).pathname;
const ORG_YAML = 'displayName: Acme\nquota: { cpu: "32", memory: 64Gi, pods: 300 }\nmaxEnvironments: 5\n';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('slipway against the served API', () => {
  let api: ServedApi;
  let dir: string | undefined;
  let adminToken: string;

  beforeAll(async () => {
    api = await startServedApi({ buildDelayMs: 300 });
    dir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
    adminToken = await api.token('platform-admin', []);
  });
  afterAll(async () => {
    await api?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the bin with only what it needs in its environment (never this process's whole env). */
  async function slipway(args: string[], token: string): Promise<CliResult> {
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], {
        env: { PATH: process.env.PATH ?? '', SLIPWAY_ENDPOINT: api.server.url, SLIPWAY_TOKEN: token },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  /**
   * A fresh organization (no test depends on another's records), created over HTTP with the
   * platform-admin token, and an org-admin token for it.
   */
  async function freshOrganization() {
    const { organization, environment } = freshNames();
    const response = await fetch(`${api.server.url}/v1/orgs/${organization}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        displayName: 'Acme',
        quota: { cpu: '32', memory: '64Gi', pods: 300 },
        maxEnvironments: 5,
      }),
    });
    expect(response.status).toBe(201);
    return { organization, environment, token: await api.token('org-admin', [organization]) };
  }

  it('creates an organization from YAML and lists it as JSON', async () => {
    const { organization } = freshNames();
    const file = join(dir ?? '', `${organization}.yaml`);
    await writeFile(file, ORG_YAML);

    const put = await slipway(['orgs', 'put', organization, '-f', file], adminToken);
    const list = await slipway(['orgs', '--output', 'json', '--limit', '100'], adminToken);

    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toContain(`organization ${organization} created`);
    expect(list.code, list.stderr).toBe(0);
    const listed = (JSON.parse(list.stdout) as { items: { organization: string }[] }).items;
    expect(listed.map((item) => item.organization)).toContain(organization);
  });

  it('provisions with --watch to READY: one line per change, exit 0', async () => {
    const { organization, environment, token } = await freshOrganization();

    const result = await slipway(
      ['provision', `${organization}/${environment}`, '-f', SPEC, '--watch', '--interval', '100ms'],
      token,
    );

    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${organization}/${environment}: run \\S+ accepted`));
    expect(result.stdout).toMatch(/^ {2}run {2}terraform/m);
    for (const phase of ['terraform', 'ansible', 'argocd-bootstrap']) {
      expect(
        lines.filter((line) => line.includes(` ${phase} SUCCEEDED in `)),
        phase,
      ).toHaveLength(1);
    }
    expect(lines.at(-1)).toMatch(/READY$/);
    expect(result.stdout).toMatch(/run SUCCEEDED in [\d.]+s/);
    // One line per change: no line repeats, and nothing is redrawn.
    const progress = lines.filter((line) => /^\s+\+/.test(line));
    expect(new Set(progress).size).toBe(progress.length);
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('exits 1 when a phase fails with the cause and log link; resume skips what succeeded; teardown ends DELETED', async () => {
    const { organization, environment, token } = await freshOrganization();
    const target = `${organization}/${environment}`;
    api.starter.builds.failNext('ansible');

    const failed = await slipway(['provision', target, '-f', SPEC, '--watch', '--interval', '100ms'], token);
    const resumed = await slipway(['resume', target, '--watch', '--interval', '100ms'], token);
    const removed = await slipway(['teardown', target, '--watch', '--interval', '100ms'], token);

    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toMatch(/ansible FAILED after [\d.]+s \(build \S+fake-\d+\)/);
    expect(failed.stdout).toMatch(/ansible failed: .*ansible-playbook site\.yml/);
    expect(failed.stdout).toMatch(/log: https:\/\/console\.aws\.amazon\.com\/\S+fake/);
    expect(failed.stdout).toContain(`slipway resume ${target}`);
    // The environment's end state is named: on the run's end line, or, when its record lands a
    // poll after the run's (a busy machine), on a line of its own after it (both forms:
    // test/cli/progress.test.ts, test/cli/watch.test.ts).
    expect(failed.stdout).toMatch(
      new RegExp(
        `run FAILED in [\\d.]+s(, environment FAILED$|$[\\s\\S]*^ {2}\\+[\\d.]+s ${target} FAILED$)`,
        'm',
      ),
    );

    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/terraform SKIPPED: \S/);
    expect(resumed.stdout).toMatch(/ansible SUCCEEDED in /);
    expect(resumed.stdout.trimEnd()).toMatch(/READY$/);

    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.trimEnd()).toMatch(/DELETED$/);
  });

  it('prints machine-readable JSON with --output json, and nothing else on stdout', async () => {
    const { organization, environment, token } = await freshOrganization();

    const watched = await slipway(
      [
        'provision',
        `${organization}/${environment}`,
        '-f',
        SPEC,
        '--watch',
        '--interval',
        '100ms',
        '-o',
        'json',
      ],
      token,
    );
    const runs = await fetch(`${api.server.url}/v1/orgs/${organization}/environments/${environment}/runs`, {
      headers: { authorization: `Bearer ${token}` },
    });

    expect(watched.code, watched.stderr).toBe(0);
    expect(JSON.parse(watched.stdout)).toMatchObject({
      environment: { organization, environment, status: 'READY' },
      run: { status: 'SUCCEEDED', phases: [{ phase: 'terraform', status: 'SUCCEEDED' }, {}, {}] },
      exitCode: 0,
    });
    expect(watched.stderr).toContain('run SUCCEEDED');
    expect(await runs.json()).toMatchObject({ items: [{ status: 'SUCCEEDED', trigger: 'api' }] });
  });

  it('prints a 4xx refusal with its code and the field it names, exit 3, and nothing is recorded', async () => {
    const { organization, environment, token } = await freshOrganization();
    const bad = join(dir ?? '', 'bad-spec.yaml');
    const spec = await readFile(SPEC, 'utf8');
    await writeFile(bad, spec.replace('https://github.com/acme/', 'http://github.com/acme/'));

    const result = await slipway(['provision', `${organization}/${environment}`, '-f', bad], token);
    const status = await fetch(`${api.server.url}/v1/orgs/${organization}/environments/${environment}`, {
      headers: { authorization: `Bearer ${token}` },
    });

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/error: 400 validation\.failed: /);
    expect(result.stderr).toMatch(/ {2}- gitops\.repository: /);
    expect(status.status).toBe(404);
  });

  it("answers another organization's environment as not found, a viewer's provision as forbidden, a bad token as 401", async () => {
    const { organization, environment } = await freshOrganization();
    const outsider = await api.token('org-admin', ['someone-else']);
    const viewer = await api.token('viewer', [organization]);

    const [hidden, forbidden, unauthorized] = await Promise.all([
      slipway(['provision', `${organization}/${environment}`, '-f', SPEC], outsider),
      slipway(['provision', `${organization}/${environment}`, '-f', SPEC], viewer),
      slipway(['orgs'], 'not-a-token'),
    ]);

    expect(hidden.code).toBe(3);
    expect(hidden.stderr).toContain('404 not-found');
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('403 forbidden');
    expect(unauthorized.code).toBe(3);
    expect(unauthorized.stderr).toContain('error: 401 gateway: Unauthorized');
    expect(unauthorized.stderr).not.toContain('not-a-token');
  });
});

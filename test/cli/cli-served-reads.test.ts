/**
 * The read commands — `runs`, `runs <id>`, `alerts`, `audit`, `status` (one environment, an
 * organization's list) — in text and `--output json`, in-process against the real handlers served
 * over HTTP on 127.0.0.1 (served-api.ts). Each check compares with what the API itself answers
 * for the same request, field by field, so a drift between the API's shapes and the CLI's
 * (a renamed or moved field the CLI would print as `-`) fails here.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../local/cli/program.js';
import type { CliIo } from '../../local/cli/session.js';
import { freshNames, validSpec } from '../support/fixtures.js';
import { type ServedApi, startServedApi } from './served-api.js';

class Capture extends Writable {
  text = '';
  readonly isTTY = false;
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

type Json = Record<string, unknown> & { items?: Record<string, unknown>[] };

describe('slipway read commands against the served API', () => {
  let api: ServedApi;
  let token = '';
  let organization = '';
  let ready = '';
  let failed = '';

  async function get(path: string): Promise<Json> {
    const response = await fetch(`${api.server.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status, path).toBe(200);
    return (await response.json()) as Json;
  }

  async function slipway(args: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const io: CliIo = {
      stdout,
      stderr,
      env: { SLIPWAY_ENDPOINT: api.server.url, SLIPWAY_TOKEN: token },
      clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
      randomId: () => crypto.randomUUID(),
    };
    const code = await runCli(args, io);
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  async function put(path: string, body: unknown, as: string) {
    const response = await fetch(`${api.server.url}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, path).toBeLessThan(300);
  }

  beforeAll(async () => {
    api = await startServedApi();
    const names = freshNames();
    organization = names.organization;
    ready = names.environment;
    failed = `${names.environment}-f`;
    await put(
      `/v1/orgs/${organization}`,
      { displayName: 'Acme', quota: { cpu: '32', memory: '64Gi', pods: 300 }, maxEnvironments: 5 },
      await api.token('platform-admin', []),
    );
    token = await api.token('org-admin', [organization]);
    const spec = (env: string) => {
      const base = validSpec('dev');
      return { ...base, gitops: { ...base.gitops, path: `tenants/${organization}/${env}` } };
    };
    await put(`/v1/orgs/${organization}/environments/${ready}`, spec(ready), token);
    await api.starter.settled();
    api.starter.builds.failNext('ansible');
    await put(`/v1/orgs/${organization}/environments/${failed}`, spec(failed), token);
    await api.starter.settled();
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('runs: the history as a table of the API’s run ids, triggers, statuses and start times; JSON as the API answers', async () => {
    const path = `/v1/orgs/${organization}/environments/${failed}/runs`;
    const answer = await get(path);
    const [run] = answer.items ?? [];

    const text = await slipway(['runs', `${organization}/${failed}`]);
    const json = await slipway(['runs', `${organization}/${failed}`, '-o', 'json']);

    expect(text.code, text.stderr).toBe(0);
    const row = text.stdout.split('\n').find((line) => line.startsWith(String(run?.runId)));
    expect(row?.split(/\s{2,}/)).toEqual([
      run?.runId,
      'api',
      'FAILED',
      run?.startedAt,
      expect.stringMatching(/^[\d.]+s$/),
      'ansible',
    ]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(answer);
  });

  it('runs <id>: the run’s phases with the API’s build ids, the failure’s cause and log link; JSON as the API answers', async () => {
    const [run] = (await get(`/v1/orgs/${organization}/environments/${failed}/runs`)).items ?? [];
    const runId = String(run?.runId);
    const answer = await get(`/v1/orgs/${organization}/environments/${failed}/runs/${runId}`);
    const phases = answer.phases as { phase: string; status: string; buildId?: string }[];
    const error = answer.error as { phase: string; cause: string; logLink: string };

    const text = await slipway(['runs', `${organization}/${failed}`, runId]);
    const json = await slipway(['runs', `${organization}/${failed}`, runId, '--output', 'json']);

    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`run ${runId} (api)`);
    expect(phases.map((phase) => phase.status)).toEqual(['SUCCEEDED', 'FAILED', 'PENDING']);
    for (const phase of phases.filter((p) => p.buildId)) {
      expect(text.stdout).toMatch(new RegExp(`${phase.phase}\\s+${phase.status}.*build ${phase.buildId}`));
    }
    expect(text.stdout).toContain(`ansible failed: ${error.cause}`);
    expect(text.stdout).toContain(`log: ${error.logLink}`);
    expect(JSON.parse(json.stdout)).toEqual(answer);
  });

  it('alerts: the phase.failed alert with its kind, severity, environment, delivery and summary; JSON as the API answers', async () => {
    const answer = await get(`/v1/orgs/${organization}/alerts`);
    const alert = (answer.items ?? []).find((item) => item.kind === 'phase.failed') as {
      occurredAt: string;
      severity: string;
      environment: string;
      summary: string;
      delivery: { status: string };
      links: { label: string; url: string }[];
    };
    expect(alert?.environment).toBe(failed);

    const text = await slipway(['alerts', organization]);
    const json = await slipway(['alerts', organization, '-o', 'json']);

    expect(text.code, text.stderr).toBe(0);
    const row = text.stdout.split('\n').find((line) => line.startsWith(alert.occurredAt));
    expect(row?.split(/\s{2,}/)).toEqual([
      alert.occurredAt,
      alert.severity,
      'phase.failed',
      failed,
      alert.delivery.status,
      alert.summary,
    ]);
    expect(alert.links.length).toBeGreaterThan(0);
    for (const link of alert.links)
      expect(text.stdout).toContain(`${alert.occurredAt} ${link.label}: ${link.url}`);
    expect(JSON.parse(json.stdout)).toEqual(answer);
  });

  it('audit: who asked for each provision, with the run in its detail; JSON as the API answers', async () => {
    const answer = await get(`/v1/orgs/${organization}/audit`);
    const entry = (answer.items ?? []).find(
      (item) => item.environment === ready && item.action === 'environment.provision-requested',
    ) as { at: string; actor: string; detail: { runId: string } };
    expect(entry?.actor).toBe('cli-org-admin');

    const text = await slipway(['audit', organization]);
    const json = await slipway(['audit', organization, '-o', 'json']);

    expect(text.code, text.stderr).toBe(0);
    const row = text.stdout
      .split('\n')
      .find(
        (line) =>
          line.startsWith(entry.at) &&
          line.includes('environment.provision-requested') &&
          line.includes(ready),
      );
    expect(row?.split(/\s{2,}/).slice(0, 4)).toEqual([
      entry.at,
      'cli-org-admin',
      'environment.provision-requested',
      ready,
    ]);
    expect(row).toContain(`runId=${entry.detail.runId}`);
    expect(JSON.parse(json.stdout)).toEqual(answer);
  });

  it('status <org>/<env>: the environment and its current run as the API has them; JSON as the API answers', async () => {
    const answer = await get(`/v1/orgs/${organization}/environments/${ready}`);
    const run = answer.currentRun as {
      runId: string;
      status: string;
      phases: { phase: string; buildId: string }[];
    };

    const text = await slipway(['status', `${organization}/${ready}`]);
    const json = await slipway(['status', `${organization}/${ready}`, '-o', 'json']);

    expect(text.code, text.stderr).toBe(0);
    expect(answer.status).toBe('READY');
    expect(text.stdout).toContain(`${organization}/${ready}`);
    expect(text.stdout).toMatch(new RegExp(`READY\\s+run ${run.runId} \\(api\\)\\s+SUCCEEDED`));
    for (const phase of run.phases) expect(text.stdout).toContain(`build ${phase.buildId}`);
    expect(JSON.parse(json.stdout)).toEqual(answer);
  });

  it('status <org>: each environment with its status, tier, current run and update time; JSON as the API answers', async () => {
    const answer = await get(`/v1/orgs/${organization}/environments`);
    const items = answer.items as {
      environment: string;
      status: string;
      tier: string;
      currentRunId: string;
      updatedAt: string;
    }[];
    expect(items.map((item) => [item.environment, item.status]).sort()).toEqual(
      [
        [ready, 'READY'],
        [failed, 'FAILED'],
      ].sort(),
    );

    const text = await slipway(['status', organization]);
    const json = await slipway(['status', organization, '-o', 'json']);

    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    for (const item of items) {
      const row = lines.find((line) => line.startsWith(`${organization}/${item.environment} `));
      expect(row?.split(/\s{2,}/), item.environment).toEqual([
        `${organization}/${item.environment}`,
        item.status,
        item.tier,
        item.currentRunId,
        item.updatedAt,
      ]);
    }
    expect(JSON.parse(json.stdout)).toEqual(answer);
  });
});

/**
 * End to end against `npm start` run as a child process, over HTTP on 127.0.0.1: provision to
 * READY; a failing phase → FAILED and exactly one alert delivered to a webhook this test runs;
 * resume → READY with the earlier phases SKIPPED; teardown → DELETED; SIGKILL mid-run, restart →
 * nothing recorded is lost, the run is INTERRUPTED and resumable. The builds run the real
 * buildspecs with every tool simulated (SLIPWAY_LOCAL_REAL_TOOLS=none): the subject here is the
 * control plane; the real tools in the builds are covered by test/local/builds and `npm run demo`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSpec } from '../../local/demo/specs.js';
import {
  type Api,
  api,
  type LocalProcess,
  sharedDefinition,
  startLocalProcess,
  token,
  waitForEnvironment,
} from './local-process.js';

interface Delivered {
  message: { kind: string; organization: string; environment?: string; run?: string };
  attributes: Record<string, string>;
}

let dataDir: string;
let local: LocalProcess | undefined;
let receiver: Server;
let receiverUrl: string;
const delivered: Delivered[] = [];
let admin: Api;
let owner: Api;

const ORG = { displayName: 'Acme', quota: { cpu: '32', memory: '64Gi', pods: 300 }, maxEnvironments: 5 };
const phasesOf = (body: Record<string, unknown>) =>
  ((body.currentRun as { phases?: { phase: string; status: string; reason?: string }[] })?.phases ?? []).map(
    (phase) => [phase.phase, phase.status] as const,
  );

async function start(env: Record<string, string> = {}) {
  local = await startLocalProcess(dataDir, { SLIPWAY_ALERT_WEBHOOKS: receiverUrl, ...env });
  admin = api(local.url, await token('platform-admin', []));
  owner = api(local.url, await token('org-admin', ['acme']));
}

async function stop(signal: NodeJS.Signals) {
  if (!local) return;
  local.child.kill(signal);
  await local.ended;
  local = undefined;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'slipway-e2e-'));
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      delivered.push(JSON.parse(body) as Delivered);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', () => listening()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  await start();
}, 300_000);

afterAll(async () => {
  await stop('SIGTERM');
  await new Promise<void>((closed) => receiver.close(() => closed()));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local mode end to end (npm start as a child process, HTTP on 127.0.0.1)', {
  timeout: 300_000,
}, () => {
  it('synthesizes the state machine at its first start and stores the definition the shared synth gives', async () => {
    expect(local?.output()).toContain('synthesized from the CDK app');
    const stored = JSON.parse(readFileSync(join(dataDir, 'state-machine.json'), 'utf8')) as {
      definition: unknown;
    };
    // What the other local-mode files seed their data folder with (local-process.ts).
    expect(stored.definition).toEqual(await sharedDefinition());
  });

  it('provisions acme/prod to READY through the API, every phase SUCCEEDED', async () => {
    expect((await admin('PUT', '/v1/orgs/acme', ORG)).status).toBeLessThan(300);
    const put = await owner('PUT', '/v1/orgs/acme/environments/prod', demoSpec('prod', '4'));
    expect(put.status).toBe(202);
    expect(put.body.runId).toMatch(/^acme\.prod\.000001\./);

    const ready = await waitForEnvironment(
      owner,
      '/v1/orgs/acme/environments/prod',
      (s) => s !== 'PROVISIONING',
    );
    expect(ready.status).toBe('READY');
    expect(phasesOf(ready)).toEqual([
      ['terraform', 'SUCCEEDED'],
      ['ansible', 'SUCCEEDED'],
      ['argocd-bootstrap', 'SUCCEEDED'],
    ]);
    // The same spec again: READY with these inputs, so 200 and no run.
    const again = await owner('PUT', '/v1/orgs/acme/environments/prod', demoSpec('prod', '4'));
    expect(again.status).toBe(200);
  });

  it('fails acme/staging at an injected ansible fault with exactly one alert delivered, then resumes it', async () => {
    expect((await admin('POST', '/local/faults', { phase: 'ansible', count: 1 })).status).toBe(200);
    const put = await owner('PUT', '/v1/orgs/acme/environments/staging', demoSpec('staging', '2'));
    expect(put.status).toBe(202);
    const failed = await waitForEnvironment(
      owner,
      '/v1/orgs/acme/environments/staging',
      (s) => s !== 'PROVISIONING',
    );
    expect(failed.status).toBe('FAILED');
    expect(phasesOf(failed)).toEqual([
      ['terraform', 'SUCCEEDED'],
      ['ansible', 'FAILED'],
      ['argocd-bootstrap', 'PENDING'],
    ]);
    const runId = String(put.body.runId);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !delivered.some((alert) => alert.message.run === runId)) {
      await new Promise((wait) => setTimeout(wait, 200));
    }
    const forRun = delivered.filter((alert) => alert.message.run === runId);
    expect(forRun).toHaveLength(1);
    expect(forRun[0]?.message).toMatchObject({
      kind: 'phase.failed',
      organization: 'acme',
      environment: 'staging',
    });
    expect(forRun[0]?.attributes).toMatchObject({
      kind: 'phase.failed',
      organization: 'acme',
      environment: 'staging',
    });
    const listed = await owner('GET', '/v1/orgs/acme/alerts');
    expect(JSON.stringify(listed.body)).toContain(runId);

    const resume = await owner('POST', '/v1/orgs/acme/environments/staging/runs', { action: 'resume' });
    expect(resume.status).toBe(202);
    const ready = await waitForEnvironment(
      owner,
      '/v1/orgs/acme/environments/staging',
      (s) => s !== 'PROVISIONING',
    );
    expect(ready.status).toBe('READY');
    expect(phasesOf(ready)).toEqual([
      ['terraform', 'SKIPPED'],
      ['ansible', 'SUCCEEDED'],
      ['argocd-bootstrap', 'SUCCEEDED'],
    ]);
    expect(delivered.filter((alert) => alert.message.run === runId)).toHaveLength(1);
  });

  it('tears acme/staging down in reverse, ending DELETED and still readable', async () => {
    const teardown = await owner('DELETE', '/v1/orgs/acme/environments/staging');
    expect(teardown.status).toBe(202);
    const deleted = await waitForEnvironment(
      owner,
      '/v1/orgs/acme/environments/staging',
      (s) => s !== 'DELETING',
    );
    expect(deleted.status).toBe('DELETED');
    expect(phasesOf(deleted).map(([phase]) => phase)).toEqual(['argocd-bootstrap', 'ansible', 'terraform']);
    expect(phasesOf(deleted).every(([, status]) => status === 'SUCCEEDED')).toBe(true);
  });

  it('loses nothing to a SIGKILL mid-run: the run is INTERRUPTED after a restart, and resume finishes it', async () => {
    // Restart with a long BUILD phase, so the kill lands while terraform runs.
    await stop('SIGTERM');
    await start({ SLIPWAY_LOCAL_PHASE_SECONDS: '30' });
    const put = await owner('PUT', '/v1/orgs/acme/environments/dev', {
      ...demoSpec('staging', '1'),
      tier: 'dev',
    });
    expect(put.status).toBe(202);
    const deadline = Date.now() + 60_000;
    let running = false;
    while (Date.now() < deadline && !running) {
      const { body } = await owner('GET', '/v1/orgs/acme/environments/dev');
      running = phasesOf(body).some(([phase, status]) => phase === 'terraform' && status === 'RUNNING');
      if (!running) await new Promise((wait) => setTimeout(wait, 200));
    }
    expect(running).toBe(true);
    const before = await owner('GET', '/v1/orgs/acme/environments/prod/runs');
    await stop('SIGKILL');

    await start();
    expect(local?.output()).toContain('cached synthesized definition');
    expect(local?.output()).toContain(`interrupted     acme/dev run ${String(put.body.runId)}`);
    const dev = await owner('GET', '/v1/orgs/acme/environments/dev');
    expect(dev.body).toMatchObject({ status: 'FAILED', currentRunId: put.body.runId });
    expect((dev.body.currentRun as { status: string }).status).toBe('INTERRUPTED');
    expect(dev.body.activeRunId).toBeUndefined();
    expect((await owner('GET', '/v1/orgs/acme/environments/prod')).body.status).toBe('READY');
    expect((await owner('GET', '/v1/orgs/acme/environments/prod/runs')).body).toEqual(before.body);

    const resume = await owner('POST', '/v1/orgs/acme/environments/dev/runs', { action: 'resume' });
    expect(resume.status).toBe(202);
    const ready = await waitForEnvironment(
      owner,
      '/v1/orgs/acme/environments/dev',
      (s) => s !== 'PROVISIONING',
    );
    expect(ready.status).toBe('READY');
  });
});

/**
 * Local fault injection of "SNS down": `POST /local/faults {"phase":"sns","count":2}` through the
 * real local HTTP server makes the next 2 publishes of the local alert publisher fail as SNS would
 * (TransientPublishError, nothing written to alerts.jsonl), the third is delivered; the answer
 * shows the pending faults of builds and topic; `SLIPWAY_LOCAL_FAULTS` accepts `sns:<n>`; a bad
 * target is a 400 naming `phase`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPhaseFailedAlert } from '../../functions/domain/alert.js';
import { TransientPublishError } from '../../functions/domain/errors.js';
import {
  createLocalAlertPublisher,
  type LocalAlertPublisher,
} from '../../local/alerts/local-alert-publisher.js';
import { localTokenVerifier, signLocalToken } from '../../local/auth/tokens.js';
import { PhaseFaultCounter, parseFaultSpec } from '../../local/builds/faults.js';
import { localBuildSettingsFromEnv } from '../../local/builds/settings.js';
import { faultsRoute } from '../../local/faults-route.js';
import { type ApiServer, startApiServer } from '../../local/http/server.js';
import { send } from './http/send.js';

const KEY = randomBytes(32);
let dataDir: string;
let server: ApiServer;
let publisher: LocalAlertPublisher;
let token: string;
const builds = new PhaseFaultCounter();

const alert = () =>
  buildPhaseFailedAlert({
    organization: 'acme',
    environment: 'prod',
    runId: 'acme-prod-0001-abcdef12',
    failure: { phase: 'ansible', cause: 'exit status 2', retryable: false },
    tier: 'prod',
    occurredAt: '2026-12-02T01:00:00.000Z',
  });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-faults-'));
  publisher = createLocalAlertPublisher({ dataDir });
  server = await startApiServer({
    verifyToken: localTokenVerifier(KEY),
    // Resolved for every API route at start; none is called here.
    resolveHandler: () => async () => {
      throw new Error('no API route in this test');
    },
    localRoutes: { 'POST /local/faults': faultsRoute(builds, publisher) },
  });
  token = await signLocalToken(KEY, { subject: 'ops', role: 'platform-admin', organizations: [] });
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const inject = (body: unknown) =>
  send(server.url, 'POST', '/local/faults', {
    headers: [
      ['Authorization', `Bearer ${token}`],
      ['Content-Type', 'application/json'],
    ],
    body: JSON.stringify(body),
  });

const lines = async () =>
  (await readFile(publisher.alertsFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('POST /local/faults: SNS down', () => {
  it('fails the next publishes as SNS down would, then delivers; answers the pending faults', async () => {
    const injected = await inject({ phase: 'sns', count: 2 });
    expect(injected.status).toBe(200);
    expect(injected.json()).toEqual({ faults: { sns: 2 } });
    const both = await inject({ phase: 'ansible', count: 1 });
    expect(both.json()).toEqual({ faults: { ansible: 1, sns: 2 } });

    await expect(publisher.publish(alert())).rejects.toBeInstanceOf(TransientPublishError);
    await expect(publisher.publish(alert())).rejects.toThrow(/simulated/);
    expect(await lines()).toEqual([]);
    await publisher.publish(alert());
    await publisher.settled();
    expect(await lines()).toHaveLength(1);
    expect(publisher.pendingFailures()).toBe(0);
    expect((await inject({ phase: 'ansible', count: 0 })).json()).toEqual({ faults: {} });
  });

  it('refuses an unknown target with a 400 naming the field, changing nothing', async () => {
    const response = await inject({ phase: 'smtp', count: 1 });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ error: { details: [{ field: 'phase' }] } });
    expect(publisher.pendingFailures()).toBe(0);
  });

  it('reads sns:<n> from SLIPWAY_LOCAL_FAULTS beside the phases, and keeps it out of the build faults', () => {
    expect(parseFaultSpec('sns:2, ansible:1')).toEqual([
      { phase: 'sns', count: 2 },
      { phase: 'ansible', count: 1 },
    ]);
    expect(localBuildSettingsFromEnv({ SLIPWAY_LOCAL_FAULTS: 'sns:2,ansible:1' }).faults.pending()).toEqual({
      ansible: 1,
    });
  });
});

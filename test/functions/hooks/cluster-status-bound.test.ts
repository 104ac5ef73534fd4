/**
 * The environment item's cluster status is bounded (functions/domain/cluster-event-status.ts):
 * Alertmanager deliveries naming more distinct crash-loop fingerprints than the bound leave the
 * newest CLUSTER_STATUS_MAP_LIMIT in `cluster.alerts` (the item would otherwise grow to DynamoDB's
 * 400 KB limit), and a repeated recent alert is still deduplicated. Real hook, real repository on
 * dynalite, the local alert publisher (alerts.jsonl).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { staticHookSecrets } from '../../../functions/adapters/secrets/hook-secrets.js';
import {
  CLUSTER_STATUS_MAP_LIMIT,
  type ClusterAlertStatus,
} from '../../../functions/domain/cluster-event-status.js';
import { deriveHookToken, environmentTokenSubject } from '../../../functions/domain/hook-token.js';
import { CLUSTER_HOOK_ROUTES } from '../../../functions/handlers/api/routes.js';
import { makeAlertmanagerHook } from '../../../functions/handlers/hooks/alertmanager.js';
import { createLocalAlertPublisher } from '../../../local/alerts/local-alert-publisher.js';
import { apiEvent, routeById } from '../../support/api-events.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { type SeededRun, seedRun, startSeeded } from '../../support/fixtures.js';

const SECRET = 'alertmanager-bound-secret';
const ROUTE = routeById(CLUSTER_HOOK_ROUTES, 'alertmanager-hook');
const EXTRA = 7;
const BATCH = 20;

let dynamo: LocalDynamo;
let dataDir: string;
let repository: Repository;
let seeded: SeededRun;
let hook: ReturnType<typeof makeAlertmanagerHook>;
// Each delivery is one minute after the previous one, so "newest" is well defined.
let clock = Date.parse('2026-12-01T21:00:00.000Z');

beforeAll(async () => {
  dynamo = await startDynalite();
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-cluster-bound-'));
  repository = createRepository({ client: dynamo.documentClient, tableName: dynamo.tableName });
  seeded = await startSeeded(repository, await seedRun(repository));
  hook = makeAlertmanagerHook({
    repository,
    publisher: createLocalAlertPublisher({ dataDir }),
    secrets: staticHookSecrets({ alertmanager: SECRET }),
    now: () => new Date(clock),
  });
});
afterAll(async () => {
  await dynamo?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const fingerprint = (index: number) => `f${String(index).padStart(15, '0')}`;

function crashLoop(index: number) {
  return {
    status: 'firing',
    labels: {
      alertname: 'KubePodCrashLooping',
      namespace: `${seeded.organization}-${seeded.environment}-payments`,
      pod: `api-${index}`,
      container: 'api',
    },
    annotations: { description: `Pod api-${index} is crash looping.` },
    startsAt: '2026-12-01T21:00:00.000Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph',
    fingerprint: fingerprint(index),
  };
}

async function deliver(indexes: readonly number[]) {
  clock += 60_000;
  const token = deriveHookToken(SECRET, environmentTokenSubject(seeded.organization, seeded.environment));
  const response = await hook(
    apiEvent(ROUTE, {
      identity: null,
      path: { org: seeded.organization, env: seeded.environment },
      headers: { authorization: `Bearer ${token}` },
      body: {
        version: '4',
        groupKey: '{}:{alertname="KubePodCrashLooping"}',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'slipway',
        groupLabels: { alertname: 'KubePodCrashLooping' },
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager:9093',
        alerts: indexes.map(crashLoop),
      },
    }),
  );
  expect(response.statusCode).toBe(202);
  return JSON.parse(response.body) as { alerts: { published: boolean }[] };
}

async function alertKeys(): Promise<string[]> {
  const environment = await repository.getEnvironment(seeded.organization, seeded.environment);
  return Object.keys(environment?.cluster?.alerts ?? {}).sort();
}

describe('cluster status bound', () => {
  it(`keeps the newest ${CLUSTER_STATUS_MAP_LIMIT} of ${CLUSTER_STATUS_MAP_LIMIT + EXTRA} crash-loop fingerprints, and still deduplicates a recent one`, async () => {
    // The bulk written as the hook writes it (one patch per delivery), each entry a minute newer.
    const total = CLUSTER_STATUS_MAP_LIMIT + EXTRA - 1;
    for (let start = 0; start < total; start += BATCH) {
      const alerts: Record<string, ClusterAlertStatus> = {};
      for (let index = start; index < Math.min(start + BATCH, total); index += 1) {
        alerts[fingerprint(index)] = {
          alertname: 'KubePodCrashLooping',
          kind: 'pod.crashlooping',
          status: 'firing',
          namespace: `${seeded.organization}-${seeded.environment}-payments`,
          pod: `api-${index}`,
          startsAt: '2026-12-01T21:00:00.000Z',
          updatedAt: new Date(clock + index * 60_000).toISOString(),
        };
      }
      await repository.recordClusterStatus(seeded.organization, seeded.environment, { alerts });
    }
    // The last, newest one through the hook.
    clock += total * 60_000;
    const first = await deliver([total]);
    expect(first.alerts).toEqual([expect.objectContaining({ published: true })]);
    const newest = Array.from({ length: CLUSTER_STATUS_MAP_LIMIT }, (_, offset) =>
      fingerprint(total - offset),
    );
    expect(await alertKeys()).toEqual([...newest].sort());

    // A re-send of that recent alert (same fingerprint and startsAt): not published again.
    const repeated = await deliver([total]);
    expect(repeated.alerts).toEqual([expect.objectContaining({ published: false })]);
    const after = await alertKeys();
    expect(after).toHaveLength(CLUSTER_STATUS_MAP_LIMIT);
    expect(after).toContain(fingerprint(total));
  });
});

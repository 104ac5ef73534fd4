/**
 * A shared cluster's tenant entries (functions/adapters/dynamodb/clusters.ts) against dynalite:
 * the compare-and-set of a tenant run entering (its own grant only, the first grant creating the
 * map, each refusal answered with what refused it), leaving with or without an undo, and the
 * cluster reads. Before, only the API's cluster tests reached these writes.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { CLUSTER_ORGANIZATION } from '../../../functions/domain/cluster.js';
import type { TenantGrant } from '../../../functions/domain/cluster-records.js';
import type { EnvironmentStatus } from '../../../functions/domain/model.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { freshNames, validSpec } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName });
});

afterAll(async () => {
  await dynamo.stop();
});

const READY: EnvironmentStatus[] = ['READY'];

const grantOf = (organization: string, cpu: number): TenantGrant => ({
  organization,
  environment: 'prod',
  cpuMillicores: cpu,
  memoryBytes: cpu * 1000,
  pods: 10,
  grantedAt: '2026-12-01T10:00:00.000Z',
  namespaces: [`${organization}-prod-web`],
});

/** A registered cluster, READY, with its item's version. */
async function readyCluster(
  set = '',
  values: Record<string, unknown> = {},
): Promise<{ name: string; version: number }> {
  const name = freshNames().environment;
  await repository.recordSpec({
    organization: CLUSTER_ORGANIZATION,
    environment: name,
    spec: validSpec('prod'),
    specHash: 'c'.repeat(64),
  });
  await dynamo.documentClient.send(
    new UpdateCommand({
      TableName: dynamo.tableName,
      Key: keys.environment(CLUSTER_ORGANIZATION, name),
      UpdateExpression: `SET #status = :ready${set}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':ready': 'READY', ...values },
    }),
  );
  const state = await repository.getCluster(name);
  return { name, version: state?.record.version ?? 0 };
}

describe('enterCluster', () => {
  /** A repository over a client that counts the UpdateItem calls sent (refused ones included). */
  function countingUpdates() {
    const client = dynamo.newClient();
    let updates = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        if (JSON.stringify(args.input).includes('UpdateExpression')) updates += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countUpdates' },
    );
    return { repository: createRepository({ client, tableName: dynamo.tableName }), updates: () => updates };
  }

  it('writes a first grant read as such in one write, into an absent or an emptied map', async () => {
    for (const set of ['', ', tenants = :empty']) {
      const cluster = await readyCluster(set, set ? { ':empty': {} } : {});
      const counted = countingUpdates();
      const entered = await counted.repository.enterCluster({
        cluster: cluster.name,
        runId: 'run-a',
        expectedVersion: cluster.version,
        statuses: READY,
        placement: { key: 'acme/prod', grant: grantOf('acme', 1000), stale: [], firstGrant: true },
      });
      expect(entered).toMatchObject({
        kind: 'entered',
        state: { tenants: { 'acme/prod': grantOf('acme', 1000) } },
      });
      expect(counted.updates(), set || 'no map').toBe(1);
    }
  });

  it('keeps the other tenants when a first grant was read wrongly: the entry is written beside them', async () => {
    const cluster = await readyCluster(', tenants = :tenants', {
      ':tenants': { 'beta/prod': grantOf('beta', 500) },
    });
    const counted = countingUpdates();
    const entered = await counted.repository.enterCluster({
      cluster: cluster.name,
      runId: 'run-a',
      expectedVersion: cluster.version,
      statuses: READY,
      placement: { key: 'acme/prod', grant: grantOf('acme', 1000), stale: [], firstGrant: true },
    });
    expect(entered).toMatchObject({
      kind: 'entered',
      state: { tenants: { 'acme/prod': grantOf('acme', 1000), 'beta/prod': grantOf('beta', 500) } },
    });
    expect(counted.updates()).toBe(2);
  });

  it('records the first tenant’s grant as the map, then a second tenant’s entry beside it, each run in tenantRuns', async () => {
    const cluster = await readyCluster();
    const first = await repository.enterCluster({
      cluster: cluster.name,
      runId: 'run-a',
      expectedVersion: cluster.version,
      statuses: READY,
      placement: { key: 'acme/prod', grant: grantOf('acme', 1000), stale: [] },
    });
    expect(first).toMatchObject({
      kind: 'entered',
      state: { tenants: { 'acme/prod': grantOf('acme', 1000) } },
    });
    expect(first.kind === 'entered' && first.state.record.version).toBe(cluster.version + 1);

    const second = await repository.enterCluster({
      cluster: cluster.name,
      runId: 'run-b',
      expectedVersion: cluster.version + 1,
      statuses: READY,
      placement: { key: 'beta/prod', grant: grantOf('beta', 500), stale: [] },
    });
    expect(second.kind).toBe('entered');
    const state = await repository.getCluster(cluster.name);
    expect(state?.tenants).toEqual({ 'acme/prod': grantOf('acme', 1000), 'beta/prod': grantOf('beta', 500) });
    expect(state?.tenantRuns).toEqual(['run-a', 'run-b']);
  });

  it('removes the stale entries it names and enters a run that changes no quota without touching the map', async () => {
    const cluster = await readyCluster();
    await repository.enterCluster({
      cluster: cluster.name,
      runId: 'run-a',
      expectedVersion: cluster.version,
      statuses: READY,
      placement: { key: 'acme/prod', grant: grantOf('acme', 1000), stale: [] },
    });
    await repository.leaveCluster({ cluster: cluster.name, runId: 'run-a' });
    const version = (await repository.getCluster(cluster.name))?.record.version ?? 0;
    await repository.enterCluster({
      cluster: cluster.name,
      runId: 'run-b',
      expectedVersion: version,
      statuses: READY,
      placement: { key: 'beta/prod', grant: grantOf('beta', 500), stale: ['acme/prod'] },
    });
    expect((await repository.getCluster(cluster.name))?.tenants).toEqual({
      'beta/prod': grantOf('beta', 500),
    });

    const resume = await repository.enterCluster({
      cluster: cluster.name,
      runId: 'run-c',
      expectedVersion: version + 1,
      statuses: READY,
    });
    expect(resume.kind).toBe('entered');
    const state = await repository.getCluster(cluster.name);
    expect(state?.tenants).toEqual({ 'beta/prod': grantOf('beta', 500) });
    expect(state?.tenantRuns).toEqual(['run-b', 'run-c']);
  });

  it('answers missing, busy, status and changed, writing nothing', async () => {
    const placement = { key: 'acme/prod', grant: grantOf('acme', 1000), stale: [] };
    expect(
      await repository.enterCluster({
        cluster: freshNames().environment,
        runId: 'run-a',
        expectedVersion: 1,
        statuses: READY,
        placement,
      }),
    ).toEqual({ kind: 'missing' });

    const locked = await readyCluster(', activeRunId = :run', { ':run': 'cluster-run-1' });
    expect(
      await repository.enterCluster({
        cluster: locked.name,
        runId: 'run-a',
        expectedVersion: locked.version,
        statuses: READY,
        placement,
      }),
    ).toEqual({ kind: 'busy', activeRunId: 'cluster-run-1' });

    const failed = await readyCluster();
    await dynamo.documentClient.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: keys.environment(CLUSTER_ORGANIZATION, failed.name),
        UpdateExpression: 'SET #status = :failed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'FAILED' },
      }),
    );
    expect(
      await repository.enterCluster({
        cluster: failed.name,
        runId: 'run-a',
        expectedVersion: failed.version,
        statuses: READY,
        placement,
      }),
    ).toEqual({ kind: 'status', status: 'FAILED' });
    // READY or FAILED: a run that leaves the cluster's quota alone may enter a FAILED cluster.
    expect(
      (
        await repository.enterCluster({
          cluster: failed.name,
          runId: 'run-b',
          expectedVersion: failed.version,
          statuses: ['READY', 'FAILED'],
        })
      ).kind,
    ).toBe('entered');

    const moved = await readyCluster();
    for (const withPlacement of [true, false]) {
      expect(
        await repository.enterCluster({
          cluster: moved.name,
          runId: 'run-a',
          expectedVersion: moved.version - 1,
          statuses: READY,
          ...(withPlacement ? { placement } : {}),
        }),
      ).toEqual({ kind: 'changed' });
    }
    const state = await repository.getCluster(moved.name);
    expect(state?.record.version).toBe(moved.version);
    expect(state?.tenantRuns).toEqual([]);
    expect(state?.tenants).toEqual({});
  });
});

describe('leaveCluster', () => {
  it('takes only its run out, restores the previous grant or removes its own, and leaves a missing cluster missing', async () => {
    const cluster = await readyCluster();
    await repository.enterCluster({
      cluster: cluster.name,
      runId: 'run-a',
      expectedVersion: cluster.version,
      statuses: READY,
      placement: { key: 'acme/prod', grant: grantOf('acme', 1000), stale: [] },
    });
    await repository.enterCluster({
      cluster: cluster.name,
      runId: 'run-b',
      expectedVersion: cluster.version + 1,
      statuses: READY,
      placement: { key: 'beta/prod', grant: grantOf('beta', 500), stale: [] },
    });

    await repository.leaveCluster({
      cluster: cluster.name,
      runId: 'run-a',
      restore: { key: 'acme/prod', previous: grantOf('acme', 200) },
    });
    let state = await repository.getCluster(cluster.name);
    expect(state?.tenantRuns).toEqual(['run-b']);
    expect(state?.tenants['acme/prod']).toEqual(grantOf('acme', 200));

    await repository.leaveCluster({
      cluster: cluster.name,
      runId: 'run-b',
      restore: { key: 'beta/prod', previous: undefined },
    });
    state = await repository.getCluster(cluster.name);
    expect(state?.tenantRuns).toEqual([]);
    expect(state?.tenants).toEqual({ 'acme/prod': grantOf('acme', 200) });

    const gone = freshNames().environment;
    await repository.leaveCluster({ cluster: gone, runId: 'run-a' });
    expect(await repository.getCluster(gone)).toBeUndefined();
  });
});

describe('cluster reads', () => {
  it('lists the registered clusters by name with their tenants, skipping entries that are not grants', async () => {
    const cluster = await readyCluster(', tenants = :tenants, tenantRuns = :runs', {
      ':tenants': { 'acme/prod': grantOf('acme', 1000), broken: { organization: 'x' } },
      ':runs': new Set(['run-z', 'run-y']),
    });
    const state = await repository.getCluster(cluster.name);
    expect(state?.tenants).toEqual({ 'acme/prod': grantOf('acme', 1000) });
    expect(state?.tenantRuns).toEqual(['run-y', 'run-z']);
    expect(await repository.getCluster(freshNames().environment)).toBeUndefined();

    const names: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const listed = await repository.listClusters({ limit: 1, ...(cursor ? { cursor } : {}) });
      names.push(...listed.items.map((item) => item.record.environment));
      cursor = listed.cursor;
      if (!cursor) break;
    }
    expect(names).toContain(cluster.name);
    expect(names).toEqual([...names].sort());
  });
});

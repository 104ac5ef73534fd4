/**
 * The organization's quota ceiling under concurrency, through the API's handlers, dynalite and the
 * synthesized workflow: PUTs of different environments sent at once, whose sum exceeds the
 * ceiling, are decided by the conditional write on the organization item — exactly those that fit
 * are accepted, the others are refused 422 with nothing of theirs written. A teardown gives the
 * environment's grant back; a spec change that shrinks a quota gives back the difference.
 */

import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, freshName, member, specFor } from '../../support/api-fixtures.js';
import { type ApiHarness, type ApiResponse, startApiHarness } from '../../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});

afterAll(async () => {
  await api?.stop();
});

function specWith(
  org: string,
  env: string,
  quota: { cpu: string; memory: string; pods: number; storage?: string; persistentVolumeClaims?: number },
) {
  return { ...specFor(org, env), namespaces: [{ name: 'payments', quota }] };
}

function put(org: string, env: string, body: unknown): Promise<ApiResponse> {
  return api.call('put-environment', { identity: member('org-admin', org), path: { org, env }, body });
}

/** Every stored item of one environment (its item, runs, audit entries). */
async function itemsOf(org: string, env: string): Promise<Record<string, unknown>[]> {
  return (await api.scan()).filter(
    (item) =>
      (item.pk === `ORG#${org}` && item.sk === `ENV#${env}`) ||
      item.pk === `ENV#${org}#${env}` ||
      (item.pk === `AUDIT#${org}` && item.environment === env),
  );
}

async function allocationOf(org: string) {
  const organization = await api.repository.getOrganization(org);
  if (!organization?.allocation) throw new Error(`organization ${org} has no allocation`);
  return organization.allocation;
}

describe('organization quota ceiling under concurrent PUTs', () => {
  it('accepts exactly the environments that fit when PUTs of different environments race, refusing the rest with nothing written', async () => {
    const org = await createOrganization(api, freshName('org'), {
      displayName: 'Racing',
      quota: { cpu: '6', memory: '12Gi', pods: 100 },
      maxEnvironments: 10,
    });
    const envs = Array.from({ length: 5 }, () => freshName('env'));
    const responses = await Promise.all(
      envs.map((env) => put(org, env, specWith(org, env, { cpu: '2', memory: '4Gi', pods: 10 }))),
    );
    await api.starter.settled();

    const accepted = envs.filter((_, i) => responses[i]?.status === 202);
    const refused = envs.filter((_, i) => responses[i]?.status === 422);
    expect(accepted).toHaveLength(3);
    expect(refused).toHaveLength(2);
    for (const env of refused) {
      const response = responses[envs.indexOf(env)];
      expect(response?.body.error?.code).toBe('quota.exceeded');
      expect(response?.body.error?.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: 'quota.cpu', resource: 'cpu', requested: '2', available: '0' }),
        ]),
      );
      expect(await itemsOf(org, env)).toEqual([]);
    }
    for (const env of accepted) {
      expect((await api.repository.getEnvironment(org, env))?.status).toBe('READY');
    }
    const allocation = await allocationOf(org);
    expect(allocation.totals).toEqual({
      cpuMillicores: 6000,
      memoryBytes: 12 * 2 ** 30,
      pods: 30,
      storageBytes: 0,
      persistentVolumeClaims: 0,
      environments: 3,
    });
    expect(Object.keys(allocation.grants).sort()).toEqual([...accepted].sort());
  });

  it('accepts exactly maxEnvironments of environments PUT at once', async () => {
    const org = await createOrganization(api, freshName('org'), {
      displayName: 'Few',
      quota: { cpu: '32', memory: '64Gi', pods: 300 },
      maxEnvironments: 2,
    });
    const envs = Array.from({ length: 4 }, () => freshName('env'));
    const responses = await Promise.all(
      envs.map((env) => put(org, env, specWith(org, env, { cpu: '1', memory: '1Gi', pods: 5 }))),
    );
    await api.starter.settled();

    expect(responses.map((r) => r.status).sort()).toEqual([202, 202, 422, 422]);
    for (const [i, env] of envs.entries()) {
      if (responses[i]?.status !== 422) continue;
      expect(responses[i]?.body.error?.details).toEqual([
        expect.objectContaining({ field: 'maxEnvironments', resource: 'environments', available: 0 }),
      ]);
      expect(await itemsOf(org, env)).toEqual([]);
    }
    expect((await allocationOf(org)).totals.environments).toBe(2);
  });

  it('gives a torn-down environment’s grant back, and a shrinking spec change the difference', async () => {
    const org = await createOrganization(api, freshName('org'), {
      displayName: 'Tight',
      quota: { cpu: '4', memory: '8Gi', pods: 100 },
      maxEnvironments: 10,
    });
    const [a, b, c] = [freshName('env'), freshName('env'), freshName('env')];
    const big = { cpu: '2', memory: '4Gi', pods: 10 };
    for (const env of [a, b]) {
      expect((await put(org, env, specWith(org, env, big))).status).toBe(202);
      await api.starter.settled();
    }
    // Full: a third environment is refused.
    expect((await put(org, c, specWith(org, c, { cpu: '1', memory: '1Gi', pods: 1 }))).status).toBe(422);

    // A shrinks to 1 CPU (a quota-only change, its ArgoCD phase alone): 1 CPU comes free.
    const shrunk = await put(org, a, specWith(org, a, { cpu: '1', memory: '4Gi', pods: 10 }));
    expect(shrunk.status).toBe(202);
    await api.starter.settled();
    expect((await allocationOf(org)).totals.cpuMillicores).toBe(3000);
    expect((await allocationOf(org)).grants[a]).toEqual({
      cpuMillicores: 1000,
      memoryBytes: 4 * 2 ** 30,
      pods: 10,
      storageBytes: 0,
      persistentVolumeClaims: 0,
    });
    // Memory is still full (8Gi of 8Gi): c needs memory too, so it still does not fit …
    expect((await put(org, c, specWith(org, c, { cpu: '1', memory: '1Gi', pods: 1 }))).status).toBe(422);

    // … until B is torn down: its whole grant comes back when it is DELETED.
    const teardown = await api.call('delete-environment', {
      identity: member('org-admin', org),
      path: { org, env: b },
    });
    expect(teardown.status).toBe(202);
    await api.starter.settled();
    expect((await api.repository.getEnvironment(org, b))?.status).toBe('DELETED');
    const afterTeardown = await allocationOf(org);
    expect(afterTeardown.grants[b]).toBeUndefined();
    expect(afterTeardown.totals).toEqual({
      cpuMillicores: 1000,
      memoryBytes: 4 * 2 ** 30,
      pods: 10,
      storageBytes: 0,
      persistentVolumeClaims: 0,
      environments: 1,
    });
    expect((await put(org, c, specWith(org, c, { cpu: '3', memory: '4Gi', pods: 1 }))).status).toBe(202);
    await api.starter.settled();
    expect((await allocationOf(org)).totals.cpuMillicores).toBe(4000);
  });

  it('backfills the allocation of an organization recorded before allocations from its environments', async () => {
    const org = await createOrganization(api, freshName('org'), {
      displayName: 'Older',
      quota: { cpu: '4', memory: '8Gi', pods: 100 },
      maxEnvironments: 10,
    });
    const first = freshName('env');
    expect((await put(org, first, specWith(org, first, { cpu: '3', memory: '2Gi', pods: 5 }))).status).toBe(
      202,
    );
    await api.starter.settled();
    // As an organization item written before allocations existed: no allocation attributes.
    await api.workflow.dynamo.client.send(
      new UpdateItemCommand({
        TableName: api.workflow.dynamo.tableName,
        Key: { pk: { S: `ORG#${org}` }, sk: { S: 'ORG' } },
        UpdateExpression:
          'REMOVE quotaGrants, allocatedCpuMillicores, allocatedMemoryBytes, allocatedPods, allocatedEnvironments',
      }),
    );
    expect((await api.repository.getOrganization(org))?.allocation).toBeUndefined();

    const second = freshName('env');
    const refused = await put(org, second, specWith(org, second, { cpu: '2', memory: '2Gi', pods: 5 }));
    expect(refused.status).toBe(422);
    expect(refused.body.error?.details).toEqual([
      expect.objectContaining({ field: 'quota.cpu', requested: '2', available: '1' }),
    ]);
    expect((await allocationOf(org)).grants).toEqual({
      [first]: {
        cpuMillicores: 3000,
        memoryBytes: 2 * 2 ** 30,
        pods: 5,
        storageBytes: 0,
        persistentVolumeClaims: 0,
      },
    });
  });

  it('refuses a PUT over the storage ceiling (422 naming storage, nothing written) and counts claims', async () => {
    const org = await createOrganization(api, freshName('org'), {
      displayName: 'Disks',
      quota: { cpu: '32', memory: '64Gi', pods: 300, storage: '100Gi', persistentVolumeClaims: 5 },
      maxEnvironments: 10,
    });
    const organization = await api.call('list-organizations', {
      identity: member('org-admin', org),
      path: {},
    });
    expect(organization.body.items).toEqual([
      expect.objectContaining({
        quota: expect.objectContaining({ storage: '100Gi', persistentVolumeClaims: 5 }),
      }),
    ]);
    const [a, b, c] = [freshName('env'), freshName('env'), freshName('env')];
    const quota = { cpu: '1', memory: '1Gi', pods: 5 };
    expect(
      (await put(org, a, specWith(org, a, { ...quota, storage: '60Gi', persistentVolumeClaims: 2 }))).status,
    ).toBe(202);
    await api.starter.settled();

    const refused = await put(
      org,
      b,
      specWith(org, b, { ...quota, storage: '50Gi', persistentVolumeClaims: 1 }),
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error?.code).toBe('quota.exceeded');
    expect(refused.body.error?.details).toEqual([
      expect.objectContaining({
        field: 'quota.storage',
        resource: 'storage',
        requested: '50Gi',
        available: '40Gi',
      }),
    ]);
    expect(await itemsOf(org, b)).toEqual([]);

    const claims = await put(
      org,
      c,
      specWith(org, c, { ...quota, storage: '10Gi', persistentVolumeClaims: 4 }),
    );
    expect(claims.status).toBe(422);
    expect(claims.body.error?.details).toEqual([
      expect.objectContaining({ field: 'quota.persistentVolumeClaims', requested: 4, available: 3 }),
    ]);
    expect((await allocationOf(org)).totals).toEqual(
      expect.objectContaining({ storageBytes: 60 * 2 ** 30, persistentVolumeClaims: 2, environments: 1 }),
    );
  });

  it('changes a grant recorded before storage counted (its storage attributes absent)', async () => {
    const org = await createOrganization(api, freshName('org'), {
      displayName: 'Before storage',
      quota: { cpu: '4', memory: '8Gi', pods: 100, storage: '10Gi' },
      maxEnvironments: 10,
    });
    const env = freshName('env');
    expect((await put(org, env, specWith(org, env, { cpu: '1', memory: '1Gi', pods: 5 }))).status).toBe(202);
    await api.starter.settled();
    await api.workflow.dynamo.client.send(
      new UpdateItemCommand({
        TableName: api.workflow.dynamo.tableName,
        Key: { pk: { S: `ORG#${org}` }, sk: { S: 'ORG' } },
        UpdateExpression:
          'REMOVE allocatedStorageBytes, allocatedPersistentVolumeClaims, quotaGrants.#env.storageBytes, quotaGrants.#env.persistentVolumeClaims',
        ExpressionAttributeNames: { '#env': env },
      }),
    );

    const grown = await put(
      org,
      env,
      specWith(org, env, { cpu: '2', memory: '1Gi', pods: 5, storage: '4Gi' }),
    );
    expect(grown.status).toBe(202);
    await api.starter.settled();
    expect((await allocationOf(org)).totals).toEqual(
      expect.objectContaining({ cpuMillicores: 2000, storageBytes: 4 * 2 ** 30, environments: 1 }),
    );
  });
});

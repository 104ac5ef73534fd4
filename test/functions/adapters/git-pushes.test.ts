/**
 * The Git push records (functions/adapters/dynamodb/git-pushes.ts) against dynalite: the claim of
 * (environment, commit) that deduplicates push runs, what became of it, the push queued behind a
 * held lock, and the unrouted pushes listed by day. Before, only the run starter's tests through
 * the whole push path reached them.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUSH_RETENTION_SECONDS } from '../../../functions/adapters/dynamodb/git-pushes.js';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import type { GitPushed } from '../../../functions/domain/git-push.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { COMMIT, freshNames, seedRun } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;
const NOW = new Date('2026-12-01T10:00:00.000Z');

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName, now: () => NOW });
});

afterAll(async () => {
  await dynamo.stop();
});

const push = (after: string, deliveryId = `delivery-${after}`): GitPushed => ({
  source: 'github',
  repository: 'github.com/acme/platform-gitops',
  branch: 'main',
  before: '0'.repeat(40),
  after,
  changedPaths: ['tenants/acme/prod/values.yaml'],
  deliveryId,
  pushedAt: '2026-12-01T09:59:00.000Z',
});

const rawItem = async (key: { pk: string; sk: string }) =>
  (await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tableName, Key: key }))).Item;

describe('claimPush and markPush', () => {
  it('claims a new push once, recording it, and answers a later delivery with the record of the one that handled it', async () => {
    const ref = { ...freshNames(), commit: 'c'.repeat(40) };
    expect(await repository.claimPush(ref, { source: 'github', deliveryId: 'd-1' })).toEqual({
      claimed: true,
    });
    expect(await repository.getPush(ref)).toEqual({
      ...ref,
      status: 'claimed',
      source: 'github',
      deliveryId: 'd-1',
      at: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    expect((await rawItem(keys.push(ref.organization, ref.environment, ref.commit)))?.expiresAt).toBe(
      Math.floor(NOW.getTime() / 1000) + PUSH_RETENTION_SECONDS,
    );

    // An attempt that stopped before deciding: the next one carries on.
    expect(await repository.claimPush(ref, { source: 'github', deliveryId: 'd-2' })).toEqual({
      claimed: true,
    });
    await repository.markPush(ref, { status: 'failed', reason: 'StartExecution throttled' });
    expect(await repository.claimPush(ref, { source: 'github', deliveryId: 'd-3' })).toEqual({
      claimed: true,
    });

    await repository.markPush(ref, { status: 'started', runId: 'run-1' });
    const again = await repository.claimPush(ref, { source: 'gitlab', deliveryId: 'd-4' });
    expect(again).toEqual({
      claimed: false,
      record: expect.objectContaining({ status: 'started', runId: 'run-1', deliveryId: 'd-1' }),
    });
  });

  it('records an outcome without a run id or reason as just the status', async () => {
    const ref = { ...freshNames(), commit: 'd'.repeat(40) };
    await repository.claimPush(ref, { source: 'codecommit', deliveryId: 'd-1' });
    await repository.markPush(ref, { status: 'unchanged' });
    const record = await repository.getPush(ref);
    expect(record).toMatchObject({ status: 'unchanged' });
    expect(record?.runId).toBeUndefined();
    expect(record?.reason).toBeUndefined();
  });

  it('never creates a push record by marking one that was not claimed', async () => {
    const ref = { ...freshNames(), commit: 'e'.repeat(40) };
    await repository.markPush(ref, { status: 'started', runId: 'run-1' });
    expect(await repository.getPush(ref)).toBeUndefined();
  });
});

describe('queued pushes', () => {
  it('queues a push only while a run holds the lock, the latest replacing the earlier but never by the push the queued one followed, and clears only its own commit', async () => {
    const run = await seedRun(repository);
    const { organization, environment } = run;
    expect(await repository.queuePush(organization, environment, push('1'.repeat(40)))).toBe('not-locked');
    await repository.startRun({ ...run, commit: COMMIT, spec: run.spec });
    expect(await repository.getQueuedPush(organization, environment)).toBeUndefined();

    expect(await repository.queuePush(organization, environment, push('1'.repeat(40)))).toBe('queued');
    expect(await repository.queuePush(organization, environment, push('2'.repeat(40)))).toBe('queued');
    const { changedPaths: _paths, ...latest } = push('2'.repeat(40));
    expect(await repository.getQueuedPush(organization, environment)).toEqual({
      ...latest,
      queuedAt: NOW.toISOString(),
    });

    // The push right after the queued one, then a late delivery of the queued one's predecessor.
    const after = { ...push('3'.repeat(40)), before: '2'.repeat(40) };
    expect(await repository.queuePush(organization, environment, after)).toBe('queued');
    expect(await repository.queuePush(organization, environment, push('2'.repeat(40)))).toBe('superseded');
    expect((await repository.getQueuedPush(organization, environment))?.after).toBe('3'.repeat(40));
    expect(await repository.queuePush(organization, environment, push('4'.repeat(40)))).toBe('queued');
    expect(await repository.queuePush(organization, environment, push('2'.repeat(40)))).toBe('queued');

    expect(await repository.clearQueuedPush(organization, environment, '1'.repeat(40))).toBe(false);
    expect((await repository.getQueuedPush(organization, environment))?.after).toBe('2'.repeat(40));
    expect(await repository.clearQueuedPush(organization, environment, '2'.repeat(40))).toBe(true);
    expect(await repository.getQueuedPush(organization, environment)).toBeUndefined();
  });
});

describe('unrouted pushes', () => {
  it('records an unrouted push with its target, lists the day’s records oldest first, up to the limit', async () => {
    const day = NOW.toISOString().slice(0, 10);
    const before = (await repository.listUnrouted(day, 1000)).length;
    const names = freshNames();
    await repository.recordUnrouted({
      push: push('3'.repeat(40), 'u-1'),
      reason: 'no environment follows it',
    });
    await repository.recordUnrouted({
      push: push('4'.repeat(40), 'u-2'),
      reason: 'StartExecution failed',
      ...names,
    });
    const listed = await repository.listUnrouted(day, 1000);
    expect(listed).toHaveLength(before + 2);
    const mine = listed.filter((item) => item.deliveryId === 'u-1' || item.deliveryId === 'u-2');
    expect(mine).toEqual([
      expect.objectContaining({
        kind: 'git-push',
        source: 'github',
        repository: 'github.com/acme/platform-gitops',
        branch: 'main',
        commit: '3'.repeat(40),
        reason: 'no environment follows it',
        at: NOW.toISOString(),
        expiresAt: Math.floor(NOW.getTime() / 1000) + PUSH_RETENTION_SECONDS,
      }),
      expect.objectContaining({ commit: '4'.repeat(40), ...names }),
    ]);
    expect(mine[0]?.organization).toBeUndefined();
    expect(mine[0]?.sk).toContain('u-1#-');
    expect(mine[1]?.sk).toContain(`u-2#${names.organization}/${names.environment}`);
    expect(await repository.listUnrouted(day, 1)).toHaveLength(1);
    expect(await repository.listUnrouted('2020-01-01')).toEqual([]);
  });
});

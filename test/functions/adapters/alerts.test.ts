/**
 * The alert items and their outbox (functions/adapters/dynamodb/alerts.ts) against dynalite: the
 * outbox entry written with an alert and kept until it is delivered, a re-recorded undelivered
 * alert getting its entry back, the restore from an outbox copy, the claim's lease and attempts,
 * a release with its error, and the cluster's own alert list. Before, the alert deliverer's tests
 * through the whole publish path reached most of these.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_RETENTION_SECONDS } from '../../../functions/adapters/dynamodb/alerts.js';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { type Alert, buildPhaseFailedAlert } from '../../../functions/domain/alert.js';
import { CLUSTER_ORGANIZATION } from '../../../functions/domain/cluster.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { freshNames } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;
let now = new Date('2026-12-01T10:00:00.000Z');

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName, now: () => now });
});

afterAll(async () => {
  await dynamo.stop();
});

let runs = 0;
/** A phase-failed alert of its own run (the alert id derives from the run and phase). */
const alertOf = (names = freshNames(), occurredAt = '2026-12-01T09:00:00.000Z'): Alert => {
  runs += 1;
  return buildPhaseFailedAlert({
    ...names,
    runId: `${names.environment}.run-${runs}`,
    failure: { phase: 'terraform', cause: 'exit 1', retryable: false },
    occurredAt,
  });
};

const inOutbox = async (alertId: string) =>
  (await repository.listAlertOutbox(1000)).some((entry) => entry.alert.id === alertId);

const raw = async (key: { pk: string; sk: string }) =>
  (await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tableName, Key: key }))).Item;

describe('recordAlert and the outbox', () => {
  it('writes the outbox entry with the alert, expiring both 90 days after it occurred', async () => {
    const alert = alertOf();
    await repository.recordAlert(alert);
    const entry = (await repository.listAlertOutbox(1000)).find((e) => e.alert.id === alert.id);
    expect(entry).toEqual({ alert, recordedAt: now.toISOString() });
    const expiry = Math.floor(Date.parse(alert.occurredAt) / 1000) + ALERT_RETENTION_SECONDS;
    expect((await raw(keys.alert(alert.id)))?.expiresAt).toBe(expiry);
    expect((await raw({ pk: `ALERT#${alert.id}`, sk: 'OUTBOX' }))?.expiresAt).toBe(expiry);
  });

  it('puts a lost outbox entry back when an undelivered alert is recorded again, and none for a delivered one', async () => {
    const alert = alertOf();
    await repository.recordAlert(alert);
    await repository.dropAlertOutbox(alert.id);
    expect(await inOutbox(alert.id)).toBe(false);
    expect(await repository.recordAlert(alert)).toMatchObject({
      stored: false,
      alert: { delivery: { status: 'pending' } },
    });
    expect(await inOutbox(alert.id)).toBe(true);

    const claimed = await repository.claimAlertDelivery({ alertId: alert.id, claim: 'c1', leaseSeconds: 60 });
    expect(claimed).toBeDefined();
    expect(await repository.completeAlertDelivery({ alertId: alert.id, claim: 'c1', messageId: 'm-1' })).toBe(
      true,
    );
    expect(await inOutbox(alert.id)).toBe(false);
    expect(await repository.recordAlert(alert)).toMatchObject({
      stored: false,
      alert: { delivery: { status: 'delivered' } },
    });
    expect(await inOutbox(alert.id)).toBe(false);
  });

  it('lists the outbox oldest first, up to the limit', async () => {
    const first = alertOf();
    now = new Date('2026-12-01T10:00:01.000Z');
    const second = alertOf();
    await repository.recordAlert(first);
    now = new Date('2026-12-01T10:00:02.000Z');
    await repository.recordAlert(second);
    const ids = (await repository.listAlertOutbox(1000)).map((entry) => entry.alert.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
    expect(await repository.listAlertOutbox(1)).toHaveLength(1);
  });
});

describe('restoreAlert', () => {
  it('records a missing alert from its outbox copy, pending, and answers an existing one as it is', async () => {
    const alert = alertOf();
    expect(await repository.restoreAlert(alert)).toEqual({
      ...alert,
      delivery: { status: 'pending', attempts: 0 },
    });
    expect(await repository.getAlert(alert.id)).toMatchObject({
      id: alert.id,
      delivery: { status: 'pending' },
    });
    await repository.claimAlertDelivery({ alertId: alert.id, claim: 'c1', leaseSeconds: 60 });
    expect(await repository.restoreAlert(alert)).toMatchObject({
      delivery: { status: 'publishing', attempts: 1 },
    });
  });
});

describe('delivery claims', () => {
  it('claims a pending alert with a lease and one attempt more, and a publishing one only after its lease ended', async () => {
    const alert = alertOf();
    await repository.recordAlert(alert);
    const first = await repository.claimAlertDelivery({ alertId: alert.id, claim: 'c1', leaseSeconds: 60 });
    expect(first?.delivery).toMatchObject({
      status: 'publishing',
      attempts: 1,
      lastAttemptAt: now.toISOString(),
    });
    const stored = await raw(keys.alert(alert.id));
    expect(stored?.delivery).toMatchObject({
      claim: 'c1',
      leaseUntil: new Date(now.getTime() + 60_000).toISOString(),
    });

    const atLease = now;
    now = new Date(atLease.getTime() + 59_000);
    expect(
      await repository.claimAlertDelivery({ alertId: alert.id, claim: 'c2', leaseSeconds: 60 }),
    ).toBeUndefined();
    now = new Date(atLease.getTime() + 60_000);
    const second = await repository.claimAlertDelivery({ alertId: alert.id, claim: 'c2', leaseSeconds: 60 });
    expect(second?.delivery).toMatchObject({ status: 'publishing', attempts: 2 });
    // The first deliverer's claim is over: it can neither complete nor release.
    expect(await repository.completeAlertDelivery({ alertId: alert.id, claim: 'c1' })).toBe(false);
    expect(
      await repository.releaseAlertDelivery({
        alertId: alert.id,
        claim: 'c1',
        error: 'x',
        nextAttemptAt: 'y',
      }),
    ).toBe(false);
  });

  it('releases a failed publish back to pending with its error and next attempt, for the claim holder only', async () => {
    const alert = alertOf();
    await repository.recordAlert(alert);
    await repository.claimAlertDelivery({ alertId: alert.id, claim: 'c1', leaseSeconds: 60 });
    const next = '2026-12-01T10:05:00.000Z';
    expect(
      await repository.releaseAlertDelivery({
        alertId: alert.id,
        claim: 'c1',
        error: 'SNS throttled',
        nextAttemptAt: next,
      }),
    ).toBe(true);
    const released = await repository.getAlert(alert.id);
    expect(released?.delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'SNS throttled',
      nextAttemptAt: next,
    });
    expect((await raw(keys.alert(alert.id)))?.delivery).not.toHaveProperty('claim');
    expect(await inOutbox(alert.id)).toBe(true);

    // Claimed again and delivered: the error and the next attempt go, the message id is kept.
    await repository.claimAlertDelivery({ alertId: alert.id, claim: 'c2', leaseSeconds: 60 });
    expect(await repository.completeAlertDelivery({ alertId: alert.id, claim: 'c2', messageId: 'm-9' })).toBe(
      true,
    );
    const delivered = (await raw(keys.alert(alert.id)))?.delivery;
    expect(delivered).toEqual({
      status: 'delivered',
      attempts: 2,
      lastAttemptAt: now.toISOString(),
      deliveredAt: now.toISOString(),
      messageId: 'm-9',
    });
  });

  it('completes a delivery without a message id, and claims nothing for an alert that does not exist', async () => {
    const alert = alertOf();
    await repository.recordAlert(alert);
    await repository.claimAlertDelivery({ alertId: alert.id, claim: 'c1', leaseSeconds: 60 });
    expect(await repository.completeAlertDelivery({ alertId: alert.id, claim: 'c1' })).toBe(true);
    expect((await raw(keys.alert(alert.id)))?.delivery).not.toHaveProperty('messageId');
    expect(
      await repository.claimAlertDelivery({ alertId: 'no-such-alert', claim: 'c1', leaseSeconds: 60 }),
    ).toBeUndefined();
    expect(await raw(keys.alert('no-such-alert'))).toBeUndefined();
  });

  it('reads an alert written before deliveries were recorded as delivered', async () => {
    const alert = alertOf();
    await repository.recordAlert(alert);
    await dynamo.documentClient.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: keys.alert(alert.id),
        UpdateExpression: 'REMOVE delivery',
      }),
    );
    expect((await repository.getAlert(alert.id))?.delivery).toEqual({ status: 'delivered', attempts: 1 });
  });
});

describe('alert lists', () => {
  it('lists a shared cluster’s own alerts on their own partition, newest first, page by page', async () => {
    const cluster = freshNames().environment;
    const names = { organization: CLUSTER_ORGANIZATION, environment: cluster };
    const older = alertOf(names, '2026-12-01T08:00:00.000Z');
    const newer = alertOf(names, '2026-12-01T09:00:00.000Z');
    await repository.recordAlert(older);
    await repository.recordAlert(newer);
    const page = await repository.listClusterAlerts(cluster, { limit: 1 });
    expect(page.items.map((a) => a.id)).toEqual([newer.id]);
    const rest = await repository.listClusterAlerts(cluster, { limit: 1, cursor: page.cursor });
    expect(rest.items.map((a) => a.id)).toEqual([older.id]);
    expect((await repository.listAlerts(CLUSTER_ORGANIZATION)).items.map((a) => a.id)).not.toContain(
      newer.id,
    );
  });
});

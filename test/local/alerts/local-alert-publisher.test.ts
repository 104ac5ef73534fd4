import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlertPublisher } from '../../../functions/adapters/sns/alert-publisher.js';
import { type Alert, buildPhaseFailedAlert, createAlert } from '../../../functions/domain/alert.js';
import { TransientPublishError } from '../../../functions/domain/errors.js';
import { parseFilterPolicy } from '../../../local/alerts/filter-policy.js';
import {
  type AlertLine,
  createLocalAlertPublisher,
  type DeliveryRecord,
  type LocalAlertPublisherOptions,
} from '../../../local/alerts/local-alert-publisher.js';
import type { WebhookSubscription } from '../../../local/alerts/subscriptions.js';
import { type FakeSns, startFakeSns } from '../../support/fake-sns.js';
import { closeServer, listenOnLoopback } from '../../support/loopback.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const FAST = { timeoutMs: 500, retries: 2, backoffMs: 10, maxBackoffMs: 50 };

const phaseFailed = (environment = 'prod'): Alert =>
  buildPhaseFailedAlert({
    organization: 'acme',
    environment,
    runId: `acme-${environment}-0001-abcdef12`,
    failure: {
      phase: 'ansible',
      cause: 'ansible-playbook site.yml: exit status 2',
      retryable: false,
      buildId: 'slipway-ansible:fake-0001',
      logLink: 'file:///tmp/slipway/builds/slipway-ansible-fake-0001.log',
    },
    tier: 'prod',
    occurredAt: '2026-12-01T20:00:00.000Z',
  });

const runSucceeded: Alert = createAlert({
  kind: 'run.succeeded',
  severity: 'info',
  organization: 'acme',
  environment: 'dev',
  run: 'acme-dev-0001-abcdef12',
  summary: 'Run succeeded',
  detail: 'All phases succeeded.',
  links: [],
  occurredAt: '2026-12-01T20:00:01.000Z',
  dedupKey: 'run.succeeded:acme-dev-0001-abcdef12',
});

/** Organization-wide: SNS gets no `environment` attribute for it. */
const quotaExceeded: Alert = createAlert({
  kind: 'quota.exceeded',
  severity: 'warning',
  organization: 'acme',
  summary: 'Organization quota exceeded',
  detail: 'cpu 33/32',
  links: [],
  occurredAt: '2026-12-01T20:00:02.000Z',
  dedupKey: 'quota.exceeded:acme:cpu',
});

async function readLines(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-alerts-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const publisherWith = (
  subscriptions: WebhookSubscription[],
  options: Partial<LocalAlertPublisherOptions> = {},
) => createLocalAlertPublisher({ dataDir, subscriptions, delivery: FAST, ...options });

describe('local alert publisher: alerts.jsonl', () => {
  let sns: FakeSns;
  beforeAll(async () => {
    sns = await startFakeSns();
  });
  afterAll(async () => {
    await sns.stop();
  });

  it('appends each alert with exactly the message and attributes the SNS publisher sends', async () => {
    const local = publisherWith([]);
    const real = createAlertPublisher({
      client: sns.client,
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    });
    const alerts = [phaseFailed(), quotaExceeded];

    for (const alert of alerts) {
      await local.publish(alert);
      await real.publish(alert);
    }

    const lines = (await readLines(local.alertsFile)) as AlertLine[];
    expect(lines).toHaveLength(2);
    lines.forEach((line, index) => {
      const published = sns.publishes.at(index - alerts.length);
      expect(line.message).toEqual(JSON.parse(published?.message ?? 'null'));
      expect(line.attributes).toEqual(
        Object.fromEntries(
          Object.entries(published?.attributes ?? {}).map(([name, { value }]) => [name, value]),
        ),
      );
      expect(Object.values(published?.attributes ?? {}).every(({ dataType }) => dataType === 'String')).toBe(
        true,
      );
    });
    expect(lines[0]).toEqual({
      message: phaseFailed(),
      attributes: { kind: 'phase.failed', severity: 'critical', organization: 'acme', environment: 'prod' },
    });
    // An organization-wide alert carries no environment attribute, as SNS would get it.
    expect(lines[1]?.attributes).toEqual({
      kind: 'quota.exceeded',
      severity: 'warning',
      organization: 'acme',
    });
  });

  it('fails the next publishes as SNS down would (TransientPublishError, nothing written), then recovers', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const publisher = publisherWith([{ url: receiver.url, source: 'test' }]);
      publisher.failNext(2);

      await expect(publisher.publish(phaseFailed())).rejects.toBeInstanceOf(TransientPublishError);
      await expect(publisher.publish(phaseFailed())).rejects.toThrow(/simulated/);
      const { messageId } = await publisher.publish(phaseFailed());
      await publisher.settled();

      expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(await readLines(publisher.alertsFile)).toHaveLength(1);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it('throws TransientPublishError when alerts.jsonl cannot be written', async () => {
    const notADirectory = join(dataDir, 'file');
    await writeFile(notADirectory, 'x');
    const publisher = createLocalAlertPublisher({ dataDir: notADirectory });

    const publishing = publisher.publish(phaseFailed());

    await expect(publishing).rejects.toBeInstanceOf(TransientPublishError);
    await expect(publishing).rejects.toThrow(/could not be written/);
  });

  it('keeps concurrent publishes as whole lines', async () => {
    const publisher = publisherWith([]);
    const alerts = Array.from({ length: 20 }, (_, index) => phaseFailed(`env-${index}`));

    await Promise.all(alerts.map((alert) => publisher.publish(alert)));

    const lines = (await readLines(publisher.alertsFile)) as AlertLine[];
    expect(lines.map((line) => line.message.environment).sort()).toEqual(
      alerts.map((alert) => alert.environment).sort(),
    );
  });
});

describe('local alert publisher: webhooks', () => {
  let critical: WebhookReceiver;
  let notInfo: WebhookReceiver;
  let everything: WebhookReceiver;
  beforeEach(async () => {
    [critical, notInfo, everything] = await Promise.all([
      startWebhookReceiver(),
      startWebhookReceiver(),
      startWebhookReceiver(),
    ]);
  });
  afterEach(async () => {
    await Promise.all([critical.stop(), notInfo.stop(), everything.stop()]);
  });

  it('POSTs the alerts.jsonl line as JSON only to the subscriptions whose filter policy matches', async () => {
    const publisher = publisherWith([
      { url: critical.url, source: 'critical', filter: parseFilterPolicy({ severity: ['critical'] }) },
      {
        url: notInfo.url,
        source: 'not-info',
        filter: parseFilterPolicy({ severity: [{ 'anything-but': ['info'] }] }),
      },
      { url: everything.url, source: 'everything' },
    ]);

    for (const alert of [phaseFailed(), runSucceeded, quotaExceeded]) await publisher.publish(alert);
    await publisher.settled();

    const lines = await readFile(publisher.alertsFile, 'utf8').then((text) => text.trimEnd().split('\n'));
    const kinds = (receiver: WebhookReceiver) =>
      receiver.received.map((request) => (JSON.parse(request.body) as AlertLine).message.kind).sort();
    expect(kinds(critical)).toEqual(['phase.failed']);
    expect(kinds(notInfo)).toEqual(['phase.failed', 'quota.exceeded']);
    expect(kinds(everything)).toEqual(['phase.failed', 'quota.exceeded', 'run.succeeded']);
    for (const request of everything.received) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/hook');
      expect(request.contentType).toBe('application/json');
      expect(lines).toContain(request.body);
    }
    expect(publisher.deliveries()).toHaveLength(6);
    expect(publisher.deliveries().every((delivery) => delivery.delivered)).toBe(true);
  });

  it('retries a 500 answer and counts the alert delivered exactly once', async () => {
    const publisher = publisherWith([{ url: everything.url, source: 'everything' }]);
    everything.answerNext(500);

    const { messageId } = await publisher.publish(phaseFailed());
    await publisher.settled();

    expect(everything.received).toHaveLength(2);
    expect(everything.received[0]?.body).toBe(everything.received[1]?.body);
    expect(publisher.deliveries()).toEqual([
      expect.objectContaining({
        messageId,
        alertId: phaseFailed().id,
        url: everything.url,
        delivered: true,
        attempts: [{ status: 500 }, { status: 200 }],
      }),
    ]);
    const recorded = (await readLines(publisher.deliveriesFile)) as DeliveryRecord[];
    expect(recorded).toEqual(publisher.deliveries());
  });

  it('gives up after the bounded retries on repeated 5xx, and does not retry a 4xx', async () => {
    const publisher = publisherWith([
      { url: critical.url, source: 'always-503' },
      { url: notInfo.url, source: 'gone' },
    ]);
    critical.answerNext(503, 503, 503, 503);
    notInfo.answerNext(410);

    await publisher.publish(phaseFailed());
    await publisher.settled();

    expect(critical.received).toHaveLength(FAST.retries + 1);
    expect(notInfo.received).toHaveLength(1);
    const bySource = Object.fromEntries(publisher.deliveries().map((d) => [d.subscription, d]));
    expect(bySource['always-503']).toMatchObject({
      delivered: false,
      attempts: [{ status: 503 }, { status: 503 }, { status: 503 }],
    });
    expect(bySource.gone).toMatchObject({ delivered: false, attempts: [{ status: 410 }] });
  });
});

describe('local alert publisher: a dead webhook', () => {
  it('never fails the publish when nothing listens at the URL, and records the refused attempts', async () => {
    const server = createServer();
    const url = `${await listenOnLoopback(server)}/hook`;
    await closeServer(server);
    const publisher = publisherWith([{ url, source: 'dead' }]);

    const { messageId } = await publisher.publish(phaseFailed());
    await publisher.settled();

    expect(messageId).toBeTruthy();
    expect(await readLines(publisher.alertsFile)).toHaveLength(1);
    const [delivery] = publisher.deliveries();
    expect(delivery?.delivered).toBe(false);
    expect(delivery?.attempts).toHaveLength(FAST.retries + 1);
    expect(delivery?.attempts.every((attempt) => attempt.status === undefined && attempt.error)).toBe(true);
  });

  it('returns from publish before a hanging webhook answers, and bounds each attempt by the timeout', async () => {
    const hanging = await startWebhookReceiver({ hang: true });
    try {
      const publisher = publisherWith([{ url: hanging.url, source: 'hanging' }], {
        delivery: { ...FAST, timeoutMs: 200, retries: 1 },
      });

      await publisher.publish(phaseFailed());
      expect(publisher.deliveries()).toEqual([]);
      await publisher.settled();

      expect(hanging.received).toHaveLength(2);
      expect(publisher.deliveries()[0]).toMatchObject({
        delivered: false,
        attempts: [{ error: 'no answer within 200 ms' }, { error: 'no answer within 200 ms' }],
      });
    } finally {
      await hanging.stop();
    }
  });
});

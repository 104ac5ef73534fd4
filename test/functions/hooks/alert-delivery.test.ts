import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryUndeliveredAlerts } from '../../../functions/adapters/sns/alert-delivery.js';
import { createAlertPublisher } from '../../../functions/adapters/sns/alert-publisher.js';
import { buildPhaseFailedAlert } from '../../../functions/domain/alert.js';
import { UNDELIVERED_ALARM_SECONDS } from '../../../functions/domain/alert-delivery.js';
import { makePlatformAlarm } from '../../../functions/handlers/alerts/platform-alarm.js';
import { member } from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';
import { FakeBuilds } from '../../support/fake-builds.js';
import { freshNames, seedRun, startSeeded, workflowInput } from '../../support/fixtures.js';
import { runWorkflow, TOPIC_ARN } from '../../support/workflow-harness.js';

/*
 * Durable alert delivery against the real parts: the synthesized state machine with the real
 * handlers on dynalite, SNS as a local endpoint speaking its wire protocol (test/support/fake-sns.ts)
 * that answers 500 while "down" — a fault no AWS-free server would produce otherwise.
 */
let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(() => api.stop());

const later = (seconds: number) => () => new Date(Date.now() + seconds * 1000);

function deliveryDeps(now?: () => Date) {
  const { workflow } = api;
  return {
    repository: workflow.repository,
    publisher: createAlertPublisher({ client: workflow.sns.client, topicArn: TOPIC_ARN }),
    ...(now ? { now } : {}),
  };
}

function publishesOf(runId: string) {
  return api.workflow.sns.publishes.filter((publish) => publish.message.includes(runId));
}

async function alertsOf(organization: string) {
  const response = await api.call('list-alerts', {
    identity: member('viewer', organization),
    path: { org: organization },
  });
  expect(response.status).toBe(200);
  return response.body.items as Array<{ id: string; kind: string; delivery: Record<string, unknown> }>;
}

describe('alert delivery: SNS down during a phase failure, then back', () => {
  it('records the phase.failed alert undelivered, ends the run, and delivers it exactly once when SNS is back', async () => {
    const { workflow } = api;
    const run = await startSeeded(workflow.observer, await seedRun(workflow.observer));
    const builds = new FakeBuilds();
    builds.failNext(
      'ansible',
      'Error while executing command: ansible-playbook site.yml. Reason: exit status 2',
    );
    workflow.sns.failNext(1000);

    const execution = await runWorkflow(workflow, workflowInput(run), builds);

    // The run ends as what it is, a phase failure; the alert is not lost with SNS.
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.name).toBe('PhaseFailed');
    expect(publishesOf(run.runId)).toHaveLength(0);
    const recorded = await alertsOf(run.organization);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      kind: 'phase.failed',
      delivery: {
        status: 'pending',
        attempts: 1,
        lastError: expect.stringContaining('TransientPublishError'),
      },
    });
    expect((await workflow.repository.listAlertOutbox(1000)).map((entry) => entry.alert.id)).toContain(
      recorded[0]?.id,
    );

    // Still down: the retrier tries, fails, keeps it, and reports its age for the alarm.
    const stillDown = await retryUndeliveredAlerts(deliveryDeps(later(UNDELIVERED_ALARM_SECONDS + 60)));
    expect(stillDown.pending).toBeGreaterThanOrEqual(1);
    expect(stillDown.oldestPendingSeconds).toBeGreaterThan(UNDELIVERED_ALARM_SECONDS);
    expect(publishesOf(run.runId)).toHaveLength(0);

    // SNS is back: two retriers race; exactly one publish reaches SNS.
    workflow.sns.failNext(0);
    const passes = await Promise.all([
      retryUndeliveredAlerts(deliveryDeps(later(3600))),
      retryUndeliveredAlerts(deliveryDeps(later(3600))),
    ]);
    expect(passes.reduce((sum, pass) => sum + pass.delivered, 0)).toBe(1);
    expect(publishesOf(run.runId)).toHaveLength(1);
    expect(publishesOf(run.runId)[0]?.attributes).toMatchObject({
      kind: { dataType: 'String', value: 'phase.failed' },
      severity: { dataType: 'String', value: 'critical' },
      organization: { dataType: 'String', value: run.organization },
      environment: { dataType: 'String', value: run.environment },
    });

    // Later passes and a replayed workflow task publish nothing more.
    await retryUndeliveredAlerts(deliveryDeps(later(7200)));
    const delivered = await alertsOf(run.organization);
    expect(delivered[0]?.delivery).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(delivered[0]?.delivery.deliveredAt).toEqual(expect.any(String));
    expect(publishesOf(run.runId)).toHaveLength(1);
    expect((await workflow.repository.listAlertOutbox(1000)).map((entry) => entry.alert.id)).not.toContain(
      delivered[0]?.id,
    );
  });

  it('waits for the backoff before the next attempt', async () => {
    const { organization, environment } = freshNames();
    const alert = buildPhaseFailedAlert({
      organization,
      environment,
      runId: `${organization}.${environment}.000001.abcdef01`,
      failure: { phase: 'terraform', cause: 'exit 1', retryable: false },
      occurredAt: new Date().toISOString(),
    });
    api.workflow.sns.failNext(1);
    const { deliverAlert } = await import('../../../functions/adapters/sns/alert-delivery.js');
    expect(await deliverAlert(deliveryDeps(), alert)).toMatchObject({
      published: false,
      delivery: 'pending',
    });
    // Right away: not due yet (30 s backoff), nothing published.
    const early = await retryUndeliveredAlerts(deliveryDeps());
    expect(early.delivered).toBe(0);
    expect(api.workflow.sns.publishes.filter((p) => p.message.includes(alert.id))).toHaveLength(0);
    await retryUndeliveredAlerts(deliveryDeps(later(31)));
    expect(api.workflow.sns.publishes.filter((p) => p.message.includes(alert.id))).toHaveLength(1);
  });

  it('delivers an alert whose record was lost between the outbox entry and the alert item (crash)', async () => {
    const { organization, environment } = freshNames();
    const alert = buildPhaseFailedAlert({
      organization,
      environment,
      runId: `${organization}.${environment}.000001.abcdef02`,
      failure: { phase: 'ansible', cause: 'exit 2', retryable: false },
      occurredAt: new Date().toISOString(),
    });
    // The first write of recordAlert, alone: what a crash right after it leaves behind.
    await api.workflow.dynamo.documentClient.send(
      new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
        TableName: api.workflow.dynamo.tableName,
        Item: {
          pk: `ALERT#${alert.id}`,
          sk: 'OUTBOX',
          gsi1pk: 'ALERT_OUTBOX',
          gsi1sk: `${alert.occurredAt}#${alert.id}`,
          alertId: alert.id,
          recordedAt: alert.occurredAt,
          alert,
        },
      }),
    );
    expect(await api.workflow.repository.getAlert(alert.id)).toBeUndefined();

    await retryUndeliveredAlerts(deliveryDeps());

    expect(api.workflow.sns.publishes.filter((p) => p.message.includes(alert.id))).toHaveLength(1);
    expect(await api.workflow.repository.getAlert(alert.id)).toMatchObject({
      delivery: { status: 'delivered' },
    });
  });
});

describe('platform alarms relayed as platform.* alerts', () => {
  it('publishes an ALARM once as platform.alarm (organization _platform), its OK as platform.recovered, and nothing for INSUFFICIENT_DATA', async () => {
    const relay = makePlatformAlarm(deliveryDeps());
    const alarmName = `Slipway-AlarmsAlertsUndelivered-${Date.now()}`;
    const change = (value: string, previous: string, timestamp: string) => ({
      version: '0',
      id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: timestamp,
      region: 'eu-west-1',
      resources: [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`],
      detail: {
        alarmName,
        state: { value, reason: 'Threshold Crossed: 1 datapoint [1200.0] >= 900.0', timestamp },
        previousState: { value: previous, timestamp: '2026-12-01T22:00:00.000+0000' },
        configuration: {
          description: 'An alert is still not accepted by SNS 15 minutes after it was recorded.',
        },
      },
    });
    const alarm = change('ALARM', 'OK', '2026-12-01T23:00:00.000+0000');
    await relay(alarm);
    await relay(alarm);
    await relay(change('INSUFFICIENT_DATA', 'ALARM', '2026-12-01T23:10:00.000+0000'));
    await relay(change('OK', 'ALARM', '2026-12-01T23:20:00.000+0000'));
    const published = api.workflow.sns.publishes.filter((publish) => publish.message.includes(alarmName));
    expect(published.map((publish) => publish.attributes.kind?.value)).toEqual([
      'platform.alarm',
      'platform.recovered',
    ]);
    expect(published[0]?.attributes).toMatchObject({
      severity: { value: 'critical' },
      organization: { value: '_platform' },
    });
    expect(published[0]?.attributes).not.toHaveProperty('environment');
    await expect(relay({ source: 'aws.states' })).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

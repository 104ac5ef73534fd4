import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertPublisher } from '../../../functions/adapters/sns/alert-publisher.js';
import { buildPhaseFailedAlert } from '../../../functions/domain/alert.js';
import { TransientPublishError } from '../../../functions/domain/errors.js';
import { type FakeSns, startFakeSns } from '../../support/fake-sns.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:slipway-alerts';
let sns: FakeSns;

beforeAll(async () => {
  sns = await startFakeSns();
});

afterAll(async () => {
  await sns.stop();
});

const alert = buildPhaseFailedAlert({
  organization: 'acme',
  environment: 'prod',
  runId: 'acme.prod.000001.1a2b3c4d',
  failure: { phase: 'terraform', cause: 'exit 1', retryable: false },
  tier: 'prod',
  occurredAt: '2025-01-01T00:00:00.000Z',
});

describe('createAlertPublisher', () => {
  it('publishes the alert JSON with the filterable message attributes', async () => {
    const publisher = createAlertPublisher({ client: sns.client, topicArn: TOPIC });
    const { messageId } = await publisher.publish(alert);
    expect(messageId).toMatch(/^msg-/);
    const sent = sns.publishes.at(-1);
    expect(sent?.topicArn).toBe(TOPIC);
    expect(JSON.parse(sent?.message ?? '')).toEqual(alert);
    expect(sent?.attributes).toEqual({
      kind: { dataType: 'String', value: 'phase.failed' },
      severity: { dataType: 'String', value: 'critical' },
      organization: { dataType: 'String', value: 'acme' },
      environment: { dataType: 'String', value: 'prod' },
    });
  });

  it('reports an SNS server fault as TransientPublishError', async () => {
    const publisher = createAlertPublisher({ client: sns.client, topicArn: TOPIC });
    sns.failNext(1);
    const error = await publisher.publish(alert).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientPublishError);
    expect(error).toMatchObject({ name: 'TransientPublishError' });
  });
});

import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { readContext } from '../../infra/context.js';
import { slipwayTemplate, synthSlipway } from '../support/synth.js';

describe('Alerts', () => {
  it('publishes to one KMS-encrypted topic that refuses non-TLS publishers', async () => {
    const template = await slipwayTemplate();
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('creates each typed subscription with its filter policy on the alert attributes', () => {
    const { template } = synthSlipway({
      props: {
        alertSubscriptions: [
          { type: 'email', address: 'oncall@example.com', filter: { severity: ['critical'] } },
          {
            type: 'https',
            url: 'https://hooks.example.com/slipway',
            filter: { kind: [{ prefix: 'quota.' }] },
          },
          {
            type: 'sqs',
            queue: 'arn:aws:sqs:eu-west-1:123456789012:platform-alerts',
            filter: { organization: ['acme'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      FilterPolicy: { severity: ['critical'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      FilterPolicy: { kind: [{ prefix: 'quota.' }] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: 'arn:aws:sqs:eu-west-1:123456789012:platform-alerts',
      FilterPolicy: { organization: ['acme'] },
    });
  });

  it('refuses a filter that mixes exact values and prefixes on one attribute', () => {
    expect(() =>
      synthSlipway({
        props: {
          alertSubscriptions: [
            {
              type: 'email',
              address: 'a@example.com',
              filter: { kind: ['phase.failed', { prefix: 'quota.' }] },
            },
          ],
        },
      }),
    ).toThrow(/mixes exact values and prefixes/);
  });
});

describe('deploy-time context', () => {
  it('reads alert subscriptions from context JSON and names the bad field', () => {
    const context = (values: Record<string, unknown>) => readContext((key) => values[key]);
    expect(
      context({
        'slipway:alertSubscriptions':
          '[{"type":"email","address":"oncall@example.com","filter":{"severity":["critical"]}}]',
        'slipway:environmentRegions': 'eu-west-1, us-east-1',
      }),
    ).toMatchObject({
      alertSubscriptions: [
        { type: 'email', address: 'oncall@example.com', filter: { severity: ['critical'] } },
      ],
      environmentRegions: ['eu-west-1', 'us-east-1'],
    });
    expect(() =>
      context({ 'slipway:alertSubscriptions': '[{"type":"https","url":"http://insecure.example.com"}]' }),
    ).toThrow(/slipway:alertSubscriptions\[0\.url\]/);
    expect(() => context({ 'slipway:alertSubscriptions': '{not json' })).toThrow(/not valid JSON/);
  });
});

import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { type AlertSubscription, Alerts } from '../../../infra/constructs/alerts.js';
import { readContext } from '../../../infra/context.js';
import {
  type MessageAttributes,
  matchesFilterPolicy,
  parseFilterPolicy,
} from '../../../local/alerts/filter-policy.js';
import {
  AlertSubscriptionError,
  alertSubscriptionsFromEnv,
  parseSubscriptionList,
} from '../../../local/alerts/subscriptions.js';

describe('alertSubscriptionsFromEnv', () => {
  it('reads SLIPWAY_ALERT_WEBHOOKS as unfiltered subscriptions and SLIPWAY_ALERT_SUBSCRIPTIONS with their filters', () => {
    const subscriptions = alertSubscriptionsFromEnv({
      SLIPWAY_ALERT_WEBHOOKS: ' http://127.0.0.1:9001/a , ,https://hooks.example.com/b',
      SLIPWAY_ALERT_SUBSCRIPTIONS: JSON.stringify([
        { type: 'https', url: 'http://127.0.0.1:9002/critical', filter: { severity: ['critical'] } },
      ]),
    });

    expect(subscriptions.map(({ url, source }) => ({ url, source }))).toEqual([
      { url: 'http://127.0.0.1:9001/a', source: 'SLIPWAY_ALERT_WEBHOOKS[0]' },
      { url: 'https://hooks.example.com/b', source: 'SLIPWAY_ALERT_WEBHOOKS[1]' },
      { url: 'http://127.0.0.1:9002/critical', source: 'SLIPWAY_ALERT_SUBSCRIPTIONS[0]' },
    ]);
    expect(subscriptions[0]?.filter).toBeUndefined();
    const filter = subscriptions[2]?.filter;
    expect(filter && matchesFilterPolicy(filter, { severity: 'critical' })).toBe(true);
    expect(filter && matchesFilterPolicy(filter, { severity: 'info' })).toBe(false);
  });

  it('has no subscriptions when neither variable is set', () => {
    expect(alertSubscriptionsFromEnv({ SLIPWAY_ALERT_SUBSCRIPTIONS: '  ' })).toEqual([]);
  });

  it.each([
    [
      'a webhook that is not a URL',
      { SLIPWAY_ALERT_WEBHOOKS: 'not a url' },
      /SLIPWAY_ALERT_WEBHOOKS\[0\] must be an http/,
    ],
    [
      'a webhook with credentials',
      { SLIPWAY_ALERT_WEBHOOKS: 'https://u:p@hooks.example.com' },
      /must not carry credentials/,
    ],
    ['a file URL', { SLIPWAY_ALERT_WEBHOOKS: 'file:///etc/passwd' }, /must be an http/],
    [
      'subscriptions that are not JSON',
      { SLIPWAY_ALERT_SUBSCRIPTIONS: '[{' },
      /SLIPWAY_ALERT_SUBSCRIPTIONS is not valid JSON/,
    ],
    ['subscriptions that are not an array', { SLIPWAY_ALERT_SUBSCRIPTIONS: '{}' }, /must be a JSON array/],
    [
      'an email subscription',
      { SLIPWAY_ALERT_SUBSCRIPTIONS: '[{"type":"email","address":"a@example.com"}]' },
      /SLIPWAY_ALERT_SUBSCRIPTIONS\[0\]\.type must be "https"/,
    ],
    [
      'an unknown field',
      { SLIPWAY_ALERT_SUBSCRIPTIONS: '[{"type":"https","url":"http://127.0.0.1:1/","filters":{}}]' },
      /unknown fields: filters/,
    ],
    [
      'a filter over the key limit',
      {
        SLIPWAY_ALERT_SUBSCRIPTIONS: JSON.stringify([
          {
            type: 'https',
            url: 'http://127.0.0.1:1/',
            filter: { a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] },
          },
        ]),
      },
      /SLIPWAY_ALERT_SUBSCRIPTIONS\[0\]\.filter has 6 keys/,
    ],
    [
      'a filter with an unsupported operator',
      {
        SLIPWAY_ALERT_SUBSCRIPTIONS: JSON.stringify([
          { type: 'https', url: 'http://127.0.0.1:1/', filter: { severity: [{ suffix: 'al' }] } },
        ]),
      },
      /SLIPWAY_ALERT_SUBSCRIPTIONS\[0\]\.filter\.severity\[0\]: operator "suffix"/,
    ],
  ])('refuses %s, naming the variable and entry', (_name, env, message) => {
    expect(() => alertSubscriptionsFromEnv(env)).toThrow(AlertSubscriptionError);
    expect(() => alertSubscriptionsFromEnv(env)).toThrow(message);
  });
});

describe('filters the CDK app deploys', () => {
  const subscriptions: AlertSubscription[] = [
    {
      type: 'https',
      url: 'https://hooks.example.com/critical',
      filter: { severity: ['critical', 'warning'] },
    },
    { type: 'https', url: 'https://hooks.example.com/quota', filter: { kind: [{ prefix: 'quota.' }] } },
    {
      type: 'https',
      url: 'https://hooks.example.com/org-a',
      filter: { organization: ['org-a'], severity: ['critical'] },
    },
  ];

  it('evaluates locally exactly the FilterPolicy each AWS::SNS::Subscription of the Alerts construct carries', () => {
    const context = readContext((key) =>
      key === 'slipway:alertSubscriptions' ? JSON.stringify(subscriptions) : undefined,
    );
    // The Alerts construct alone, its subscriptions read from the construct tree: a full synth
    // would add nothing here but time.
    const stack = new Stack(new App(), 'AlertsOnly');
    new Alerts(stack, 'Alerts', {
      encryptionKey: new kms.Key(stack, 'Key'),
      subscriptions: context.alertSubscriptions,
    });
    const deployed = stack.node
      .findAll()
      .filter((node): node is sns.CfnSubscription => node instanceof sns.CfnSubscription)
      .map((cfn) => ({ endpoint: cfn.endpoint, filterPolicy: stack.resolve(cfn.filterPolicy) as unknown }));
    const local = parseSubscriptionList(JSON.stringify(subscriptions));
    const alerts: MessageAttributes[] = [
      { kind: 'phase.failed', severity: 'critical', organization: 'org-a', environment: 'prod' },
      { kind: 'quota.exceeded', severity: 'warning', organization: 'org-b' },
      { kind: 'run.succeeded', severity: 'info', organization: 'org-a', environment: 'dev' },
    ];

    expect(deployed).toHaveLength(subscriptions.length);
    for (const subscription of local) {
      const resource = deployed.find((item) => item.endpoint === subscription.url);
      const deployedPolicy = parseFilterPolicy(resource?.filterPolicy, subscription.url);
      const localPolicy = subscription.filter;
      if (!localPolicy) throw new Error(`${subscription.url} lost its filter`);
      for (const attributes of alerts) {
        expect(matchesFilterPolicy(localPolicy, attributes), `${subscription.url} ${attributes.kind}`).toBe(
          matchesFilterPolicy(deployedPolicy, attributes),
        );
      }
    }
    // And the routing is the intended one, not merely the same on both sides.
    const delivered = (url: string) =>
      alerts
        .filter((attributes) => {
          const filter = local.find((item) => item.url === url)?.filter;
          return filter !== undefined && matchesFilterPolicy(filter, attributes);
        })
        .map((attributes) => attributes.kind);
    expect(delivered('https://hooks.example.com/critical')).toEqual(['phase.failed', 'quota.exceeded']);
    expect(delivered('https://hooks.example.com/quota')).toEqual(['quota.exceeded']);
    expect(delivered('https://hooks.example.com/org-a')).toEqual(['phase.failed']);
  });
});

import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The message attributes every alert carries; subscribers filter on these with SNS filter policies. */
export type AlertAttribute = 'kind' | 'severity' | 'organization' | 'environment';

/**
 * A filter on the alert attributes: exact values, or a prefix such as `{ prefix: 'quota.' }`.
 * SNS allows at most 5 keys and 150 value combinations per policy.
 */
export type AlertFilter = Partial<
  Record<AlertAttribute, ReadonlyArray<string | { readonly prefix: string }>>
>;

interface SubscriptionBase {
  /** Only alerts matching every key are delivered. @default every alert */
  readonly filter?: AlertFilter;
}
export interface EmailAlertSubscription extends SubscriptionBase {
  readonly type: 'email';
  readonly address: string;
}
export interface HttpsAlertSubscription extends SubscriptionBase {
  readonly type: 'https';
  readonly url: string;
}
export interface SqsAlertSubscription extends SubscriptionBase {
  readonly type: 'sqs';
  /** A queue of this app, or the ARN of an existing one (whose policy must let the topic send). */
  readonly queue: sqs.IQueue | string;
}
export type AlertSubscription = EmailAlertSubscription | HttpsAlertSubscription | SqsAlertSubscription;

export interface AlertsProps {
  /** Customer-managed key that encrypts the topic. */
  readonly encryptionKey: kms.IKey;
  /** Who receives alerts, each with an optional filter policy. @default none */
  readonly subscriptions?: readonly AlertSubscription[];
}

/** The one SNS topic every Slipway alert is published to. */
export class Alerts extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Slipway alerts',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    (props.subscriptions ?? []).forEach((subscription, index) => {
      this.topic.addSubscription(toSubscription(this, `Subscriber${index}`, subscription));
    });
  }

  /** Publish permission, key use and the TOPIC_ARN variable for a handler, in one call. */
  grantPublish(fn: lambda.Function): iam.Grant {
    fn.addEnvironment('TOPIC_ARN', this.topic.topicArn);
    return this.topic.grantPublish(fn);
  }

  /**
   * Runs the alert retrier (functions/handlers/alerts/retry-alerts.ts) on a schedule: alerts
   * recorded but not yet accepted by SNS are published until they are, and its metrics feed the
   * "alerts undelivered" alarm. It may publish (grants included here).
   */
  scheduleRetrier(fn: lambda.Function, every: Duration = Duration.minutes(1)): events.Rule {
    this.grantPublish(fn);
    return new events.Rule(this, 'RetrySchedule', {
      description: 'Slipway: publish alerts recorded but not yet accepted by SNS',
      schedule: events.Schedule.rate(every),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });
  }
}

function toSubscription(
  scope: Construct,
  id: string,
  subscription: AlertSubscription,
): sns.ITopicSubscription {
  const filterPolicy = subscription.filter ? toFilterPolicy(subscription.filter) : undefined;
  switch (subscription.type) {
    case 'email':
      return new subscriptions.EmailSubscription(subscription.address, { filterPolicy });
    case 'https':
      return new subscriptions.UrlSubscription(subscription.url, {
        protocol: sns.SubscriptionProtocol.HTTPS,
        filterPolicy,
      });
    case 'sqs':
      return new subscriptions.SqsSubscription(
        typeof subscription.queue === 'string'
          ? sqs.Queue.fromQueueArn(scope, id, subscription.queue)
          : subscription.queue,
        { filterPolicy, rawMessageDelivery: false },
      );
  }
}

function toFilterPolicy(filter: AlertFilter): Record<string, sns.SubscriptionFilter> {
  const policy: Record<string, sns.SubscriptionFilter> = {};
  for (const [attribute, values] of Object.entries(filter)) {
    if (!values || values.length === 0) continue;
    const exact = values.filter((value): value is string => typeof value === 'string');
    const prefixes = values.filter((value): value is { prefix: string } => typeof value !== 'string');
    if (prefixes.length > 0 && exact.length > 0) {
      throw new Error(
        `alert filter '${attribute}' mixes exact values and prefixes; use one kind per attribute`,
      );
    }
    policy[attribute] =
      prefixes.length > 0
        ? sns.SubscriptionFilter.stringFilter({ matchPrefixes: prefixes.map((value) => value.prefix) })
        : sns.SubscriptionFilter.stringFilter({ allowlist: exact });
  }
  return policy;
}

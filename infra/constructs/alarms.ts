import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { UNDELIVERED_ALARM_SECONDS } from '../../functions/domain/alert-delivery.js';

/** A metric the handlers emit (Powertools: namespace Slipway, dimension `service`). */
export function slipwayMetric(metricName: string, service: string, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'Slipway',
    metricName,
    dimensionsMap: { service },
    statistic,
    period: Duration.minutes(5),
  });
}

export interface PlatformAlarmsProps {
  /** The alert topic: where the relay publishes `platform.*` alerts. */
  readonly topic: sns.ITopic;
  readonly stateMachine: sfn.IStateMachine;
  /** Every Slipway function whose errors alarm. */
  readonly functions: readonly lambda.IFunction[];
  readonly deadLetterQueues: readonly sqs.IQueue[];
  /** Alarms other constructs own (the Git events' dead letters and unrouted pushes), relayed too. */
  readonly relayed?: readonly cloudwatch.Alarm[];
  /**
   * Turns an alarm's state change into a `platform.*` alert through the one delivery path
   * (functions/handlers/alerts/platform-alarm.ts), so it carries the attributes subscribers filter on.
   */
  readonly relay: lambda.IFunction;
  /** Encrypts the relay's dead-letter queue. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The platform's alarms: runs that failed or timed out, Lambda errors, dead letters, webhook 5xx,
 * cluster events routed nowhere, and alerts still undelivered past a bound. Each state change is
 * relayed to the alert topic as a `platform.alarm` / `platform.recovered` alert; the relay's own
 * errors alarm straight to the topic (a plain CloudWatch notification: the relay cannot report
 * its own failure), so no alarm is silent. A state change the relay still could not take after
 * its retries waits in the relay's own dead-letter queue, whose alarm also goes straight to the
 * topic, so it can be replayed once the relay works again.
 */
export class PlatformAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The alarm state changes the relay could not take, kept for replay. */
  readonly relayDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PlatformAlarmsProps) {
    super(scope, id);
    const atLeastOnce = (alarmId: string, metric: cloudwatch.IMetric, description: string) =>
      this.add(
        new cloudwatch.Alarm(this, alarmId, {
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: description,
        }),
      );
    const five = { period: Duration.minutes(5), statistic: 'Sum' };
    atLeastOnce(
      'RunsFailed',
      props.stateMachine.metricFailed(five),
      'A provisioning run failed (its phase.failed alert names the cause).',
    );
    atLeastOnce('RunsTimedOut', props.stateMachine.metricTimedOut(five), 'A provisioning run timed out.');
    props.functions.forEach((fn, index) => {
      const alarm = atLeastOnce(
        `FunctionErrors${index}`,
        fn.metricErrors(five),
        'A Slipway function failed.',
      );
      // The relay cannot report its own failure: that alarm goes to the topic directly.
      if (fn === props.relay) alarm.addAlarmAction(new actions.SnsAction(props.topic));
    });
    props.deadLetterQueues.forEach((queue, index) => {
      atLeastOnce(
        `DeadLetters${index}`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        'Events a handler could not take after its retries wait in a dead-letter queue.',
      );
    });
    atLeastOnce(
      'Webhook5xx',
      slipwayMetric('Hook5xx', 'slipway-hooks'),
      'A webhook answered 5xx: the sender will retry.',
    );
    atLeastOnce(
      'UnroutedClusterEvents',
      slipwayMetric('UnroutedClusterEvents', 'slipway-hooks'),
      'A cluster reported an event about a namespace or application no environment declares.',
    );
    this.add(
      new cloudwatch.Alarm(this, 'AlertsUndelivered', {
        metric: slipwayMetric('OldestUndeliveredAlertAge', 'slipway-alerts', 'Maximum'),
        threshold: UNDELIVERED_ALARM_SECONDS,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // The retrier reports every minute: silence means it is not running, which is as bad.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `An alert is still not accepted by SNS ${UNDELIVERED_ALARM_SECONDS / 60} minutes after it was recorded (or the retrier stopped reporting).`,
      }),
    );
    for (const alarm of props.relayed ?? []) this.add(alarm);
    this.relayDeadLetterQueue = new sqs.Queue(this, 'RelayDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.relayDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the relay's dead-letter queue; a DLQ of its own would only move the same messages again.",
    });
    // The target's DLQ covers EventBridge failing to hand the event over; a relay that throws is
    // Lambda's async retry, then the same queue. Not relayed: its alarm must not depend on the
    // function whose failures it reports, so it notifies the topic directly like the relay's errors.
    props.relay.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.relayDeadLetterQueue),
    });
    const relayDeadLetters = new cloudwatch.Alarm(this, 'RelayDeadLettersAlarm', {
      metric: this.relayDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'platform.alarm: an alarm state change could not be relayed as a platform.* alert after every retry (see the relay dead-letter queue).',
    });
    relayDeadLetters.addAlarmAction(new actions.SnsAction(props.topic));
    new events.Rule(this, 'Relay', {
      description: 'Slipway: platform alarm state changes become platform.* alerts',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: this.alarms.map((alarm) => alarm.alarmArn),
      },
      targets: [
        new targets.LambdaFunction(props.relay, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.relayDeadLetterQueue,
        }),
      ],
    });
  }

  private add(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    this.alarms.push(alarm);
    return alarm;
  }
}

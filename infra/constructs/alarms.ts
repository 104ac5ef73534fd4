import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
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
}

/**
 * The platform's alarms: runs that failed or timed out, Lambda errors, dead letters, webhook 5xx,
 * cluster events routed nowhere, and alerts still undelivered past a bound. Each state change is
 * relayed to the alert topic as a `platform.alarm` / `platform.recovered` alert; the relay's own
 * errors alarm straight to the topic (a plain CloudWatch notification: the relay cannot report
 * its own failure), so no alarm is silent.
 */
export class PlatformAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

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
    new events.Rule(this, 'Relay', {
      description: 'Slipway: platform alarm state changes become platform.* alerts',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: this.alarms.map((alarm) => alarm.alarmArn),
      },
      targets: [
        new targets.LambdaFunction(props.relay, { retryAttempts: 8, maxEventAge: Duration.hours(6) }),
      ],
    });
  }

  private add(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    this.alarms.push(alarm);
    return alarm;
  }
}

import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { UNDELIVERED_ALARM_SECONDS } from '../../functions/domain/alert-delivery.js';
import { synthSlipway } from '../support/synth.js';

type Template = ReturnType<typeof synthSlipway>['template'];
let template: Template;
beforeAll(() => {
  ({ template } = synthSlipway());
});

const alarmsWith = (properties: Record<string, unknown>) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: properties }));

describe('platform alarms', () => {
  it('alarms on failed and timed-out runs, every function’s errors, dead letters, webhook 5xx and unrouted events', () => {
    expect(alarmsWith({ Namespace: 'AWS/States', MetricName: 'ExecutionsFailed' })).toHaveLength(1);
    expect(alarmsWith({ Namespace: 'AWS/States', MetricName: 'ExecutionsTimedOut' })).toHaveLength(1);
    const functions = Object.keys(template.findResources('AWS::Lambda::Function')).filter(
      (id) => !id.startsWith('AWS') && !id.includes('CustomResource') && !id.includes('LogRetention'),
    );
    expect(alarmsWith({ Namespace: 'AWS/Lambda', MetricName: 'Errors' }).length).toBeGreaterThanOrEqual(
      functions.length - 2,
    );
    // The run watchdog's dead letters and the Git events' (pushes and run ends not handled).
    expect(
      alarmsWith({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' }),
    ).toHaveLength(2);
    for (const metric of ['Hook5xx', 'UnroutedClusterEvents']) {
      expect(
        alarmsWith({
          Namespace: 'Slipway',
          MetricName: metric,
          Dimensions: [{ Name: 'service', Value: 'slipway-hooks' }],
        }),
        metric,
      ).toHaveLength(1);
    }
  });

  it('raises a platform alarm when an alert is undelivered past the bound, or the retrier goes silent', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Slipway',
      MetricName: 'OldestUndeliveredAlertAge',
      Statistic: 'Maximum',
      Threshold: UNDELIVERED_ALARM_SECONDS,
      TreatMissingData: 'breaching',
    });
  });

  it('relays every alarm state change to the alert topic as a platform.* alert', () => {
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    const [rule] = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { 'detail-type': ['CloudWatch Alarm State Change'] } },
      }),
    );
    const resources = (rule?.Properties.EventPattern.resources ?? []) as Array<{
      'Fn::GetAtt': [string, string];
    }>;
    expect(resources.map((resource) => resource['Fn::GetAtt'][0]).sort()).toEqual([...alarmIds].sort());
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'slipway-alerts',
          TOPIC_ARN: Match.anyValue(),
        }),
      },
    });
    // The relay's own errors go to the topic directly: it cannot report its own failure.
    const direct = alarmsWith({
      AlarmActions: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('AlertsTopic') })]),
    });
    expect(direct).toHaveLength(1);
  });

  it('runs the alert retrier every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });
});

describe('operations dashboard', () => {
  it('shows runs, phase durations, alerts per organization and delivery health', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const title of [
      'Runs',
      'Phase durations',
      'Alerts per organization and kind',
      'Alert delivery and webhooks',
    ]) {
      expect(body).toContain(title);
    }
    expect(body).toContain('ExecutionsStarted');
    expect(body).toContain('AWS/CodeBuild');
    expect(body).toContain('stats count(*) as alerts by organization, kind');
    expect(body).toContain('OldestUndeliveredAlertAge');
  });
});

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
    // The run watchdog's dead letters, the Git events' (pushes and run ends not handled) and the
    // alarm relay's (state changes it could not take).
    expect(
      alarmsWith({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' }),
    ).toHaveLength(3);
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
    // All but the relay's dead-letter alarm, which must not depend on the relay (test below).
    expect(resources.map((resource) => resource['Fn::GetAtt'][0]).sort()).toEqual(
      alarmIds.filter((id) => !id.includes('RelayDeadLetters')).sort(),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'slipway-alerts',
          TOPIC_ARN: Match.anyValue(),
        }),
      },
    });
    // The relay's own errors and its dead letters go to the topic directly: it cannot report its
    // own failure.
    const direct = alarmsWith({
      AlarmActions: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('AlertsTopic') })]),
    });
    expect(direct).toHaveLength(2);
  });

  it('keeps an alarm state change the relay could not take in its own alarmed dead-letter queue', () => {
    const [rule] = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { 'detail-type': ['CloudWatch Alarm State Change'] } },
      }),
    );
    const [target] = (rule?.Properties.Targets ?? []) as {
      Arn: { 'Fn::GetAtt': [string, string] };
      DeadLetterConfig?: { Arn: { 'Fn::GetAtt': [string, string] } };
    }[];
    const relay = target?.Arn['Fn::GetAtt'][0];
    const queue = target?.DeadLetterConfig?.Arn['Fn::GetAtt'][0];
    expect(queue, 'the relay target has a dead-letter queue').toMatch(/RelayDeadLetters/);
    // A relay that throws: Lambda's async retries, then the same queue.
    const invokeConfigs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).filter(
      (config) => config.Properties.FunctionName?.Ref === relay,
    );
    expect(invokeConfigs).toHaveLength(1);
    expect(invokeConfigs[0]?.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]).toBe(queue);
    // Its alarm notifies the topic itself and is not among the relayed ones.
    const [queueAlarm] = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(
      ([, alarm]) =>
        alarm.Properties.Namespace === 'AWS/SQS' &&
        JSON.stringify(alarm.Properties.Dimensions).includes(String(queue)),
    );
    expect(JSON.stringify(queueAlarm?.[1].Properties.AlarmActions)).toMatch(/AlertsTopic/);
    const relayed = JSON.stringify(rule?.Properties.EventPattern.resources);
    expect(relayed).not.toContain(`"${queueAlarm?.[0]}"`);
  });

  it("gives every function of the stack an errors alarm routed to the platform.* relay (the relay's own to the topic), derived from the template", () => {
    const lambdas = template.findResources('AWS::Lambda::Function');
    // Every function Slipway deploys: CDK's own singleton helpers (custom resource providers,
    // log retention) are not Slipway's code and have no handler of ours.
    const ours = Object.entries(lambdas)
      .filter(([, resource]) => {
        const variables = (resource.Properties?.Environment?.Variables ?? {}) as Record<string, unknown>;
        return typeof variables.POWERTOOLS_SERVICE_NAME === 'string';
      })
      .map(([id]) => id);
    expect(ours.length).toBeGreaterThanOrEqual(Object.keys(lambdas).length - 3);
    // The Git push path is among them: both push hooks, the CodeCommit handler, the run starter.
    for (const name of ['GithubHook', 'GitlabHook', 'CodecommitPush', 'RunStarter'])
      expect(
        ours.some((id) => id.includes(name)),
        `${name} in ${ours.join(', ')}`,
      ).toBe(true);
    const errorAlarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(
      ([, alarm]) => alarm.Properties.Namespace === 'AWS/Lambda' && alarm.Properties.MetricName === 'Errors',
    );
    const alarmOf = new Map<string, string>();
    for (const [alarmId, alarm] of errorAlarms) {
      const dimension = (alarm.Properties.Dimensions as { Name: string; Value: { Ref?: string } }[]).find(
        (each) => each.Name === 'FunctionName',
      );
      if (dimension?.Value.Ref) alarmOf.set(dimension.Value.Ref, alarmId);
    }
    const [rule] = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { 'detail-type': ['CloudWatch Alarm State Change'] } },
      }),
    );
    const relayed = new Set(
      ((rule?.Properties.EventPattern.resources ?? []) as { 'Fn::GetAtt': [string, string] }[]).map(
        (resource) => resource['Fn::GetAtt'][0],
      ),
    );
    const relayTargets = (rule?.Properties.Targets ?? []) as { Arn: { 'Fn::GetAtt': [string, string] } }[];
    const relay = relayTargets[0]?.Arn['Fn::GetAtt'][0] ?? '';
    expect(ours).toContain(relay);
    const missing = ours.filter((id) => !alarmOf.has(id));
    expect(missing, 'functions without an errors alarm').toEqual([]);
    const unrelayed = ours.filter((id) => !relayed.has(alarmOf.get(id) ?? ''));
    expect(unrelayed, 'errors alarms the relay does not receive').toEqual([]);
    // The relay's own errors alarm also goes straight to the topic.
    const relayAlarm = errorAlarms.find(([id]) => id === alarmOf.get(relay))?.[1];
    expect(JSON.stringify(relayAlarm?.Properties.AlarmActions ?? [])).toMatch(/AlertsTopic/);
  });

  it('relays the Git push alarms (dead letters, unrouted pushes) as platform.* alerts too', () => {
    const [rule] = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { 'detail-type': ['CloudWatch Alarm State Change'] } },
      }),
    );
    const relayed = new Set(
      ((rule?.Properties.EventPattern.resources ?? []) as { 'Fn::GetAtt': [string, string] }[]).map(
        (resource) => resource['Fn::GetAtt'][0],
      ),
    );
    const gitAlarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((id) =>
      id.startsWith('GitEvents'),
    );
    expect(gitAlarms.length).toBeGreaterThanOrEqual(2);
    for (const id of gitAlarms) expect(relayed.has(id), id).toBe(true);
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

  it("shows the Git pushes and every function's errors, the Git push path's included (derived from the template)", () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('Git pushes');
    for (const metric of ['PushRunsStarted', 'PushQueued', 'PushUnrouted', 'StartExecutionThrottled'])
      expect(body).toContain(metric);
    // Each Slipway function's name is referenced in the dashboard body (its Errors metric).
    const ours = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(
        ([, resource]) =>
          typeof resource.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'string',
      )
      .map(([id]) => id);
    expect(ours.some((id) => id.includes('RunStarter'))).toBe(true);
    const errorsWidget = body.slice(body.indexOf('Function errors'));
    for (const id of ours) expect(errorsWidget, id).toContain(`{"Ref":"${id}"}`);
  });
});

import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_ROUTES } from '../../functions/handlers/api/routes.js';
import { synthSlipway } from '../support/synth.js';

let template: Template;
beforeAll(() => {
  template = synthSlipway().template;
});

const fnArn = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^GitEvents${prefix}`), 'Arn'] });
const dlq = { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GitEventsDeadLetters'), 'Arn'] } };
const retried = (prefix: string) =>
  Match.objectLike({
    Arn: fnArn(prefix),
    RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
    DeadLetterConfig: dlq,
  });

describe('GitEvents', () => {
  it('dead-letters the events a run starter or CodeCommit handler throws on, after Lambda’s own retries', () => {
    // The target DLQ covers delivery only: a function error is Lambda's async retry, then this.
    for (const prefix of ['RunStarterFunction', 'CodecommitPushFunction']) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp(`^GitEvents${prefix}`) },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: { OnFailure: { Destination: dlq.Arn } },
      });
    }
    // The destination may send to the (KMS-encrypted) queue.
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^GitEventsRunStarterFunction') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Resource: dlq.Arn }),
        ]),
      },
    });
  });

  it('puts Git pushes on a custom bus that archives them for replay', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GitEventsBus'), 'Arn'] },
      EventPattern: { source: ['slipway.git'] },
      RetentionDays: 90,
    });
  });

  it('hands GitPushed events and the workflow’s execution ends to the run starter, retried, with a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^GitEventsBus') },
      EventPattern: { source: ['slipway.git'], 'detail-type': ['GitPushed'] },
      Targets: [retried('RunStarterFunction')],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: Match.stringLikeRegexp('^WorkflowStateMachine') }],
          status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      Targets: [retried('RunStarterFunction')],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp('^WorkflowStateMachine') },
        }),
      },
      Timeout: 300,
    });
  });

  it('takes CodeCommit branch creations and updates from the default bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.codecommit'],
        'detail-type': ['CodeCommit Repository State Change'],
        detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'] },
      },
      Targets: [retried('CodecommitPushFunction')],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'codecommit:GetDifferences', Effect: 'Allow' }),
        ]),
      },
    });
  });

  it('alarms on dead letters and on unrouted pushes, to the alert topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GitEventsDeadLetters'), 'QueueName'] },
        },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Slipway',
      MetricName: 'PushUnrouted',
      Dimensions: [{ Name: 'service', Value: 'slipway-git' }],
      Statistic: 'Sum',
    });
    // Both reach the alert topic as platform.* alerts through the alarm relay (test/infra/alarms.test.ts).
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
  });

  it('serves the push hooks without the JWT authorizer, each allowed to read its secret and put events on the bus', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    for (const hook of HOOK_ROUTES) {
      const route = routes.find(
        (candidate) => candidate.Properties.RouteKey === `${hook.method} ${hook.path}`,
      );
      expect(route?.Properties.AuthorizationType).toBe('NONE');
      expect(route?.Properties.AuthorizerId).toBeUndefined();
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          HOOK_SECRET_ID: 'slipway/webhooks',
          GIT_EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('^GitEventsBus') },
          POWERTOOLS_SERVICE_NAME: 'slipway-hooks',
        }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'secretsmanager:GetSecretValue',
            Resource: {
              'Fn::Join': [
                '',
                Match.arrayWith([Match.stringLikeRegexp(':secret:slipway/webhooks-\\?\\?\\?\\?\\?\\?$')]),
              ],
            },
          }),
        ]),
      },
    });
  });

  it('indexes environments by GitOps repository and branch (gsi2), projecting only what routing reads', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: 'gsi2',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: ['organization', 'environment', 'gitopsPath', 'status'],
          },
        },
      ]),
    });
  });
});

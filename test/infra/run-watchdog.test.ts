import { Match } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { slipwayTemplate } from '../support/synth.js';

describe('RunWatchdog', () => {
  it('sends the workflow’s failed, timed-out and aborted executions to the execution-ended handler, with a DLQ', async () => {
    const template = await slipwayTemplate();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: Match.stringLikeRegexp('^WorkflowStateMachine') }],
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ExecutionEndedFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RunWatchdogDeadLetters'), 'Arn'] },
          },
        }),
      ],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: 1209600,
    });
  });
});

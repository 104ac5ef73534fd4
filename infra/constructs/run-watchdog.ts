import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface RunWatchdogProps {
  readonly stateMachine: sfn.IStateMachine;
  /** The execution-ended handler (functions/handlers/execution-ended.ts). */
  readonly handler: lambda.IFunction;
  readonly encryptionKey: kms.IKey;
}

/**
 * Catches the runs the workflow could not close itself: an execution that timed out, was stopped
 * by a person, or failed inside its own failure path never reaches CompleteRun or RecordFailure,
 * so its environment would stay locked. Step Functions reports every such end on the default
 * event bus; this rule hands it to the execution-ended handler, which marks the run INTERRUPTED,
 * releases the lock and alerts. Events EventBridge cannot deliver (retried for up to 24 h) and
 * events the handler throws on (retried twice by Lambda within up to 6 h, through the function's
 * async on-failure destination) land in the same encrypted dead-letter queue instead of being
 * dropped.
 */
export class RunWatchdog extends Construct {
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: RunWatchdogProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the rule target's dead-letter queue; a DLQ of its own would only move the same messages again.",
    });
    this.rule = new events.Rule(this, 'ExecutionEnded', {
      description: 'Slipway: provisioning runs that ended without recording their end',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [props.stateMachine.stateMachineArn],
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      targets: [
        new targets.LambdaFunction(props.handler, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
    // The target's DLQ covers delivery only; a handler error is Lambda's async retry, then this.
    props.handler.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
  }
}

import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { GIT_PUSHED_EVENT } from '../../functions/domain/git-push.js';
import { HOOK_ROUTES } from '../../functions/handlers/api/routes.js';
import { HandlerFunction } from './handler-function.js';
import type { HttpApi } from './http-api.js';
import type { StateStore } from './state-store.js';

export interface GitEventsProps {
  readonly stateStore: StateStore;
  /** The provisioning workflow: its executions are started, and their ends release queued pushes. */
  readonly workflow: { readonly stateMachine: sfn.IStateMachine; grantStart(fn: lambda.Function): iam.Grant };
  /** The HTTP API the push hooks are added to (without its JWT authorizer). */
  readonly api: HttpApi;
  readonly encryptionKey: kms.IKey;
  /** Secrets Manager secret (JSON) holding the `github` and `gitlab` hook secrets. @default 'slipway/webhooks' */
  readonly hookSecretName?: string;
  /** How long the bus archive keeps pushes for replay. @default 90 days */
  readonly archiveRetention?: Duration;
}

/** Service name of the run starter's metrics (Powertools' `service` dimension). */
const RUN_STARTER_SERVICE = 'slipway-git';

/**
 * Event ingestion for Git pushes. The GitHub and GitLab hooks (HOOK_ROUTES) and the CodeCommit
 * rule on the default bus put one normalized `GitPushed` event on Slipway's own bus, which archives
 * every push for replay; a rule hands each to the run starter, which also receives the workflow's
 * execution ends (default bus) to start pushes queued on busy environments. EventBridge retries
 * delivery for up to 24 h; a handler error is retried twice by Lambda within up to 6 h. Both
 * failures end in one encrypted dead-letter queue whose depth alarms, and pushes that could not be routed or
 * started (the `PushUnrouted` metric) alarm too.
 */
export class GitEvents extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  readonly runStarter: HandlerFunction;
  readonly codecommitPush: HandlerFunction;
  readonly hookFunctions: Readonly<Record<string, HandlerFunction>>;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly unroutedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: GitEventsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Slipway: normalized Git pushes (GitPushed)',
    });
    this.archive = this.bus.archive('Archive', {
      description: 'Slipway: every Git push, for replay',
      eventPattern: { source: [GIT_PUSHED_EVENT.source] },
      retention: props.archiveRetention ?? Duration.days(90),
    });

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
        "This queue is the rules' dead-letter queue; a DLQ of its own would only move the same messages again.",
    });
    // The target's retry policy and DLQ cover only EventBridge failing to hand the event over.
    // EventBridge invokes Lambda asynchronously, so a handler that throws is retried by Lambda
    // itself and then dropped unless the function's own async configuration sends it on: each
    // function behind these rules gets the same alarmed queue as its on-failure destination.
    const target = (fn: lambda.IFunction) =>
      new targets.LambdaFunction(fn, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: this.deadLetterQueue,
      });
    const deadLetterOnFailure = (fn: lambda.IFunction) =>
      fn.configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      });

    // The run starter: a fan-out of hundreds of environments runs within one invocation.
    this.runStarter = new HandlerFunction(this, 'RunStarterFunction', {
      handler: 'events/run-starter',
      serviceName: RUN_STARTER_SERVICE,
      timeout: Duration.minutes(5),
      memorySize: 512,
    });
    props.stateStore.grantItems(this.runStarter, 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query');
    props.workflow.grantStart(this.runStarter);
    deadLetterOnFailure(this.runStarter);
    new events.Rule(this, 'PushedRule', {
      description: 'Slipway: start the runs of a Git push',
      eventBus: this.bus,
      eventPattern: { source: [GIT_PUSHED_EVENT.source], detailType: [GIT_PUSHED_EVENT.detailType] },
      targets: [target(this.runStarter)],
    });
    new events.Rule(this, 'RunEndedRule', {
      description: 'Slipway: a run ended, start the push queued while it held the lock',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [props.workflow.stateMachine.stateMachineArn],
          status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      targets: [target(this.runStarter)],
    });

    // CodeCommit: branch creations and updates on the default bus, diffed, then onto Slipway's bus.
    this.codecommitPush = new HandlerFunction(this, 'CodecommitPushFunction', {
      handler: 'events/codecommit-push',
      serviceName: RUN_STARTER_SERVICE,
      timeout: Duration.seconds(60),
    });
    this.grantPush(this.codecommitPush, props.stateStore);
    deadLetterOnFailure(this.codecommitPush);
    this.codecommitPush.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['codecommit:GetDifferences'],
        resources: [stack.formatArn({ service: 'codecommit', resource: '*' })],
      }),
    );
    new events.Rule(this, 'CodecommitRule', {
      description: 'Slipway: CodeCommit branch pushes',
      eventPattern: {
        source: ['aws.codecommit'],
        detailType: ['CodeCommit Repository State Change'],
        detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'] },
      },
      targets: [target(this.codecommitPush)],
    });

    // The push hooks on the HTTP API: authenticated by their secret, feeding the bus.
    const secretName = props.hookSecretName ?? 'slipway/webhooks';
    const hookFunctions: Record<string, HandlerFunction> = {};
    for (const route of HOOK_ROUTES) {
      const fn = props.api.addHookRoute(route);
      this.grantPush(fn);
      fn.addEnvironment('HOOK_SECRET_ID', secretName);
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          // Secrets Manager appends six random characters to a secret's ARN.
          resources: [
            stack.formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              resourceName: `${secretName}-??????`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      hookFunctions[route.id] = fn;
    }
    this.hookFunctions = hookFunctions;

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'platform.git-events: a Git push or run end was not handled after every retry (see the dead-letter queue)',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.unroutedAlarm = new cloudwatch.Alarm(this, 'UnroutedAlarm', {
      alarmDescription:
        'platform.git-events: a Git push could not be routed to an environment or started (unrouted records)',
      metric: new cloudwatch.Metric({
        namespace: 'Slipway',
        metricName: 'PushUnrouted',
        dimensionsMap: { service: RUN_STARTER_SERVICE },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** PutEvents on the bus and the index lookup of a followed branch, with the bus name set. */
  private grantPush(fn: lambda.Function, stateStore?: StateStore): void {
    this.bus.grantPutEventsTo(fn);
    fn.addEnvironment('GIT_EVENT_BUS_NAME', this.bus.eventBusName);
    stateStore?.grantItems(fn, 'GetItem', 'Query');
  }
}

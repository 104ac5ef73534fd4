import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PHASES, type PhaseName } from '../../functions/domain/model.js';
import { slipwayMetric } from './alarms.js';

export interface OperationsDashboardProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly projects: Record<PhaseName, codebuild.IProject>;
  /** Log groups of the functions that deliver alerts (their "alert published" lines). */
  readonly alertLogGroups: readonly logs.ILogGroup[];
  /** Every Slipway function, by a readable name: their errors, side by side. */
  readonly functions?: Readonly<Record<string, lambda.IFunction>>;
  /** The metrics service of the Git push path (run starter, CodeCommit handler). */
  readonly gitService?: string;
}

/**
 * One CloudWatch dashboard: runs (started, succeeded, failed, timed out), phase durations (each
 * phase project's CodeBuild build time), alerts per organization and kind (from the delivery log
 * lines, so no metric dimension per organization), alert delivery and webhook health, Git pushes
 * (runs started, queued, duplicates, unrouted, StartExecution throttled) and every function's errors.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const { stateMachine } = props;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Runs',
            width: 12,
            left: [
              stateMachine.metricStarted({ period, label: 'started' }),
              stateMachine.metricSucceeded({ period, label: 'succeeded' }),
              stateMachine.metricFailed({ period, label: 'failed' }),
              stateMachine.metricTimedOut({ period, label: 'timed out' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Phase durations (CodeBuild, seconds, p90)',
            width: 12,
            left: PHASES.map((phase) =>
              props.projects[phase].metricDuration({
                period: Duration.hours(1),
                statistic: 'p90',
                label: phase,
              }),
            ),
          }),
        ],
        [
          new cloudwatch.LogQueryWidget({
            title: 'Alerts per organization and kind',
            width: 12,
            logGroupNames: props.alertLogGroups.map((group) => group.logGroupName),
            queryLines: [
              'filter message = "alert published"',
              'stats count(*) as alerts by organization, kind',
              'sort alerts desc',
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Alert delivery and webhooks',
            width: 12,
            left: [
              slipwayMetric('AlertPublished', 'slipway-alerts'),
              slipwayMetric('AlertPublishFailed', 'slipway-alerts'),
              slipwayMetric('UndeliveredAlerts', 'slipway-alerts', 'Maximum'),
              slipwayMetric('Hook5xx', 'slipway-hooks'),
              slipwayMetric('HookRefused', 'slipway-hooks'),
              slipwayMetric('UnroutedClusterEvents', 'slipway-hooks'),
            ],
            right: [slipwayMetric('OldestUndeliveredAlertAge', 'slipway-alerts', 'Maximum')],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Git pushes',
            width: 12,
            left: [
              'PushRunsStarted',
              'PushQueued',
              'PushDuplicates',
              'PushUnrouted',
              'StartExecutionThrottled',
            ].map((name) => slipwayMetric(name, props.gitService ?? 'slipway-git')),
          }),
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            width: 12,
            left: Object.entries(props.functions ?? {}).map(([label, fn]) =>
              fn.metricErrors({ period, statistic: 'Sum', label }),
            ),
          }),
        ],
      ],
    });
  }
}

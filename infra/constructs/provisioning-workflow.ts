import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PHASES, type PhaseName } from '../../functions/domain/model.js';
import { outputsKey } from '../../functions/domain/workflow-events.js';
import { phaseStateId, teardownBuildspec, WORKFLOW_STATES } from './workflow-states.js';

/** The Lambda handlers the workflow calls to record each step. */
export interface WorkflowHandlers {
  readonly acquireLock: lambda.IFunction;
  readonly recordPhase: lambda.IFunction;
  readonly completeRun: lambda.IFunction;
  readonly recordFailure: lambda.IFunction;
  readonly publishAlert: lambda.IFunction;
}

export interface ProvisioningWorkflowProps {
  readonly handlers: WorkflowHandlers;
  readonly projects: Record<PhaseName, codebuild.IProject>;
  /**
   * The longest one build of each phase may take (queued + build timeout). A build state that
   * waits longer fails with States.Timeout, which the phase's Catch records and alerts on.
   */
  readonly deadlines: Record<PhaseName, Duration>;
  /**
   * Hard stop for one run. Longer than every phase's deadline together, so a slow run fails in
   * a phase (recorded, alerted) rather than by the execution timeout.
   * @default the sum of the deadlines plus one hour (build retries, records)
   */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Errors worth retrying: AWS throttling and capacity, Lambda service faults, and the adapters'
 * TransientStoreError (DynamoDB throttling) and TransientPublishError (SNS throttling). A build that failed on its own (`States.TaskFailed`)
 * is never retried here: it is recorded, alerted on, and resumed by a person.
 */
const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'TransientStoreError',
  'TransientPublishError',
];
const TRANSIENT_BUILD_ERRORS = ['CodeBuild.AccountLimitExceededException', 'CodeBuild.ThrottlingException'];
const BUILD_RETRY: sfn.RetryProps = {
  errors: TRANSIENT_BUILD_ERRORS,
  interval: Duration.seconds(30),
  maxAttempts: 4,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

const plain = (value: string) => ({ type: codebuild.BuildEnvironmentVariableType.PLAINTEXT, value });
const runIdentity = {
  organization: sfn.JsonPath.stringAt('$.organization'),
  environment: sfn.JsonPath.stringAt('$.environment'),
  runId: sfn.JsonPath.stringAt('$.runId'),
};
/** The parts of a CodeBuild result the records need; the rest would only bloat the state. */
const selectedBuild = {
  'id.$': '$.Build.Id',
  'logLink.$': '$.Build.Logs.DeepLink',
  'exported.$': '$.Build.ExportedEnvironmentVariables',
};

/**
 * The provisioning workflow: acquire the environment lock, then for each phase record its start,
 * run its CodeBuild project synchronously and record its end (one record step closes a phase and
 * opens the next), then complete the run (environment READY, lock released). Any failure is
 * recorded with its phase, build id, log link and parsed cause, the environment is marked FAILED,
 * the lock released, and a `phase.failed` alert published before the run ends in Fail.
 *
 * State input (set by the run starter; the execution name is the run id, so a duplicated start of
 * the same run is refused by Step Functions itself): `{ organization, environment, runId, seq,
 * trigger, commit, specHash, spec }`.
 */
export class ProvisioningWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ProvisioningWorkflowProps) {
    super(scope, id);
    const { handlers } = props;

    const refused = new sfn.Fail(this, WORKFLOW_STATES.runRefused, {
      comment: 'Another run holds the environment lock, or the environment cannot be provisioned now.',
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    const failed = new sfn.Fail(this, WORKFLOW_STATES.runFailed, {
      error: 'PhaseFailed',
      causePath: '$.failure.cause',
    });
    const publishAlert = this.invoke(WORKFLOW_STATES.publishAlert, handlers.publishAlert, {
      payload: { ...runIdentity, failure: sfn.JsonPath.objectAt('$.failure') },
      resultPath: '$.alert',
    });
    const recordFailure = this.invoke(WORKFLOW_STATES.recordFailure, handlers.recordFailure, {
      payload: {
        ...runIdentity,
        phase: sfn.JsonPath.stringAt('$.failedPhase'),
        error: sfn.JsonPath.objectAt('$.error'),
      },
      resultPath: '$.failure',
    });
    publishAlert.next(failed);
    const succeeded = new sfn.Succeed(this, WORKFLOW_STATES.succeeded);
    // A record step can fail after the run itself was recorded SUCCEEDED (CompleteRun's run write
    // landed, its environment write did not): RecordFailure then only releases the lock, and the
    // run ends as what it is, a success, without a phase.failed alert.
    recordFailure.next(
      new sfn.Choice(this, WORKFLOW_STATES.checkOutcome)
        .when(
          sfn.Condition.and(
            sfn.Condition.isPresent('$.failure.runStatus'),
            sfn.Condition.stringEquals('$.failure.runStatus', 'SUCCEEDED'),
          ),
          succeeded,
        )
        .otherwise(publishAlert),
    );

    const acquireLock = this.invoke(WORKFLOW_STATES.acquireLock, handlers.acquireLock, {
      payload: {
        ...runIdentity,
        seq: sfn.JsonPath.numberAt('$.seq'),
        trigger: sfn.JsonPath.stringAt('$.trigger'),
        commit: sfn.JsonPath.stringAt('$.commit'),
        specHash: sfn.JsonPath.stringAt('$.specHash'),
        spec: sfn.JsonPath.objectAt('$.spec'),
        skipPhases: sfn.JsonPath.listAt('$.skipPhases'),
        // The run id must be the execution's name: an execution started by hand under another name is refused.
        executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
      },
      // Its result seeds `$.recorded`: the outputs the skipped phases hand on, and the route.
      resultPath: '$.recorded',
    });
    acquireLock.addCatch(refused, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const markFailed = {} as Record<PhaseName, sfn.Pass>;
    for (const phase of PHASES) {
      markFailed[phase] = new sfn.Pass(this, phaseStateId('Failed', phase), {
        result: sfn.Result.fromString(phase),
        resultPath: '$.failedPhase',
      });
      markFailed[phase].next(recordFailure);
    }
    const catchInto = (state: sfn.TaskStateBase | sfn.CustomState, phase: PhaseName) =>
      state.addCatch(markFailed[phase], { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    // One Choice routes the run to the first phase its plan executes (the plan skips a prefix of
    // the order: see functions/domain/phase-plan.ts), provisioning forwards or tearing down in reverse.
    const route = new sfn.Choice(this, WORKFLOW_STATES.routeRun, {
      comment: 'Start at the first phase the phase plan executes',
    });
    acquireLock.next(route);

    const provision = this.phaseChain(PHASES, {
      build: (phase) => this.build(phase, props.projects[phase], props.deadlines[phase]),
      record: (phase, next) =>
        this.invoke(phaseStateId('Record', phase), handlers.recordPhase, {
          payload: {
            ...runIdentity,
            close: { phase, build: sfn.JsonPath.objectAt('$.build') },
            open: { phase: next },
          },
          resultSelector: { 'outputs.$': '$.outputs' },
          resultPath: `$.recorded.${outputsKey(phase)}`,
        }),
      complete: (phase) =>
        this.invoke(WORKFLOW_STATES.completeRun, handlers.completeRun, {
          payload: { ...runIdentity, close: { phase, build: sfn.JsonPath.objectAt('$.build') } },
          resultPath: '$.completed',
        }),
      catchInto,
      done: succeeded,
    });
    const teardownOrder = [...PHASES].reverse();
    const teardown = this.phaseChain(teardownOrder, {
      build: (phase) => this.teardownBuild(phase, props.projects[phase], props.deadlines[phase]),
      record: (phase, next) =>
        this.invoke(phaseStateId('RecordTeardown', phase), handlers.recordPhase, {
          payload: {
            ...runIdentity,
            close: { phase, build: sfn.JsonPath.objectAt('$.build') },
            open: { phase: next },
          },
          resultPath: sfn.JsonPath.DISCARD,
        }),
      complete: (phase) =>
        this.invoke(WORKFLOW_STATES.completeTeardown, handlers.completeRun, {
          payload: { ...runIdentity, close: { phase, build: sfn.JsonPath.objectAt('$.build') } },
          resultPath: '$.completed',
        }),
      catchInto,
      done: succeeded,
    });
    for (const phase of PHASES) {
      route.when(sfn.Condition.stringEquals('$.recorded.route', `provision:${phase}`), provision[phase]);
    }
    for (const phase of teardownOrder) {
      route.when(sfn.Condition.stringEquals('$.recorded.route', `teardown:${phase}`), teardown[phase]);
    }
    // A shared cluster's tenant tears down its ArgoCD part alone: terraform and ansible are the
    // cluster's (SKIPPED "shared cluster"), so the chain above, which would go on to them, is not taken.
    const tenantTeardown = this.teardownBuild(
      'argocd-bootstrap',
      props.projects['argocd-bootstrap'],
      props.deadlines['argocd-bootstrap'],
      WORKFLOW_STATES.teardownTenant,
    );
    catchInto(tenantTeardown, 'argocd-bootstrap');
    const completeTenant = this.invoke(WORKFLOW_STATES.completeTenantTeardown, handlers.completeRun, {
      payload: {
        ...runIdentity,
        close: { phase: 'argocd-bootstrap', build: sfn.JsonPath.objectAt('$.build') },
      },
      resultPath: '$.completed',
    });
    catchInto(completeTenant, 'argocd-bootstrap');
    tenantTeardown.next(completeTenant);
    completeTenant.next(succeeded);
    route.when(
      sfn.Condition.stringEquals('$.recorded.route', 'teardown-alone:argocd-bootstrap'),
      tenantTeardown,
    );
    route.otherwise(
      new sfn.Fail(this, WORKFLOW_STATES.nothingToRun, {
        error: 'NothingToRun',
        cause: 'AcquireLock returned a route this workflow does not know',
      }),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(acquireLock),
      timeout: props.timeout ?? defaultTimeout(props.deadlines),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'Slipway provisioning: terraform, ansible, argocd-bootstrap, every step recorded',
    });
  }

  /**
   * Chains build → record (close this phase, open the next) for each phase in `order`, the last
   * build completing the run; every state catches into its phase's failure path. Returns each
   * phase's build state, where the routing Choice may enter the chain.
   */
  private phaseChain(
    order: readonly PhaseName[],
    steps: {
      build: (phase: PhaseName) => sfn.TaskStateBase | sfn.CustomState;
      record: (phase: PhaseName, next: PhaseName) => sfn.TaskStateBase;
      complete: (phase: PhaseName) => sfn.TaskStateBase;
      catchInto: (state: sfn.TaskStateBase | sfn.CustomState, phase: PhaseName) => unknown;
      done: sfn.IChainable;
    },
  ): Record<PhaseName, sfn.TaskStateBase | sfn.CustomState> {
    const entries = {} as Record<PhaseName, sfn.TaskStateBase | sfn.CustomState>;
    let previous: (sfn.INextable & sfn.IChainable) | undefined;
    order.forEach((phase, index) => {
      const next = order[index + 1];
      const build = steps.build(phase);
      steps.catchInto(build, phase);
      // A record step that fails after its retries blames the phase it was closing.
      const close = next ? steps.record(phase, next) : steps.complete(phase);
      steps.catchInto(close, phase);
      previous?.next(build);
      build.next(close);
      entries[phase] = build;
      previous = close;
    });
    previous?.next(steps.done);
    return entries;
  }

  /**
   * A teardown build: the phase's own project (so its own IAM role) with the teardown buildspec
   * as `BuildspecOverride`, which CDK's CodeBuildStartBuild does not expose — hence a CustomState
   * with the same integration, parameters, retries and deadline as the provisioning build.
   */
  private teardownBuild(
    phase: PhaseName,
    project: codebuild.IProject,
    deadline: Duration,
    id = phaseStateId('Teardown', phase),
  ): sfn.CustomState {
    const variable = (Name: string, path: string, Type = 'PLAINTEXT') => ({ Name, Type, 'Value.$': path });
    const state = new sfn.CustomState(this, id, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::codebuild:startBuild.sync`,
        Parameters: {
          ProjectName: project.projectName,
          BuildspecOverride: teardownBuildspec(phase),
          EnvironmentVariablesOverride: [
            variable('SLIPWAY_ORGANIZATION', '$.organization'),
            variable('SLIPWAY_ENVIRONMENT', '$.environment'),
            variable('SLIPWAY_RUN_ID', '$.runId'),
            variable('SLIPWAY_COMMIT', '$.commit'),
            variable('SLIPWAY_TRIGGER', '$.trigger'),
            variable('SLIPWAY_SPEC', 'States.JsonToString($.spec)'),
            // Everything the last successful phases recorded: what there is to undo.
            variable('SLIPWAY_PREVIOUS_OUTPUTS', 'States.JsonToString($.recorded.handedOn.outputs)'),
            ...(phase === 'argocd-bootstrap'
              ? [
                  variable(
                    'SLIPWAY_KUBECONFIG',
                    '$.recorded.handedOn.outputs.KUBECONFIG_SECRET_ID',
                    'SECRETS_MANAGER',
                  ),
                ]
              : []),
          ],
        },
        ResultSelector: selectedBuild,
        ResultPath: '$.build',
        TimeoutSeconds: deadline.plus(Duration.minutes(5)).toSeconds(),
      },
    });
    state.addRetry(BUILD_RETRY);
    return state;
  }

  /** Start permission and the STATE_MACHINE_ARN variable for a run starter, in one call. */
  grantStart(fn: lambda.Function): iam.Grant {
    fn.addEnvironment('STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    return this.stateMachine.grantStartExecution(fn);
  }

  private invoke(
    id: string,
    fn: lambda.IFunction,
    options: {
      payload: Record<string, unknown>;
      resultPath: string;
      resultSelector?: Record<string, unknown>;
    },
  ): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this, id, {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(options.payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: options.resultPath,
      resultSelector: options.resultSelector,
    });
    task.addRetry({
      errors: TRANSIENT_LAMBDA_ERRORS,
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      maxDelay: Duration.seconds(30),
      jitterStrategy: sfn.JitterType.FULL,
    });
    return task;
  }

  private build(phase: PhaseName, project: codebuild.IProject, deadline: Duration) {
    const task = new tasks.CodeBuildStartBuild(this, phaseStateId('Build', phase), {
      project,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      environmentVariablesOverride: {
        SLIPWAY_ORGANIZATION: plain(sfn.JsonPath.stringAt('$.organization')),
        SLIPWAY_ENVIRONMENT: plain(sfn.JsonPath.stringAt('$.environment')),
        SLIPWAY_RUN_ID: plain(sfn.JsonPath.stringAt('$.runId')),
        SLIPWAY_COMMIT: plain(sfn.JsonPath.stringAt('$.commit')),
        SLIPWAY_TRIGGER: plain(sfn.JsonPath.stringAt('$.trigger')),
        SLIPWAY_SPEC: plain(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.spec'))),
        SLIPWAY_PREVIOUS_OUTPUTS: plain(previousOutputs(phase)),
        ...(phase === 'argocd-bootstrap'
          ? {
              // Resolved by CodeBuild from Secrets Manager: the kubeconfig never travels in the state.
              SLIPWAY_KUBECONFIG: {
                type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER,
                value: sfn.JsonPath.stringAt('$.recorded.ansible.outputs.KUBECONFIG_SECRET_ID'),
              },
            }
          : {}),
      },
      resultSelector: selectedBuild,
      resultPath: '$.build',
      taskTimeout: sfn.Timeout.duration(deadline.plus(Duration.minutes(5))),
    });
    task.addRetry(BUILD_RETRY);
    return task;
  }
}

function defaultTimeout(deadlines: Record<PhaseName, Duration>): Duration {
  return PHASES.reduce((total, phase) => total.plus(deadlines[phase]), Duration.hours(1));
}

/**
 * Every earlier phase's exported variables, merged (a later phase wins on a clash), as JSON:
 * ArgoCD needs Terraform's outputs (TF_OUTPUTS_S3_KEY) as well as Ansible's.
 */
function previousOutputs(phase: PhaseName): string {
  const earlier = PHASES.slice(0, PHASES.indexOf(phase)).map((p) =>
    sfn.JsonPath.objectAt(`$.recorded.${outputsKey(p)}.outputs`),
  );
  const [first, ...rest] = earlier;
  if (!first) return '{}';
  let merged: unknown = first;
  for (const next of rest) merged = sfn.JsonPath.jsonMerge(merged, next);
  return sfn.JsonPath.jsonToString(merged);
}

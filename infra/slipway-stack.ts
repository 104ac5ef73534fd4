import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { API_ROUTES, CLUSTER_HOOK_ROUTES } from '../functions/handlers/api/routes.js';
import { PlatformAlarms } from './constructs/alarms.js';
import { type AlertSubscription, Alerts } from './constructs/alerts.js';
import { OperationsDashboard } from './constructs/dashboard.js';
import { GitEvents } from './constructs/git-events.js';
import { HandlerFunction } from './constructs/handler-function.js';
import { HttpApi } from './constructs/http-api.js';
import { IdempotencyStore } from './constructs/idempotency-store.js';
import { Identity, type OidcProvider } from './constructs/identity.js';
import { PhaseProjects } from './constructs/phase-projects.js';
import { PhaseStorage } from './constructs/phase-storage.js';
import { ProvisioningWorkflow } from './constructs/provisioning-workflow.js';
import { RunWatchdog } from './constructs/run-watchdog.js';
import { StateStore } from './constructs/state-store.js';
import { applyNagSuppressions } from './nag-suppressions.js';

export interface SlipwayStackProps extends StackProps {
  /** Who receives alerts (email, HTTPS, SQS), each with an optional filter policy. @default none */
  readonly alertSubscriptions?: readonly AlertSubscription[];
  /** Slipway's public base URL that clusters call back (ArgoCD, Alertmanager). @default '' */
  readonly callbackBaseUrl?: string;
  /** Git repository ArgoCD reconciles tenant manifests from. @default '' */
  readonly gitopsRepository?: string;
  /** AWS regions environments may be provisioned in. @default the stack's region */
  readonly environmentRegions?: readonly string[];
  /** Trust this OIDC provider's tokens instead of creating a Cognito user pool. @default a user pool */
  readonly oidc?: OidcProvider;
  /** Browser origins the API allows through CORS. @default none: CORS off */
  readonly corsOrigins?: readonly string[];
}

/** The Slipway control plane: state store, identity, HTTP API, phase projects, provisioning workflow and alerts. */
export class SlipwayStack extends Stack {
  readonly stateStore: StateStore;
  readonly workflow: ProvisioningWorkflow;
  readonly alerts: Alerts;
  readonly phaseProjects: PhaseProjects;
  readonly identity: Identity;
  readonly api: HttpApi;
  readonly alarms: PlatformAlarms;
  readonly gitEvents: GitEvents;

  constructor(scope: Construct, id: string, props: SlipwayStackProps = {}) {
    super(scope, id, props);
    const encryptionKey = new kms.Key(this, 'Key', {
      description: 'Slipway: encrypts state, alerts, phase artifacts and build outputs',
      enableKeyRotation: true,
    });
    this.stateStore = new StateStore(this, 'StateStore', { encryptionKey });
    this.alerts = new Alerts(this, 'Alerts', { encryptionKey, subscriptions: props.alertSubscriptions });
    // Who may call the API: a Cognito user pool, or the deployment's own OIDC provider.
    this.identity = new Identity(this, 'Identity', { oidc: props.oidc });
    const storage = new PhaseStorage(this, 'PhaseStorage', { encryptionKey });
    this.phaseProjects = new PhaseProjects(this, 'PhaseProjects', {
      storage,
      encryptionKey,
      callbackBaseUrl: props.callbackBaseUrl,
      gitopsRepository: props.gitopsRepository,
      environmentRegions: props.environmentRegions,
      oidcIssuerUrl: this.identity.issuer,
      oidcClientId: this.identity.audience[0],
    });

    // The workflow's records: runs, phases, the environment lock (conditional puts, updates and
    // the delete of a refused run item; Query for the run-by-id index).
    const recorder = (id: string, handler: string) => {
      const fn = new HandlerFunction(this, id, { handler, serviceName: 'slipway-workflow' });
      this.stateStore.grantItems(fn, 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query');
      return fn;
    };
    // The alert publisher reads the environment (tier) and stores or forgets one alert item.
    const publishAlert = new HandlerFunction(this, 'PublishAlertFunction', {
      handler: 'publish-alert',
      serviceName: 'slipway-alerts',
    });
    // It records the alert (and its outbox entry) before publishing and records the delivery after.
    this.stateStore.grantItems(publishAlert, 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem');
    this.alerts.grantPublish(publishAlert);
    // Publishes what SNS refused before: the outbox (Query on gsi1), claims and delivery records.
    const retryAlerts = new HandlerFunction(this, 'RetryAlertsFunction', {
      handler: 'alerts/retry-alerts',
      serviceName: 'slipway-alerts',
      timeout: Duration.seconds(60),
    });
    this.stateStore.grantItems(retryAlerts, 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query');
    this.alerts.scheduleRetrier(retryAlerts);
    this.workflow = new ProvisioningWorkflow(this, 'Workflow', {
      projects: this.phaseProjects.projects,
      deadlines: this.phaseProjects.deadlines,
      handlers: {
        acquireLock: recorder('AcquireLockFunction', 'acquire-lock'),
        recordPhase: recorder('RecordPhaseFunction', 'record-phase'),
        completeRun: recorder('CompleteRunFunction', 'complete-run'),
        recordFailure: recorder('RecordFailureFunction', 'record-failure'),
        publishAlert,
      },
    });
    // Runs the workflow could not close (timed out, stopped, failure path failed): interrupt and alert.
    const executionEnded = new HandlerFunction(this, 'ExecutionEndedFunction', {
      handler: 'execution-ended',
      serviceName: 'slipway-workflow',
    });
    this.stateStore.grantItems(executionEnded, 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query');
    this.alerts.grantPublish(executionEnded);
    const watchdog = new RunWatchdog(this, 'RunWatchdog', {
      stateMachine: this.workflow.stateMachine,
      handler: executionEnded,
      encryptionKey,
    });
    const hookSecrets = secretsmanager.Secret.fromSecretNameV2(this, 'HookSecrets', 'slipway/webhooks');
    // The front door: one function per route of the route table, each with only its own rights.
    this.api = new HttpApi(this, 'Api', {
      routes: API_ROUTES,
      issuer: this.identity.issuer,
      audience: this.identity.audience,
      stateStore: this.stateStore,
      idempotency: new IdempotencyStore(this, 'Idempotency', { encryptionKey }),
      workflow: this.workflow,
      corsOrigins: props.corsOrigins,
      hookRoutes: CLUSTER_HOOK_ROUTES,
      // The cluster hooks derive each environment's token from the deployment's hook secrets
      // (created by the operator, README "Deploy") and deliver the alerts they raise.
      configureHook: (_route, fn) => {
        hookSecrets.grantRead(fn);
        fn.addEnvironment('HOOK_SECRET_ID', hookSecrets.secretName);
        this.alerts.grantPublish(fn);
      },
    });
    // The platform's own alarms, relayed as platform.* alerts, and the operations dashboard.
    const platformAlarm = new HandlerFunction(this, 'PlatformAlarmFunction', {
      handler: 'alerts/platform-alarm',
      serviceName: 'slipway-alerts',
    });
    this.stateStore.grantItems(platformAlarm, 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem');
    this.alerts.grantPublish(platformAlarm);
    // Git pushes (GitHub, GitLab, CodeCommit) → the event bus → runs of the environments they touch.
    // Built before the alarms, so its functions' errors alarm and its own alarms are relayed as
    // platform.* alerts like every other.
    this.gitEvents = new GitEvents(this, 'GitEvents', {
      stateStore: this.stateStore,
      workflow: this.workflow,
      api: this.api,
      encryptionKey,
    });
    const workflowFunctions = this.node
      .findAll()
      .filter((construct): construct is HandlerFunction => construct instanceof HandlerFunction);
    this.alarms = new PlatformAlarms(this, 'Alarms', {
      topic: this.alerts.topic,
      stateMachine: this.workflow.stateMachine,
      functions: workflowFunctions,
      deadLetterQueues: [watchdog.deadLetterQueue],
      relayed: [this.gitEvents.deadLetterAlarm, this.gitEvents.unroutedAlarm],
      relay: platformAlarm,
      encryptionKey,
    });
    const alertSenders = [
      publishAlert,
      executionEnded,
      retryAlerts,
      platformAlarm,
      ...Object.values(this.api.functions),
    ];
    new OperationsDashboard(this, 'Dashboard', {
      stateMachine: this.workflow.stateMachine,
      projects: this.phaseProjects.projects,
      alertLogGroups: alertSenders.map((fn) => fn.logGroup),
      // Every function, the Git push path's (hooks, CodeCommit handler, run starter) included.
      functions: Object.fromEntries(workflowFunctions.map((fn) => [fn.node.id.replace(/Function$/, ''), fn])),
    });
    this.outputs();
    applyNagSuppressions(this);
  }

  /** What a user needs after `cdk deploy`: where the API is and whom it trusts. */
  private outputs(): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Slipway HTTP API' });
    new CfnOutput(this, 'OidcIssuer', { value: this.identity.issuer, description: 'Issuer the API trusts' });
    new CfnOutput(this, 'OidcAudience', {
      value: this.identity.audience.join(','),
      description: 'Audience (client ids) the API accepts',
    });
    const { userPool, client } = this.identity;
    if (userPool && client) {
      new CfnOutput(this, 'UserPoolId', {
        value: userPool.userPoolId,
        description: 'Cognito user pool of callers',
      });
      new CfnOutput(this, 'UserPoolClientId', {
        value: client.userPoolClientId,
        description: 'App client to sign in with',
      });
    }
  }
}

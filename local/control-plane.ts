/**
 * Local mode: the whole control plane in one process, wired from the same parts as the deployed
 * one. The HTTP API serves the very route functions Lambda runs (their AWS clients pointed at the
 * local servers below through the SDK's endpoint variables); the workflow is the state machine
 * the CDK app synthesizes, run by the local engine with the workflow's handlers in-process; builds
 * run the real buildspecs with the local build runner; alerts go to alerts.jsonl and webhooks.
 *
 *   DynamoDB        dynalite, persisted under the data folder        (local/store)
 *   Step Functions  aws-local-stepfunctions + StartExecution rules    (local/workflow)
 *   CodeBuild       the local build runner, simulators on PATH        (local/builds, local/simulators)
 *   SNS             alerts.jsonl + SLIPWAY_ALERT_WEBHOOKS             (local/alerts)
 *   API Gateway     node:http → API Gateway v2 events, local JWTs     (local/http, local/auth)
 *   EventBridge     an in-process dispatcher to the run starter       (local/events)
 */
import './function-environment.js';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRepository, type Repository } from '../functions/adapters/dynamodb/repository.js';
import { environmentHookSecrets, verifierFor } from '../functions/adapters/secrets/hook-secrets.js';
import { withStartBackoff } from '../functions/adapters/sfn/start-backoff.js';
import { startQueuedPush } from '../functions/domain/use-cases/git-push-runs.js';
import { HOOK_ROUTES } from '../functions/handlers/api/routes.js';
import { makeRunStarter } from '../functions/handlers/events/run-starter.js';
import { PUSH_HOOK_FACTORIES } from '../functions/handlers/hooks/hook-factories.js';
import {
  localClusterHookRoutes,
  localStoreHookSecrets,
  startLocalAlertRetrier,
} from './alerts/cluster-hooks.js';
import {
  alertSubscriptionsFromEnv,
  createLocalAlertPublisher,
  type LocalAlertPublisher,
} from './alerts/index.js';
import { localTokenVerifier, resolveDevSecret } from './auth/index.js';
import { prepareBuildSource } from './builds/build-source.js';
import { PhaseFaultCounter, parseFaultSpec, SNS_FAULT } from './builds/faults.js';
import { localProjectVariables } from './builds/project-variables.js';
import { LocalBuildRunner } from './builds/runner.js';
import { findTerraformProviderMirror, localToolReport, type ToolStatus } from './builds/tools.js';
import { LocalEventDispatcher } from './events/dispatcher.js';
import { faultsRoute } from './faults-route.js';
import { type ApiServer, type LocalRoute, startApiServer } from './http/index.js';
import { localRunWatchdog, type RecoveredRun, recoverInterruptedRuns } from './recovery.js';
import { seedLocalSecrets } from './secrets.js';
import { lockDataDir, portError, requirePortFree } from './start-guards.js';
import { IDEMPOTENCY_TABLE, type LocalDynamo, STATE_TABLE, startLocalDynamo } from './store/dynamo.js';
import { loadDefinition } from './workflow/cached-definition.js';
import { type LocalWorkflowEngine, openLocalWorkflowEngine } from './workflow/engine.js';
import { inProcessHandlers } from './workflow/in-process-handlers.js';
import { localRunStarter } from './workflow/local-sfn-client.js';
import { type LocalSfnEndpoint, startLocalSfnEndpoint } from './workflow/sfn-endpoint.js';
import { executionStatusChangeEvent } from './workflow/status-change-event.js';

/** The OIDC issuer local clusters are configured with (never contacted: the nodes are simulated). */
export const LOCAL_OIDC = { issuer: 'https://slipway.local/oidc', clientId: 'slipway-local' } as const;

export interface LocalSettings {
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Seconds each build's BUILD phase is held, so a demo is watchable. */
  readonly phaseSeconds: number;
  /** Builds at once (CodeBuild's concurrent-build limit); more wait in a queue. */
  readonly buildConcurrency: number;
  /** `ansible:1,terraform:2`: the next builds of those phases fail. */
  readonly faults: string;
  /**
   * `all` (default): the installed tools a build can use for real run for real (terraform
   * validate, ansible-lint, kubectl kustomize, git …); `none`: every tool is simulated, for fast
   * test runs whose subject is the control plane, not the payload.
   */
  readonly realTools: 'all' | 'none';
  /** Seconds between passes of the alert retrier. */
  readonly alertRetrySeconds: number;
}

/** Settings from the environment, with the defaults the README gives. */
export function localSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const number = (name: string, fallback: number, min: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min)
      throw new RangeError(`${name} must be a number ≥ ${min}, got '${raw}'`);
    return value;
  };
  return {
    dataDir: resolve(env.SLIPWAY_DATA_DIR?.trim() || '.slipway'),
    port: number('PORT', 8787, 0),
    phaseSeconds: number('SLIPWAY_LOCAL_PHASE_SECONDS', 1, 0),
    buildConcurrency: number('SLIPWAY_LOCAL_BUILD_CONCURRENCY', 4, 1),
    faults: env.SLIPWAY_LOCAL_FAULTS ?? '',
    realTools: realTools(env.SLIPWAY_LOCAL_REAL_TOOLS),
    alertRetrySeconds: number('SLIPWAY_LOCAL_ALERT_RETRY_SECONDS', 10, 1),
  };
}

function realTools(raw: string | undefined): 'all' | 'none' {
  const value = raw?.trim() || 'all';
  if (value !== 'all' && value !== 'none') {
    throw new RangeError(`SLIPWAY_LOCAL_REAL_TOOLS must be all or none, got '${value}'`);
  }
  return value;
}

export interface LocalControlPlane {
  readonly url: string;
  readonly settings: LocalSettings;
  readonly tools: readonly ToolStatus[];
  readonly definitionCached: boolean;
  readonly devSecretSource: string;
  readonly recovered: readonly RecoveredRun[];
  readonly repository: Repository;
  readonly engine: LocalWorkflowEngine;
  readonly alerts: LocalAlertPublisher;
  /** The local event bus: Git pushes and execution ends, delivered to the run starter. */
  readonly events: LocalEventDispatcher;
  /** Stops the API and the builds, then closes the store (for callers whose runs have ended). */
  stop(): Promise<void>;
  /**
   * Stops taking requests and kills the running builds, and nothing else: the caller exits right
   * after, so no execution records anything more. Its runs are then found RUNNING at the next start
   * and handled like an aborted execution in AWS (INTERRUPTED, lock released, one alert).
   */
  halt(): Promise<void>;
}

/**
 * What the route functions read from their environment, as a deployed function has it: table
 * names, the state machine, and endpoints of the local servers instead of AWS. Set on this process
 * only (builds get their own, minimal environment from the build runner).
 */
function pointFunctionsAtLocalServers(
  dynamo: LocalDynamo,
  sfn: LocalSfnEndpoint,
  engine: LocalWorkflowEngine,
) {
  Object.assign(process.env, {
    TABLE_NAME: STATE_TABLE,
    IDEMPOTENCY_TABLE_NAME: IDEMPOTENCY_TABLE,
    STATE_MACHINE_ARN: engine.stateMachineArn,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
  });
}

/**
 * The push hooks (HOOK_ROUTES) as local routes: no JWT, as in AWS; secrets from
 * SLIPWAY_GITHUB_SECRET / SLIPWAY_GITLAB_TOKEN; the bus is the local dispatcher.
 */
export function localHookRoutes(
  repository: Repository,
  events: LocalEventDispatcher,
): Record<string, LocalRoute> {
  const verify = verifierFor(environmentHookSecrets());
  const routes: Record<string, LocalRoute> = {};
  for (const route of HOOK_ROUTES) {
    const make = PUSH_HOOK_FACTORIES[route.id];
    if (!make) continue;
    const hook = make({ verify, publisher: events, repository, now: () => new Date() });
    routes[`${route.method} ${route.path}`] = {
      handler: (event, context) => hook(event, context),
      authorization: 'none',
    };
  }
  return routes;
}

export async function startLocalControlPlane(settings: LocalSettings): Promise<LocalControlPlane> {
  mkdirSync(settings.dataDir, { recursive: true });
  // One local mode per data folder (dynalite's files are not shared), and a taken port said at once.
  const lock = lockDataDir(settings.dataDir);
  const stops: Array<() => Promise<void>> = [async () => lock.release()];
  try {
    await requirePortFree(settings.port);
    const secret = await resolveDevSecret({ dataDir: settings.dataDir, create: true });
    const tools = localToolReport();
    const dynamo = await startLocalDynamo(settings.dataDir);
    stops.unshift(() => dynamo.close());
    const { definition, cached } = await loadDefinition(settings.dataDir);
    const repository = createRepository({ client: dynamo.client, tableName: STATE_TABLE });
    const alerts = createLocalAlertPublisher({
      dataDir: settings.dataDir,
      subscriptions: alertSubscriptionsFromEnv(),
    });
    const faults = new PhaseFaultCounter();
    for (const { phase, count } of parseFaultSpec(settings.faults)) {
      if (phase === SNS_FAULT) alerts.failNext(count);
      else faults.set(phase, count);
    }
    let callbackBaseUrl = '';
    const projectVariables = (phase: string, project: string, build: { tempDir: string }) => ({
      ...localProjectVariables({ dataDir: settings.dataDir, callbackBaseUrl })(phase, project, build),
      // The identity provider clusters trust (the stack's Cognito pool in AWS). Locally a placeholder
      // issuer: the simulated kube-apiserver and Argo CD never fetch its keys.
      SLIPWAY_OIDC_ISSUER_URL: LOCAL_OIDC.issuer,
      SLIPWAY_OIDC_CLIENT_ID: LOCAL_OIDC.clientId,
    });
    const mirror = findTerraformProviderMirror();
    // The phase projects' source, as the CDK app ships it: buildspecs, gitops and the bundled renderer.
    const sourceDir = await prepareBuildSource(settings.dataDir);
    const runner = new LocalBuildRunner({
      dataDir: settings.dataDir,
      sourceDir,
      concurrency: settings.buildConcurrency,
      phaseSeconds: settings.phaseSeconds,
      faults,
      projectVariables,
      realTools: settings.realTools,
      ...(mirror ? { terraformProviderMirror: mirror } : {}),
    });
    // Builds still running at shutdown are stopped (no orphaned shells); their runs are found
    // RUNNING at the next start and interrupted, as after a crash.
    stops.unshift(async () => runner.shutdown());
    seedLocalSecrets(runner.secrets);
    // The run starter behind the local bus: Git pushes start runs, execution ends start queued pushes.
    let startRuns: ((event: Record<string, unknown>) => Promise<unknown>) | undefined;
    const events = new LocalEventDispatcher({
      target: async (event) => {
        if (!startRuns) throw new Error('local run starter is not ready');
        return startRuns(event);
      },
      onDeadLetter: (letter) => process.stderr.write(`slipway local: event not delivered: ${letter.error}\n`),
    });
    const watchdog = localRunWatchdog({ repository, publisher: alerts });
    const engine = await openLocalWorkflowEngine({
      definition,
      dataDir: settings.dataDir,
      handlers: inProcessHandlers({ repository, publisher: alerts, build: runner.build }),
      onEnded: async (execution) => {
        await watchdog(execution);
        events.dispatch(executionStatusChangeEvent(execution));
      },
    });
    const runStarter = withStartBackoff(localRunStarter(engine));
    startRuns = makeRunStarter({ repository, runStarter });
    const recovered = await recoverInterruptedRuns({
      engine,
      repository,
      publisher: alerts,
      // The run starter's release path, for the runs the restart ended: their queued pushes start.
      startQueuedPush: (run) =>
        startQueuedPush({ repository, runStarter, now: () => new Date() }, { ...run, endedRunId: run.runId }),
    });
    // Alerts the local topic refused are published again (backoff applies), as the AWS retrier does.
    const retrier = startLocalAlertRetrier({ repository, publisher: alerts }, settings.alertRetrySeconds);
    stops.unshift(async () => retrier.stop());
    const sfn = await startLocalSfnEndpoint(engine);
    stops.unshift(() => sfn.stop());
    pointFunctionsAtLocalServers(dynamo, sfn, engine);
    const api: ApiServer = await startApiServer({
      verifyToken: localTokenVerifier(secret.key),
      port: settings.port,
      localRoutes: {
        'POST /local/faults': faultsRoute(faults, alerts),
        ...localClusterHookRoutes({
          repository,
          publisher: alerts,
          secrets: localStoreHookSecrets(runner.secrets),
        }),
        ...localHookRoutes(repository, events),
      },
    }).catch((error: unknown) => {
      throw portError(error, settings.port);
    });
    stops.unshift(() => api.close());
    callbackBaseUrl = api.url;
    return {
      url: api.url,
      settings,
      tools,
      definitionCached: cached,
      devSecretSource:
        secret.source === 'env' ? 'SLIPWAY_DEV_JWT_SECRET' : (secret.path ?? 'the data folder'),
      recovered,
      repository,
      engine,
      alerts,
      events,
      async stop() {
        for (const stop of stops) await stop().catch(() => undefined);
      },
      async halt() {
        await api.close().catch(() => undefined);
        await sfn.stop().catch(() => undefined);
        runner.shutdown();
        lock.release();
      },
    };
  } catch (error) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw error;
  }
}

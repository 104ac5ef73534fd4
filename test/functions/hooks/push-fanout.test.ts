/**
 * Fan-out: one push touching 500 environments starts 500 runs, which run to their end on the local
 * workflow engine (local/workflow/engine.ts: the synthesized definition, Step Functions' execution
 * name rules, the journal) with fake builds (test/support/fake-builds.ts): each run executes the
 * ArgoCD phase alone at the pushed commit, Terraform and Ansible SKIPPED. The same push delivered
 * again starts no execution. The 500 READY environments are seeded in bulk: one is recorded through
 * the state layer (recordSpec, then what its provisioning runs would leave: READY and their
 * successes), and its stored item is the template of the other 499, written with BatchWriteItem.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { withStartBackoff } from '../../../functions/adapters/sfn/start-backoff.js';
import { pushExecutionName } from '../../../functions/domain/execution-name.js';
import type { GitPushed } from '../../../functions/domain/git-push.js';
import { PHASES, type PhaseName } from '../../../functions/domain/model.js';
import { phaseFingerprint, phaseInputs } from '../../../functions/domain/phase-plan.js';
import { specHash } from '../../../functions/domain/spec-hash.js';
import { makeRunStarter } from '../../../functions/handlers/events/run-starter.js';
import { createLocalAlertPublisher } from '../../../local/alerts/local-alert-publisher.js';
import { type LocalWorkflowEngine, openLocalWorkflowEngine } from '../../../local/workflow/engine.js';
import { inProcessHandlers } from '../../../local/workflow/in-process-handlers.js';
import { localRunStarter } from '../../../local/workflow/local-sfn-client.js';
import { FakeBuilds } from '../../support/fake-builds.js';
import { commitId } from './payloads.js';
import { freshRepository, type PushHarness, specFollowing, startPushHarness } from './push-harness.js';

const FAN_OUT = 500;
let harness: PushHarness;
let dataDir: string;
let engine: LocalWorkflowEngine;
const builds = new FakeBuilds();

beforeAll(async () => {
  harness = await startPushHarness();
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-fanout-'));
  engine = await openLocalWorkflowEngine({
    definition: harness.api.workflow.definition,
    dataDir,
    handlers: inProcessHandlers({
      repository: harness.api.repository,
      publisher: createLocalAlertPublisher({ dataDir }),
      build: builds.build,
    }),
  });
});

afterAll(async () => {
  await engine?.idle();
  await harness?.stop();
  await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
});

/** What each phase exported (the ArgoCD phase's build reads the ansible phase's kubeconfig id). */
function outputsOf(phase: PhaseName, environment: string): Record<string, string> {
  switch (phase) {
    case 'terraform':
      return {
        TF_OUTPUTS_S3_KEY: `fan/${environment}/terraform-outputs.json`,
        CLUSTER_NAME: `fan-${environment}`,
      };
    case 'ansible':
      return { KUBECONFIG_SECRET_ID: `slipway/fan/${environment}/kubeconfig`, NODES_READY: '6/6' };
    default:
      return { ARGOCD_SYNC_STATUS: 'Synced' };
  }
}

/**
 * The environment's spec, hash and successes, as its provisioning runs would have left them: each
 * phase's fingerprint over its inputs and the outputs of the phases before it (phase-plan.ts).
 */
function readyState(organization: string, environment: string, repository: string) {
  const spec = specFollowing(organization, environment, repository, `tenants/fan/${environment}`);
  const hash = specHash(spec);
  let upstream: Record<string, string> = {};
  const successes = Object.fromEntries(
    PHASES.map((phase) => {
      const success = {
        fingerprint: phaseFingerprint(phase, phaseInputs(phase, spec, ''), upstream),
        runId: `${organization}.${environment}.000001.${hash.slice(0, 8)}`,
        outputs: outputsOf(phase, environment),
        at: '2026-12-01T00:00:00.000Z',
      };
      upstream = { ...upstream, ...success.outputs };
      return [phase, success];
    }),
  );
  return { spec, hash, successes };
}

/** FAN_OUT READY environments following `repository`: one through the state layer, the rest in bulk. */
async function seedReady(organization: string, environments: readonly string[], repository: string) {
  const { tableName, documentClient } = harness.api.workflow.dynamo;
  const [first = 'e000', ...rest] = environments;
  const seed = readyState(organization, first, repository);
  await harness.api.repository.recordSpec({
    organization,
    environment: first,
    spec: seed.spec,
    specHash: seed.hash,
  });
  await documentClient.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.environment(organization, first),
      UpdateExpression: 'SET #status = :ready, successes = :successes',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':ready': 'READY', ':successes': seed.successes },
    }),
  );
  const template = (
    await documentClient.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.environment(organization, first),
        ConsistentRead: true,
      }),
    )
  ).Item;
  if (!template) throw new Error('the seeded environment was not stored');
  const items = rest.map((environment) => {
    const state = readyState(organization, environment, repository);
    const index = keys.environmentBySource(
      organization,
      environment,
      `https://github.com/${repository}.git`,
      'main',
    );
    return {
      ...template,
      ...keys.environment(organization, environment),
      environment,
      spec: state.spec,
      specHash: state.hash,
      successes: state.successes,
      gitopsPath: `tenants/fan/${environment}`,
      gsi2pk: index.gsi2pk,
      gsi2sk: index.gsi2sk,
    };
  });
  for (let start = 0; start < items.length; start += 25) {
    let requests = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt === 10) throw new Error('BatchWriteItem left items unprocessed 10 times');
      const result = await documentClient.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
}

describe('fan-out', () => {
  it(`starts ${FAN_OUT} runs for one push touching ${FAN_OUT} environments, each runs the ArgoCD phase alone to its end, and a redelivery starts none`, async () => {
    const repository = freshRepository();
    const organization = harness.organization;
    const environments = Array.from({ length: FAN_OUT }, (_, index) => `e${String(index).padStart(3, '0')}`);
    const seeding = Date.now();
    await seedReady(organization, environments, repository);
    const seededMs = Date.now() - seeding;
    const following = await harness.api.repository.listFollowingEnvironments(
      `github.com/${repository}`,
      'main',
      { limit: 1000 },
    );
    expect(following.items).toHaveLength(FAN_OUT);

    const runStarter = makeRunStarter({
      repository: harness.api.repository,
      runStarter: withStartBackoff(localRunStarter(engine), { sleep: async () => undefined }),
      // The deployed starter's concurrency: more does not help here, dynalite is CPU-bound.
      concurrency: 8,
    });
    const push: GitPushed = {
      source: 'github',
      repository: `github.com/${repository}`,
      branch: 'main',
      before: commitId(),
      after: commitId(),
      changedPaths: environments.map((environment) => `tenants/fan/${environment}/quota.yaml`),
      deliveryId: 'fan-out-1',
      pushedAt: new Date().toISOString(),
    };
    const event = {
      version: '0',
      id: 'event-1',
      'detail-type': 'GitPushed',
      source: 'slipway.git',
      account: '123456789012',
      time: '2026-12-01T21:30:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: push,
    };

    const started = Date.now();
    const first = await runStarter(event);
    const routedMs = Date.now() - started;
    expect(first).toMatchObject({ kind: 'git-pushed', result: { counts: { started: FAN_OUT } } });
    await engine.idle();
    const ranMs = Date.now() - started - routedMs;

    // 500 executions, one per environment, named from environment and commit, all SUCCEEDED.
    const arnOf = (environment: string) =>
      `${engine.stateMachineArn.replace(':stateMachine:', ':execution:')}:${pushExecutionName(organization, environment, push.after)}`;
    const statuses = environments.map((environment) => engine.describeExecution(arnOf(environment)).status);
    expect(statuses.filter((status) => status === 'SUCCEEDED')).toHaveLength(FAN_OUT);
    // Each ran the ArgoCD phase alone, at the pushed commit.
    expect(builds.calls).toHaveLength(FAN_OUT);
    expect(
      builds.calls.every(
        (call) => call.phase === 'argocd-bootstrap' && call.variables.SLIPWAY_COMMIT === push.after,
      ),
    ).toBe(true);
    expect(new Set(builds.calls.map((call) => call.variables.SLIPWAY_ENVIRONMENT)).size).toBe(FAN_OUT);
    for (const environment of ['e000', 'e250', 'e499']) {
      const [run, ...others] = (await harness.api.repository.listRuns(organization, environment)).items;
      expect(others, environment).toEqual([]);
      expect(run, environment).toMatchObject({
        trigger: 'git-push',
        commit: push.after,
        status: 'SUCCEEDED',
      });
      expect(run?.phases.terraform.status).toBe('SKIPPED');
      expect(run?.phases.ansible.status).toBe('SKIPPED');
      expect(run?.phases['argocd-bootstrap'].status).toBe('SUCCEEDED');
    }
    expect(await harness.api.repository.listLockedEnvironments({ limit: 1000 })).toEqual([]);

    // Delivered again (EventBridge at-least-once, a replay from the archive): nothing new starts,
    // and StartExecution itself would refuse the name of a push run it already ran.
    const again = await runStarter({ ...event, id: 'event-2' });
    expect(again).toMatchObject({ result: { counts: { duplicate: FAN_OUT } } });
    await engine.idle();
    expect(builds.calls).toHaveLength(FAN_OUT);
    const name = pushExecutionName(organization, 'e123', push.after);
    await expect(engine.startExecution({ name, input: '{}' })).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
    process.stdout.write(
      `fan-out: seeded ${FAN_OUT} environments in ${seededMs} ms; ${FAN_OUT} runs started in ${routedMs} ms ` +
        `and ran to their end in ${ranMs} ms; redelivery started 0 in ${Date.now() - started - routedMs - ranMs} ms\n`,
    );
  }, 600_000);
});

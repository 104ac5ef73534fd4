/**
 * Fan-out: one push touching 500 environments starts 500 runs — 500 run records taking 500 locks
 * and 500 StartExecution calls of the synthesized workflow (test/support/api-harness.ts) — and the
 * same push delivered again starts none. The 500 environments are arranged READY directly in the
 * table (what 500 earlier provisioning runs would leave) and the executions are held before their
 * first state, which keeps the test cheap: their subject, a run end, is tested in push-runs.test.ts.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import type { GitPushed } from '../../../functions/domain/git-push.js';
import { PHASES } from '../../../functions/domain/model.js';
import { phaseFingerprint, phaseInputs } from '../../../functions/domain/phase-plan.js';
import { specHash } from '../../../functions/domain/spec-hash.js';
import { commitId } from './payloads.js';
import { freshRepository, type PushHarness, specFollowing, startPushHarness } from './push-harness.js';

const FAN_OUT = 500;
let harness: PushHarness;

beforeAll(async () => {
  harness = await startPushHarness();
});

afterAll(async () => {
  await harness?.stop();
});

async function arrangeReady(organization: string, environment: string, repository: string) {
  const spec = specFollowing(organization, environment, repository, `tenants/fan/${environment}`);
  const hash = specHash(spec);
  await harness.api.repository.recordSpec({ organization, environment, spec, specHash: hash });
  const successes = Object.fromEntries(
    PHASES.map((phase) => [
      phase,
      {
        fingerprint: phaseFingerprint(phase, phaseInputs(phase, spec, ''), {}),
        runId: `${organization}.${environment}.000000.${hash.slice(0, 8)}`,
        outputs: {},
        at: '2026-12-01T00:00:00.000Z',
      },
    ]),
  );
  await harness.api.workflow.dynamo.documentClient.send(
    new UpdateCommand({
      TableName: harness.api.workflow.dynamo.tableName,
      Key: keys.environment(organization, environment),
      UpdateExpression: 'SET #status = :ready, successes = :successes',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':ready': 'READY', ':successes': successes },
    }),
  );
}

describe('fan-out', () => {
  it(`starts ${FAN_OUT} runs for one push touching ${FAN_OUT} environments, and none when it is delivered again`, async () => {
    const repository = freshRepository();
    const organization = harness.organization;
    const arranging = Date.now();
    const environments = Array.from({ length: FAN_OUT }, (_, index) => `e${String(index).padStart(3, '0')}`);
    for (let start = 0; start < environments.length; start += 25) {
      await Promise.all(
        environments
          .slice(start, start + 25)
          .map((environment) => arrangeReady(organization, environment, repository)),
      );
    }
    const arrangedMs = Date.now() - arranging;
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
    const startsBefore = harness.api.starter.inputs.length;
    // Executions wait before their first state: the runs hold their locks, as while builds run.
    harness.api.starter.hold = new Promise<void>(() => undefined);

    const started = Date.now();
    const first = await harness.runStarter(event);
    const routedMs = Date.now() - started;

    expect(first).toMatchObject({ kind: 'git-pushed', result: { counts: { started: FAN_OUT } } });
    const inputs = harness.api.starter.inputs.slice(startsBefore);
    expect(inputs).toHaveLength(FAN_OUT);
    expect(new Set(inputs.map((input) => input.runId)).size).toBe(FAN_OUT);
    expect(
      inputs.every((input) => input.commit === push.after && input.skipPhases.join() === 'terraform,ansible'),
    ).toBe(true);
    const locked = await harness.api.repository.listLockedEnvironments({ limit: 1000 });
    expect(new Set(locked.map((entry) => entry.environment)).size).toBe(FAN_OUT);

    // Delivered again (EventBridge at-least-once, a replay from the archive): nothing new starts.
    const again = await harness.runStarter({ ...event, id: 'event-2' });
    expect(again).toMatchObject({ result: { counts: { duplicate: FAN_OUT } } });
    expect(harness.api.starter.inputs.length - startsBefore).toBe(FAN_OUT);
    const sample = await harness.api.repository.listRuns(organization, 'e250');
    expect(sample.items.map((run) => [run.trigger, run.commit, run.status])).toEqual([
      ['git-push', push.after, 'RUNNING'],
    ]);
    process.stdout.write(
      `fan-out: arranged ${FAN_OUT} environments in ${arrangedMs} ms; ${FAN_OUT} runs started ` +
        `(${inputs.length} StartExecution calls) in ${routedMs} ms; redelivery started 0 in ${Date.now() - started - routedMs} ms\n`,
    );
  }, 240_000);
});

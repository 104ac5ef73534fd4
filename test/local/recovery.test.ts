/**
 * Local mode's recovery after a restart (local/recovery.ts) with real parts: the local workflow
 * engine's journal in a temporary data folder, the synthesized definition, the repository on
 * dynalite and the run starter's release path (startQueuedPush). A push queued while a run held
 * the lock must not be lost when that run dies with the process: recovery ends the run and starts
 * the queued push, as the run starter does in AWS when the run's end is reported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withStartBackoff } from '../../functions/adapters/sfn/start-backoff.js';
import { pushExecutionName } from '../../functions/domain/execution-name.js';
import type { GitPushed } from '../../functions/domain/git-push.js';
import type { PhaseName } from '../../functions/domain/model.js';
import { startQueuedPush } from '../../functions/domain/use-cases/git-push-runs.js';
import { createLocalAlertPublisher } from '../../local/alerts/local-alert-publisher.js';
import { recoverInterruptedRuns } from '../../local/recovery.js';
import { type LocalWorkflowEngine, openLocalWorkflowEngine } from '../../local/workflow/engine.js';
import { inProcessHandlers } from '../../local/workflow/in-process-handlers.js';
import { localRunStarter } from '../../local/workflow/local-sfn-client.js';
import { FakeBuilds } from '../support/fake-builds.js';
import { seedRun, startSeeded, workflowInput } from '../support/fixtures.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow-harness.js';

let harness: WorkflowHarness;
let dataDir: string;
const engines: LocalWorkflowEngine[] = [];

beforeAll(async () => {
  harness = await startWorkflowHarness();
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-recovery-'));
});
afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.idle()));
  await harness.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Builds of the first process never finish (it "dies" with them held); the second's succeed. */
async function openEngine(hold: boolean): Promise<LocalWorkflowEngine> {
  const builds = new FakeBuilds();
  const engine = await openLocalWorkflowEngine({
    definition: harness.definition,
    dataDir,
    handlers: inProcessHandlers({
      repository: harness.repository,
      publisher: createLocalAlertPublisher({ dataDir }),
      build: hold
        ? () => new Promise<never>(() => undefined)
        : async (phase: PhaseName, parameters: unknown) => builds.build(phase, parameters),
    }),
  });
  if (!hold) engines.push(engine);
  return engine;
}

describe('local recovery after a restart', () => {
  it('starts the push queued for a busy environment whose run died with the process', async () => {
    const before = await openEngine(true);
    const run = await startSeeded(harness.repository, await seedRun(harness.repository));
    await before.startExecution({ name: run.runId, input: JSON.stringify(workflowInput(run)) });
    const after = '0c1b2a39485766574839201a2b3c4d5e6f708192';
    const push: GitPushed = {
      source: 'github',
      repository: 'github.com/acme/platform-gitops',
      branch: 'main',
      before: '1'.repeat(40),
      after,
      changedPaths: ['tenants/acme/prod/app.yaml'],
      deliveryId: 'queued-while-busy',
      pushedAt: new Date().toISOString(),
    };
    expect(await harness.repository.queuePush(run.organization, run.environment, push)).toBe('queued');

    // The process dies; the next one opens the same data folder and recovers.
    const restarted = await openEngine(false);
    const runStarter = withStartBackoff(localRunStarter(restarted), { sleep: async () => undefined });
    const recovered = await recoverInterruptedRuns({
      engine: restarted,
      repository: harness.repository,
      publisher: createLocalAlertPublisher({ dataDir }),
      startQueuedPush: (ended) =>
        startQueuedPush(
          { repository: harness.repository, runStarter, now: () => new Date() },
          { ...ended, endedRunId: ended.runId },
        ),
    });

    expect(recovered).toEqual([
      { organization: run.organization, environment: run.environment, runId: run.runId },
    ]);
    expect((await harness.repository.getRun(run.runId))?.status).toBe('INTERRUPTED');
    // The queued push is now the environment's run, under its push execution name, and runs to its end.
    const name = pushExecutionName(run.organization, run.environment, after);
    await restarted.idle();
    const runs = (await harness.repository.listRuns(run.organization, run.environment)).items;
    const pushRun = runs.find((each) => each.trigger === 'git-push');
    expect(pushRun).toMatchObject({ commit: after, status: 'SUCCEEDED', seq: 2 });
    expect(
      restarted.describeExecution(
        `${restarted.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      ),
    ).toMatchObject({
      status: 'SUCCEEDED',
    });
    expect(await harness.repository.getQueuedPush(run.organization, run.environment)).toBeUndefined();
  });

  it('reports a queued push it cannot start instead of failing the restart, and still recovers the run', async () => {
    const before = await openEngine(true);
    const run = await startSeeded(harness.repository, await seedRun(harness.repository));
    await before.startExecution({ name: run.runId, input: JSON.stringify(workflowInput(run)) });
    const errors: string[] = [];
    const restarted = await openEngine(false);
    const recovered = await recoverInterruptedRuns({
      engine: restarted,
      repository: harness.repository,
      publisher: createLocalAlertPublisher({ dataDir }),
      startQueuedPush: async () => {
        throw new Error('run starter down');
      },
      onQueuedPushError: (error, ended) => errors.push(`${ended.runId}: ${String(error)}`),
    });
    expect(recovered.map((each) => each.runId)).toEqual([run.runId]);
    expect(errors).toEqual([`${run.runId}: Error: run starter down`]);
    expect((await harness.repository.getRun(run.runId))?.status).toBe('INTERRUPTED');
  });
});

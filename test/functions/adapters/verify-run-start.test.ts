/**
 * verifyRunStart (AcquireLock, functions/adapters/dynamodb/runs.ts) against dynalite: the
 * workflow trusts nothing it is given — each way an execution's input can differ from the run the
 * API started is refused with nothing written (mutation testing found these guards covered only
 * through the synthesized workflow).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import type { WriteEvent } from '../../../functions/adapters/dynamodb/store.js';
import { TransitionRefusedError } from '../../../functions/domain/errors.js';
import type { PhasePlan } from '../../../functions/domain/phase-plan.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { type SeededRun, seedRun } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;
const writes: WriteEvent[] = [];

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({
    client: dynamo.client,
    tableName: dynamo.tableName,
    onWrite: (event) => writes.push(event),
  });
});

afterAll(async () => {
  await dynamo.stop();
});

async function started(): Promise<SeededRun> {
  const run = await seedRun(repository);
  await repository.startRun({ ...run, commit: 'abc123', spec: run.spec });
  return run;
}

const input = (run: SeededRun) => ({
  organization: run.organization,
  environment: run.environment,
  runId: run.runId,
  seq: run.seq,
  trigger: run.trigger,
  specHash: run.specHash,
  skipPhases: [] as ('terraform' | 'ansible' | 'argocd-bootstrap')[],
});

async function refused(call: () => Promise<unknown>, message: string) {
  const before = writes.length;
  await expect(call()).rejects.toThrow(TransitionRefusedError);
  await expect(call()).rejects.toThrow(message);
  expect(writes.length).toBe(before);
}

describe('verifyRunStart', () => {
  it('accepts the run the API started, its first phase already open, writing nothing', async () => {
    const run = await started();
    const before = writes.length;
    const verified = await repository.verifyRunStart(input(run));
    expect(verified.startAt).toBe('terraform');
    expect(verified.run.phases.terraform.status).toBe('RUNNING');
    expect(writes.length).toBe(before);
  });

  it('refuses a run that does not hold the lock', async () => {
    const run = await started();
    const other = { ...input(run), runId: `${run.organization}.${run.environment}.000001.ffffffff` };
    await refused(
      () => repository.verifyRunStart(other),
      `the lock of ${run.organization}/${run.environment} is held by run ${run.runId}`,
    );
  });

  it('refuses a spec hash that is not the recorded desired spec, and a trigger the run was not started with', async () => {
    const run = await started();
    await refused(
      () => repository.verifyRunStart({ ...input(run), specHash: 'f'.repeat(64) }),
      'is not the recorded desired spec',
    );
    await refused(
      () => repository.verifyRunStart({ ...input(run), trigger: 'resume' }),
      'its spec hash or trigger differs from the run the API started',
    );
  });

  it('refuses a run that is no longer RUNNING, though it still holds the lock', async () => {
    const run = await started();
    await dynamo.documentClient.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: keys.run(run.organization, run.environment, run.seq),
        UpdateExpression: 'SET #status = :failed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'FAILED' },
      }),
    );
    await refused(() => repository.verifyRunStart(input(run)), 'the run is FAILED');
  });

  it('starts a run whose plan skips its first phase at the next one, the skipped phase counted done', async () => {
    const run = await seedRun(repository);
    const handedOn = { runId: 'earlier-run', outputs: { VPC_ID: 'vpc-1' } };
    const plan: PhasePlan = {
      direction: 'provision',
      order: ['terraform', 'ansible', 'argocd-bootstrap'],
      startAt: 'ansible',
      phases: {
        terraform: { phase: 'terraform', action: 'skip', inputs: 'i-tf', reason: 'unchanged', handedOn },
        ansible: { phase: 'ansible', action: 'run', inputs: 'i-an', reason: 'inputs changed' },
        'argocd-bootstrap': {
          phase: 'argocd-bootstrap',
          action: 'run',
          inputs: 'i-cd',
          reason: 'runs after ansible',
        },
      },
    };
    const successes = {
      terraform: { ...handedOn, fingerprint: 'f'.repeat(64), at: '2026-12-01T08:00:00.000Z' },
    };
    await repository.startRun({ ...run, commit: 'abc123', spec: run.spec, plan, successes });

    const verified = await repository.verifyRunStart({ ...input(run), skipPhases: ['terraform'] });
    expect(verified.startAt).toBe('ansible');
    expect(verified.run.phases.terraform).toMatchObject({ status: 'SKIPPED', outputs: handedOn.outputs });

    await repository.recordPhase({
      ...run,
      close: { phase: 'ansible', buildId: 'an-1', outputs: {} },
      open: { phase: 'argocd-bootstrap' },
    });
    const done = await repository.completeRun({
      ...run,
      close: { phase: 'argocd-bootstrap', buildId: 'cd-1', outputs: {} },
    });
    expect(done.run.status).toBe('SUCCEEDED');
  });

  it('refuses a plan whose skipped phases are not the run’s', async () => {
    const run = await started();
    await refused(
      () => repository.verifyRunStart({ ...input(run), skipPhases: ['terraform'] }),
      `its plan skips [terraform], the run's skips []`,
    );
  });
});

type Phase = 'terraform' | 'ansible' | 'argocd-bootstrap';
const PROVISION_ORDER: Phase[] = ['terraform', 'ansible', 'argocd-bootstrap'];

/** A plan that skips `skip` (handed on from `from`, when given) and runs the rest. */
function planSkipping(skip: Phase[], options: { teardown?: boolean; from?: string } = {}): PhasePlan {
  const order = options.teardown ? [...PROVISION_ORDER].reverse() : PROVISION_ORDER;
  const handedOn = options.from ? { handedOn: { runId: options.from, outputs: { OUT: options.from } } } : {};
  const phases = Object.fromEntries(
    order.map((phase) => [
      phase,
      skip.includes(phase)
        ? { phase, action: 'skip' as const, inputs: `i-${phase}`, reason: 'unchanged', ...handedOn }
        : { phase, action: 'run' as const, inputs: `i-${phase}`, reason: 'inputs changed' },
    ]),
  ) as PhasePlan['phases'];
  return {
    direction: options.teardown ? 'teardown' : 'provision',
    order,
    startAt: order.find((phase) => !skip.includes(phase)),
    phases,
  };
}

/** Successes recorded for `phases` by run `runId`. */
const successesOf = (phases: Phase[], runId: string) =>
  Object.fromEntries(
    phases.map((phase) => [
      phase,
      { runId, fingerprint: 'f'.repeat(64), outputs: {}, at: '2026-12-01T08:00:00.000Z' },
    ]),
  );

async function startedWith(
  plan: PhasePlan,
  successes: Record<string, unknown> = {},
  trigger: 'api' | 'teardown' = 'api',
): Promise<SeededRun> {
  const run = await seedRun(repository, { trigger });
  await repository.startRun({ ...run, commit: 'abc123', spec: run.spec, plan, successes });
  return run;
}

describe('verifyRunStart, the run item and plan checked', () => {
  it('refuses an environment that does not exist, and one whose lock no run holds', async () => {
    const run = await seedRun(repository);
    await expect(repository.verifyRunStart(input(run))).rejects.toThrow(
      `environment ${run.organization}/${run.environment} does not exist`,
    );
    const held = await started();
    await repository.abandonRun({ ...held, cause: 'no execution' });
    await refused(
      () => repository.verifyRunStart(input(held)),
      `run ${held.runId} refused: it does not hold the lock of ${held.organization}/${held.environment}`,
    );
  });

  it('names the first 12 characters of a spec hash that is not the recorded one', async () => {
    const run = await started();
    const other = `0123456789ab${'c'.repeat(52)}`;
    await refused(
      () => repository.verifyRunStart({ ...input(run), specHash: other }),
      `run ${run.runId} refused: spec hash 0123456789ab is not the recorded desired spec of ${run.organization}/${run.environment}`,
    );
  });

  it('refuses a run item whose spec hash is not the one its lock recorded', async () => {
    const run = await started();
    await dynamo.documentClient.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: keys.run(run.organization, run.environment, run.seq),
        UpdateExpression: 'SET specHash = :other',
        ExpressionAttributeValues: { ':other': 'e'.repeat(64) },
      }),
    );
    await refused(
      () => repository.verifyRunStart(input(run)),
      'its spec hash or trigger differs from the run the API started',
    );
  });

  it('compares two skipped phases in order, naming both lists in a refusal', async () => {
    const run = await startedWith(
      planSkipping(['terraform', 'ansible'], { from: 'earlier' }),
      successesOf(['terraform', 'ansible'], 'earlier'),
    );
    const verified = await repository.verifyRunStart({ ...input(run), skipPhases: ['terraform', 'ansible'] });
    expect(verified.startAt).toBe('argocd-bootstrap');
    await refused(
      () => repository.verifyRunStart({ ...input(run), skipPhases: ['terraform'] }),
      `its plan skips [terraform], the run's skips [terraform, ansible]`,
    );
    const plain = await started();
    await refused(
      () => repository.verifyRunStart({ ...input(plain), skipPhases: ['terraform', 'ansible'] }),
      `its plan skips [terraform, ansible], the run's skips []`,
    );
  });

  it('refuses a skipped phase with no earlier success, or a success of another run than the one handed on', async () => {
    const none = await startedWith(planSkipping(['terraform'], { from: 'earlier' }));
    await refused(
      () => repository.verifyRunStart({ ...input(none), skipPhases: ['terraform'] }),
      `run ${none.runId} refused: it skips terraform, which has no earlier success to hand on`,
    );
    const other = await startedWith(
      planSkipping(['terraform'], { from: 'earlier' }),
      successesOf(['terraform'], 'another'),
    );
    await refused(
      () => repository.verifyRunStart({ ...input(other), skipPhases: ['terraform'] }),
      'it skips terraform, which has no earlier success to hand on',
    );
  });

  it('accepts a teardown’s skipped phases without earlier successes (nothing is handed on when undoing)', async () => {
    const run = await startedWith(planSkipping(['ansible', 'terraform'], { teardown: true }), {}, 'teardown');
    const verified = await repository.verifyRunStart({ ...input(run), skipPhases: ['ansible', 'terraform'] });
    expect(verified.startAt).toBe('argocd-bootstrap');
  });

  it('refuses a run with no phase to run', async () => {
    const run = await startedWith(
      planSkipping(PROVISION_ORDER, { from: 'earlier' }),
      successesOf(PROVISION_ORDER, 'earlier'),
    );
    const item = await repository.getRunBySeq(run.organization, run.environment, run.seq);
    expect(item?.history.map((entry) => entry.event)).toEqual(['run.started']);
    await refused(
      () => repository.verifyRunStart({ ...input(run), skipPhases: PROVISION_ORDER }),
      `run ${run.runId} refused: it has no phase to run`,
    );
  });

  it('opens the first phase of a run item that has it still PENDING, in one write', async () => {
    const run = await started();
    await dynamo.documentClient.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: keys.run(run.organization, run.environment, run.seq),
        UpdateExpression: 'SET phases.terraform = :pending',
        ExpressionAttributeValues: { ':pending': { status: 'PENDING' } },
      }),
    );
    const before = writes.length;
    const verified = await repository.verifyRunStart(input(run));
    expect(writes.length).toBe(before + 1);
    expect(verified.startAt).toBe('terraform');
    expect(verified.run.phases.terraform.status).toBe('RUNNING');
    expect(verified.environment.activeRunId).toBe(run.runId);
  });
});

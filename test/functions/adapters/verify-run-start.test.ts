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

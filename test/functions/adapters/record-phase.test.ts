/**
 * recordPhase (functions/adapters/dynamodb/runs.ts) against dynalite: the second attempt after a
 * failed condition writes only the part of the change that is still missing, a full replay writes
 * nothing, and each refusal has its message. Mutation testing found the retry and the messages
 * untested.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import type { WriteEvent } from '../../../functions/adapters/dynamodb/store.js';
import { TransitionRefusedError, ValidationError } from '../../../functions/domain/errors.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { COMMIT, type SeededRun, seedRun } from '../../support/fixtures.js';

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

const T0 = new Date('2026-12-01T09:00:00.000Z');
const T1 = new Date('2026-12-01T09:10:00.000Z');
const T2 = new Date('2026-12-01T09:20:00.000Z');

/** A started run: terraform RUNNING (opened by startRun at T0), the others PENDING. */
async function started(): Promise<SeededRun> {
  const run = await seedRun(repository);
  await repository.startRun({ ...run, commit: COMMIT, spec: run.spec, at: T0 });
  return run;
}

const closeTerraform = { phase: 'terraform' as const, buildId: 'tf-1', outputs: { VPC: 'vpc-1' } };

/** The outcomes of the run item writes since `from`. */
const runWrites = (from: number) =>
  writes
    .slice(from)
    .filter((event) => String(event.key.sk).startsWith('RUN#'))
    .map((event) => event.outcome);

describe('recordPhase', () => {
  it('refuses a request that neither closes nor opens, or closes and opens the same phase, writing nothing', async () => {
    const run = await started();
    const before = writes.length;
    await expect(repository.recordPhase({ ...run })).rejects.toThrow(
      new ValidationError('recordPhase needs close, open or both'),
    );
    await expect(
      repository.recordPhase({ ...run, close: closeTerraform, open: { phase: 'terraform' } }),
    ).rejects.toThrow(new ValidationError('phase terraform cannot be closed and opened at once'));
    expect(writes.length).toBe(before);
  });

  it('records a close without a log link as no log link', async () => {
    const run = await started();
    const { run: after } = await repository.recordPhase({ ...run, close: closeTerraform, at: T1 });
    expect(after.phases.terraform).toEqual({
      status: 'SUCCEEDED',
      startedAt: T0.toISOString(),
      endedAt: T1.toISOString(),
      buildId: 'tf-1',
      outputs: { VPC: 'vpc-1' },
    });
    expect(after.updatedAt).toBe(T1.toISOString());
  });

  it('after a close already recorded, opens the next phase alone on the second attempt', async () => {
    const run = await started();
    await repository.recordPhase({ ...run, close: closeTerraform, at: T1 });
    const before = writes.length;

    const result = await repository.recordPhase({
      ...run,
      close: closeTerraform,
      open: { phase: 'ansible' },
      at: T2,
    });

    expect(runWrites(before)).toEqual(['condition-failed', 'written']);
    expect(result.changed).toBe(true);
    expect(result.run.phases.terraform).toMatchObject({ status: 'SUCCEEDED', endedAt: T1.toISOString() });
    expect(result.run.phases.ansible).toEqual({ status: 'RUNNING', startedAt: T2.toISOString() });
    expect(result.run.history.slice(1)).toEqual([
      { at: T0.toISOString(), event: 'phase.started', detail: { phase: 'terraform' } },
      { at: T1.toISOString(), event: 'phase.succeeded', detail: { phase: 'terraform', buildId: 'tf-1' } },
      { at: T2.toISOString(), event: 'phase.started', detail: { phase: 'ansible' } },
    ]);
    expect(result.run.updatedAt).toBe(T2.toISOString());
  });

  it('after an open already recorded, closes the phase alone on the second attempt', async () => {
    const run = await started();
    await repository.recordPhase({ ...run, open: { phase: 'ansible' }, at: T1 });
    const before = writes.length;

    const result = await repository.recordPhase({
      ...run,
      close: closeTerraform,
      open: { phase: 'ansible' },
      at: T2,
    });

    expect(runWrites(before)).toEqual(['condition-failed', 'written']);
    expect(result.changed).toBe(true);
    expect(result.run.phases.terraform).toMatchObject({ status: 'SUCCEEDED', endedAt: T2.toISOString() });
    expect(result.run.phases.ansible).toEqual({ status: 'RUNNING', startedAt: T1.toISOString() });
    expect(result.run.history.map((entry) => entry.event)).toEqual([
      'run.started',
      'phase.started',
      'phase.started',
      'phase.succeeded',
    ]);
  });

  it('answers a full replay with the stored run and changed false, after one refused write', async () => {
    const run = await started();
    const first = await repository.recordPhase({
      ...run,
      close: closeTerraform,
      open: { phase: 'ansible' },
      at: T1,
    });
    const before = writes.length;
    const replay = await repository.recordPhase({
      ...run,
      close: closeTerraform,
      open: { phase: 'ansible' },
      at: T2,
    });
    expect(runWrites(before)).toEqual(['condition-failed']);
    expect(replay).toEqual({ run: first.run, changed: false });
  });

  it('refuses a phase change of a run that has failed, naming its status', async () => {
    const run = await started();
    await repository.failRun({ ...run, phase: 'terraform', cause: 'exit 1', retryable: false });
    const refusal = await repository
      .recordPhase({ ...run, open: { phase: 'ansible' } })
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(TransitionRefusedError);
    expect((refusal as Error).message).toBe(`run ${run.runId} is FAILED: its phases cannot change`);
  });

  it('gives up after two refused writes whose diagnosis says the change is still missing', async () => {
    const run = await started();
    // Every write of the run item is refused, as if another writer changed it each time.
    const client = DynamoDBDocumentClient.from(dynamo.newClient(), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    let updates = 0;
    Object.assign(client, {
      send: async (command: unknown) => {
        if (command instanceof UpdateCommand) {
          updates += 1;
          throw new ConditionalCheckFailedException({
            message: 'The conditional request failed',
            $metadata: {},
          });
        }
        return send(command);
      },
    });
    const contended = createRepository({ client, tableName: dynamo.tableName });
    const refusal = await contended
      .recordPhase({ ...run, close: closeTerraform, open: { phase: 'ansible' } })
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(TransitionRefusedError);
    expect((refusal as Error).message).toBe(
      `run ${run.runId} changed concurrently; phase change not recorded`,
    );
    expect(updates).toBe(2);
  });
});

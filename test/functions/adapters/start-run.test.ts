/**
 * startRun (functions/adapters/dynamodb/runs.ts) against dynalite: the run item it puts, each
 * refusal of the lock with its typed error and message (and the run item it leaves behind: none),
 * and the fault paths — a sequence taken by another run, a read that fails, a lock write whose
 * answer was lost. Mutation testing found these covered only through the API tests, or not at all.
 */
import { ConditionalCheckFailedException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import {
  EnvironmentLockedError,
  EnvironmentNotFoundError,
  RunNotFoundError,
  TransientStoreError,
  TransitionRefusedError,
  ValidationError,
} from '../../../functions/domain/errors.js';
import { buildRunId } from '../../../functions/domain/run-id.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { COMMIT, type SeededRun, seedRun } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName });
});

afterAll(async () => {
  await dynamo.stop();
});

const AT = new Date('2026-12-01T09:30:00.000Z');

const start = (run: SeededRun, extra: Partial<Parameters<Repository['startRun']>[0]> = {}) =>
  repository.startRun({ ...run, commit: COMMIT, spec: run.spec, at: AT, ...extra });

/** The run of sequence `seq` of the same environment (another spec hash, so another run id). */
const runOf = (run: SeededRun, seq: number, hashSuffix = 'b'): SeededRun => {
  const first = run.specHash.startsWith(hashSuffix) ? 'f' : hashSuffix;
  const specHash = `${first}${run.specHash.slice(1)}`;
  return { ...run, seq, specHash, runId: buildRunId({ ...run, seq, specHash }) };
};

/** Sets attributes of the environment item directly (a state no API call leaves). */
async function setEnvironment(run: SeededRun, set: string, values: Record<string, unknown>, remove = '') {
  await dynamo.documentClient.send(
    new UpdateCommand({
      TableName: dynamo.tableName,
      Key: keys.environment(run.organization, run.environment),
      UpdateExpression: `SET ${set}${remove ? ` REMOVE ${remove}` : ''}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    }),
  );
}

const runItem = (run: SeededRun) => repository.getRunBySeq(run.organization, run.environment, run.seq);

type Fault = 'throttle' | 'lose-answer' | 'condition-failed' | undefined;

/** A repository whose client fails the commands `faultFor` names (dynalite cannot throttle). */
function faultyRepository(faultFor: (command: unknown) => Fault): Repository {
  const client = DynamoDBDocumentClient.from(dynamo.newClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
  Object.assign(client, {
    send: async (command: unknown) => {
      const fault = faultFor(command);
      if (fault === 'throttle') throw throttled();
      if (fault === 'condition-failed') {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
        });
      }
      const output = await send(command);
      if (fault === 'lose-answer') throw throttled();
      return output;
    },
  });
  return createRepository({ client, tableName: dynamo.tableName });
}

const onEnvironment = (command: unknown): boolean =>
  (command instanceof UpdateCommand || command instanceof GetCommand) &&
  String(command.input.Key?.sk).startsWith('ENV#');
const isRunGet = (command: unknown): boolean =>
  command instanceof GetCommand && String(command.input.Key?.sk).startsWith('RUN#');

describe('startRun', () => {
  it('puts the run item RUNNING with the trigger, commit, spec hash, plan and its start time', async () => {
    const run = await seedRun(repository);
    const { run: started } = await start(run);
    const at = AT.toISOString();
    const expected = {
      organization: run.organization,
      environment: run.environment,
      runId: run.runId,
      seq: 1,
      trigger: 'api',
      commit: COMMIT,
      specHash: run.specHash,
      status: 'RUNNING',
      startedAt: at,
      updatedAt: at,
      phaseOrder: ['terraform', 'ansible', 'argocd-bootstrap'],
      phases: {
        terraform: { status: 'RUNNING', startedAt: at },
        ansible: { status: 'PENDING' },
        'argocd-bootstrap': { status: 'PENDING' },
      },
      history: [
        { at, event: 'run.started', detail: { trigger: 'api', commit: COMMIT, specHash: run.specHash } },
        { at, event: 'phase.started', detail: { phase: 'terraform' } },
      ],
    };
    expect(started).toMatchObject(expected);
    expect(await runItem(run)).toMatchObject(expected);
    expect(Object.keys(started.inputs ?? {}).sort()).toEqual(['ansible', 'argocd-bootstrap', 'terraform']);
    expect(await repository.getRun(run.runId)).toMatchObject({ runId: run.runId, seq: 1 });
    const stored = await dynamo.documentClient.send(
      new GetCommand({ TableName: dynamo.tableName, Key: keys.run(run.organization, run.environment, 1) }),
    );
    expect(stored.Item?.entity).toBe('RUN');
  });

  it('refuses a run id that does not carry the sequence number, writing nothing', async () => {
    const run = await seedRun(repository);
    const wrong = { ...run, seq: 2 };
    await expect(start(wrong)).rejects.toThrow(ValidationError);
    await expect(start(wrong)).rejects.toThrow(`run id ${run.runId} does not carry sequence 2`);
    expect(await repository.getRunBySeq(run.organization, run.environment, 2)).toBeUndefined();
    expect(await repository.getEnvironment(run.organization, run.environment)).toBeUndefined();
  });

  it('tells a run whose sequence another run took that the environment is busy, naming that run, and leaves that run alone', async () => {
    const first = await seedRun(repository);
    await start(first);
    const rival = runOf(first, 1);
    const refusal = await start(rival).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(EnvironmentLockedError);
    expect(refusal).toMatchObject({ activeRunId: first.runId });
    expect((refusal as Error).cause).toBeInstanceOf(RunNotFoundError);
    expect(String(refusal)).toContain(
      `run sequence 1 of ${first.organization}/${first.environment} was just taken by run ${first.runId}`,
    );
    expect(await runItem(first)).toMatchObject({ runId: first.runId, status: 'RUNNING' });
  });

  it('says only that the sequence was taken when the run item that refused the put is gone again', async () => {
    const run = await seedRun(repository);
    const faulty = faultyRepository((command) =>
      command instanceof PutCommand ? 'condition-failed' : undefined,
    );
    const refusal = await faulty
      .startRun({ ...run, commit: COMMIT, spec: run.spec })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(EnvironmentLockedError);
    expect((refusal as Error).message).toBe(
      `run sequence 1 of ${run.organization}/${run.environment} was just taken`,
    );
    expect(refusal).toMatchObject({ activeRunId: undefined });
  });

  it('passes on a fault of the read that diagnoses a refused put, not a busy environment', async () => {
    const run = await seedRun(repository);
    await start(run);
    // Only the first read fails: a second read would find the run and answer a busy environment.
    let runGets = 0;
    const faulty = faultyRepository((command) => {
      if (!isRunGet(command)) return undefined;
      runGets += 1;
      return runGets === 1 ? 'throttle' : undefined;
    });
    const failure = await faulty
      .startRun({ ...run, commit: COMMIT, spec: run.spec })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransientStoreError);
    expect(failure).not.toBeInstanceOf(EnvironmentLockedError);
  });

  it('answers each refusal of the lock with its own error and message, leaving no run item', async () => {
    // missing: no environment and no spec to create it with.
    const missing = await seedRun(repository);
    await expect(start(missing, { spec: undefined })).rejects.toThrow(
      new EnvironmentNotFoundError(
        `environment ${missing.organization}/${missing.environment} does not exist`,
      ),
    );
    expect(await runItem(missing)).toBeUndefined();

    // held-by-other
    const holder = await seedRun(repository);
    await start(holder);
    const second = runOf(holder, 2);
    const held = await start(second).catch((error: unknown) => error);
    expect(held).toBeInstanceOf(EnvironmentLockedError);
    expect((held as Error).message).toBe(
      `environment ${holder.organization}/${holder.environment} is locked by run ${holder.runId}`,
    );
    expect(held).toMatchObject({ activeRunId: holder.runId });
    expect(await runItem(second)).toBeUndefined();

    // status-refused: a PROVISIONING environment that no run holds (left by hand).
    const stuck = await seedRun(repository);
    await start(stuck);
    await setEnvironment(stuck, '#status = :s', { ':s': 'PROVISIONING' }, 'activeRunId');
    const next = runOf(stuck, 2);
    const refused = await start(next).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TransitionRefusedError);
    expect((refused as Error).message).toBe(
      `environment ${stuck.organization}/${stuck.environment} is PROVISIONING: a api run cannot start`,
    );
    expect(await runItem(next)).toBeUndefined();
  });

  it('refuses a run whose environment no longer holds its lock though its run item is still RUNNING, and deletes that unstarted item', async () => {
    const run = await seedRun(repository);
    await start(run);
    // The lock released under the run (by hand): the environment's last run is this one.
    await setEnvironment(run, '#status = :s', { ':s': 'FAILED' }, 'activeRunId');
    const refusal = await start(run).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TransitionRefusedError);
    expect((refusal as Error).message).toBe(
      `run ${run.runId} has already finished; it cannot take the lock again`,
    );
    expect(await runItem(run)).toBeUndefined();
  });

  it('keeps a refused run item that has made progress (more than run.started and its first phase)', async () => {
    const run = await seedRun(repository);
    await start(run);
    await repository.recordPhase({ ...run, close: { phase: 'terraform', buildId: 'tf-1', outputs: {} } });
    await setEnvironment(run, '#status = :s', { ':s': 'FAILED' }, 'activeRunId');
    await expect(start(run)).rejects.toThrow('has already finished');
    expect(await runItem(run)).toMatchObject({ status: 'RUNNING', history: { length: 3 } });
  });

  it('refuses a shared cluster’s own run while tenant runs are in progress, naming them, and leaves no run item', async () => {
    const cluster = await seedRun(repository);
    await start(cluster);
    // Idle again (its lock released by hand), with two tenants' runs in progress on it.
    await setEnvironment(
      cluster,
      '#status = :s, tenantRuns = :t',
      {
        ':s': 'READY',
        ':t': new Set(['t-run-b', 't-run-a']),
      },
      'activeRunId',
    );
    const own = runOf(cluster, 2);
    const refusal = await start(own, { exclusiveOfTenants: true }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(EnvironmentLockedError);
    expect((refusal as Error).message).toBe(
      `cluster ${cluster.environment} has tenant runs in progress: t-run-a, t-run-b`,
    );
    expect(refusal).toMatchObject({ activeRunId: 't-run-a' });
    expect(await runItem(own)).toBeUndefined();
    // Without exclusiveOfTenants (a tenant's view), the same environment locks.
    const other = runOf(cluster, 3, 'c');
    expect((await start(other)).environment).toMatchObject({ activeRunId: other.runId });
  });

  it('records the successes it is given with the lock', async () => {
    const run = await seedRun(repository);
    const successes = {
      terraform: {
        runId: 'cluster-run',
        fingerprint: 'f'.repeat(64),
        outputs: { vpc: 'vpc-1' },
        at: AT.toISOString(),
      },
    };
    const { environment } = await start(run, { successes });
    expect(environment.successes).toEqual(successes);
  });

  it('leaves a retried run item in place when the lock write and the read after it both fail: it was not this call’s to delete', async () => {
    const run = await seedRun(repository);
    await start(run);
    // A retry whose lock write is applied but answered with a fault, and whose diagnosis read fails too.
    const faulty = faultyRepository((command) =>
      command instanceof UpdateCommand && onEnvironment(command)
        ? 'lose-answer'
        : command instanceof GetCommand && onEnvironment(command)
          ? 'throttle'
          : undefined,
    );
    await expect(faulty.startRun({ ...run, commit: COMMIT, spec: run.spec })).rejects.toBeInstanceOf(
      TransientStoreError,
    );
    // The run item existed before this call: it is not this call's to delete.
    expect(await runItem(run)).toMatchObject({ status: 'RUNNING' });
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      activeRunId: run.runId,
    });
  });
});

import { ConditionalCheckFailedException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toStoreError } from '../../../functions/adapters/dynamodb/errors.js';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { EnvironmentLockedError, TransientStoreError } from '../../../functions/domain/errors.js';
import type { RunTrigger } from '../../../functions/domain/model.js';
import { phaseOrderFor } from '../../../functions/domain/transitions.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { type SeededRun, seedRun } from '../../support/fixtures.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

/** What a faulty client does with one command: pass it on, fail before sending, or lose the answer. */
type Fault = 'throttle' | 'lose-answer' | undefined;

const throttled = () =>
  new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} });

/**
 * A repository over a real dynalite client whose `send` is wrapped: dynalite cannot throttle, so
 * the faults no local server produces are injected per command by `faultFor`.
 */
function faultyRepository(faultFor: (command: unknown) => Fault): Repository {
  const client = DynamoDBDocumentClient.from(dynamo.newClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  Object.assign(client, {
    send: async (command: unknown) => {
      const fault = faultFor(command);
      if (fault === 'throttle') throw throttled();
      const output = await send(command);
      if (fault === 'lose-answer') throw throttled();
      return output;
    },
  });
  return createRepository({ client, tableName: dynamo.tableName });
}

const isEnvironmentUpdate = (command: unknown): boolean =>
  command instanceof UpdateCommand && String(command.input.Key?.sk).startsWith('ENV#');

function plainRepository(): Repository {
  return createRepository({ client: dynamo.client, tableName: dynamo.tableName });
}

/** Locks the run and records every phase but the last, which is left RUNNING. */
async function runToLastPhase(repository: Repository, run: SeededRun): Promise<void> {
  const order = phaseOrderFor(run.trigger);
  await repository.startRun({ ...run, commit: '', spec: run.spec });
  await repository.recordPhase({ ...run, open: { phase: order[0] ?? 'terraform' } });
  for (const [index, phase] of order.slice(0, -1).entries()) {
    const next = order[index + 1] ?? 'terraform';
    await repository.recordPhase({
      ...run,
      close: { phase, buildId: `${phase}-1`, outputs: {} },
      open: { phase: next },
    });
  }
}

describe('store faults', () => {
  it('reports DynamoDB throttling as TransientStoreError, and the retried write succeeds', async () => {
    // dynalite cannot throttle: this client throws ThrottlingException on its first call only.
    const client = DynamoDBDocumentClient.from(dynamo.newClient());
    const repository = createRepository({ client, tableName: dynamo.tableName });
    const run = await seedRun(createRepository({ client: dynamo.client, tableName: dynamo.tableName }));
    vi.spyOn(client, 'send').mockRejectedValueOnce(
      new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} }),
    );

    const error = await repository
      .startRun({ ...run, commit: '', spec: run.spec })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientStoreError);
    expect(error).toMatchObject({ name: 'TransientStoreError', cause: { name: 'ThrottlingException' } });

    const { environment } = await repository.startRun({ ...run, commit: '', spec: run.spec });
    expect(environment.activeRunId).toBe(run.runId);
  });

  it('maps 5xx and the throughput errors to TransientStoreError but leaves a failed condition alone', () => {
    for (const name of [
      'ProvisionedThroughputExceededException',
      'RequestLimitExceeded',
      'InternalServerError',
      'ServiceUnavailable',
    ]) {
      expect(
        toStoreError(Object.assign(new Error(name), { name, $metadata: {} }), 'UpdateItem'),
      ).toBeInstanceOf(TransientStoreError);
    }
    const serverFault = Object.assign(new Error('boom'), {
      name: 'Unknown',
      $metadata: { httpStatusCode: 503 },
    });
    expect(toStoreError(serverFault, 'PutItem')).toBeInstanceOf(TransientStoreError);
    const conditional = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
    });
    expect(toStoreError(conditional, 'PutItem')).toBe(conditional);
  });
});

describe('acquireLock under faults', () => {
  it('deletes the run item it created when the lock write is throttled, so no RUNNING run is left without its lock', async () => {
    const run = await seedRun(plainRepository());
    let fail = true;
    const repository = faultyRepository((command) =>
      fail && isEnvironmentUpdate(command) ? 'throttle' : undefined,
    );

    const error = await repository
      .startRun({ ...run, commit: '', spec: run.spec })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TransientStoreError);
    expect(await repository.getRunBySeq(run.organization, run.environment, run.seq)).toBeUndefined();
    // The lock's write would have created the environment: it was never written.
    expect(await repository.getEnvironment(run.organization, run.environment)).toBeUndefined();

    // The request is retried, and it starts the run.
    fail = false;
    const retried = await repository.startRun({ ...run, commit: '', spec: run.spec });
    expect(retried.run.status).toBe('RUNNING');
    expect(retried.environment.activeRunId).toBe(run.runId);
  });

  it('starts the run when the lock write was applied but its answer was lost', async () => {
    const run = await seedRun(plainRepository());
    const repository = faultyRepository((command) =>
      isEnvironmentUpdate(command) ? 'lose-answer' : undefined,
    );

    const { run: started, environment } = await repository.startRun({ ...run, commit: '', spec: run.spec });

    expect(started.status).toBe('RUNNING');
    expect(environment).toMatchObject({ status: 'PROVISIONING', activeRunId: run.runId });
    expect(await repository.getRunBySeq(run.organization, run.environment, run.seq)).toMatchObject({
      status: 'RUNNING',
    });
  });

  it('removes a run item left by an earlier refused attempt whose delete failed', async () => {
    const plain = plainRepository();
    const holder = await seedRun(plain);
    await plain.startRun({ ...holder, commit: '' });
    // Allocated before the holder locked, as two concurrent API calls would.
    const second = { ...holder, seq: 2, runId: holder.runId.replace('.000001.', '.000002.') };
    let failDelete = true;
    const repository = faultyRepository((command) =>
      failDelete && command instanceof DeleteCommand ? 'throttle' : undefined,
    );

    const first = await repository.startRun({ ...second, commit: '' }).catch((caught: unknown) => caught);
    expect(first).toBeInstanceOf(TransientStoreError);
    expect(await plain.getRunBySeq(second.organization, second.environment, 2)).toMatchObject({
      status: 'RUNNING',
    });

    failDelete = false;
    const retry = await repository.startRun({ ...second, commit: '' }).catch((caught: unknown) => caught);
    expect(retry).toBeInstanceOf(EnvironmentLockedError);
    expect(await plain.getRunBySeq(second.organization, second.environment, 2)).toBeUndefined();
    expect((await plain.getEnvironment(holder.organization, holder.environment))?.activeRunId).toBe(
      holder.runId,
    );
  });
});

describe('failRun after a half-done completeRun', () => {
  it.each<[RunTrigger, string]>([
    ['api', 'READY'],
    ['teardown', 'DELETED'],
  ])(
    'releases the lock a SUCCEEDED %s run still holds with its outcome status (%s), keeping the run SUCCEEDED',
    async (trigger, status) => {
      const plain = plainRepository();
      const run = await seedRun(plain, { trigger });
      await runToLastPhase(plain, run);
      const last = phaseOrderFor(trigger).at(-1) ?? 'terraform';
      // CompleteRun: the run write succeeds, the environment write is throttled past every retry.
      const throttledEnvironment = faultyRepository((command) =>
        isEnvironmentUpdate(command) ? 'throttle' : undefined,
      );
      await expect(
        throttledEnvironment.completeRun({ ...run, close: { phase: last, buildId: 'b-1', outputs: {} } }),
      ).rejects.toBeInstanceOf(TransientStoreError);
      expect(await plain.getEnvironment(run.organization, run.environment)).toMatchObject({
        activeRunId: run.runId,
      });

      // The Catch routes to RecordFailure.
      const result = await plain.failRun({
        ...run,
        phase: last,
        cause: 'TransientStoreError',
        retryable: true,
      });

      expect(result).toMatchObject({ outcome: 'already-finished', lock: 'released', changed: true });
      expect(result.run).toMatchObject({ status: 'SUCCEEDED' });
      expect(result.run.error).toBeUndefined();
      expect(result.run.phases[last].status).toBe('SUCCEEDED');
      const environment = await plain.getEnvironment(run.organization, run.environment);
      expect(environment).toMatchObject({ status, lastRunId: run.runId });
      expect(environment?.activeRunId).toBeUndefined();
      // A replay of the same failure changes nothing more.
      expect(
        await plain.failRun({ ...run, phase: last, cause: 'TransientStoreError', retryable: true }),
      ).toMatchObject({ outcome: 'already-finished', lock: 'already-released', changed: false });
    },
  );
});

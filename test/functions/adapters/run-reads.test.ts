/**
 * The run reads of functions/adapters/dynamodb/runs.ts (getRun, listRuns, listLockedEnvironments,
 * the key of a run id that carries no sequence, the check that a read run is the one asked for)
 * and abandonRun's remaining paths, against dynalite. Mutation testing found these reached only
 * in passing.
 */
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { RunNotFoundError, ValidationError } from '../../../functions/domain/errors.js';
import { buildRunId } from '../../../functions/domain/run-id.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { COMMIT, freshNames, nextRun, type SeededRun, seedRun } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName });
});

afterAll(async () => {
  await dynamo.stop();
});

const start = (run: SeededRun) => repository.startRun({ ...run, commit: COMMIT, spec: run.spec });

/** Three runs of one environment, each failed before the next starts. */
async function threeRuns(): Promise<SeededRun[]> {
  const runs: SeededRun[] = [];
  let run = await seedRun(repository);
  for (let index = 0; index < 3; index += 1) {
    if (index > 0) run = await nextRun(repository, run);
    await start(run);
    await repository.failRun({ ...run, phase: 'terraform', cause: `exit ${index}`, retryable: true });
    runs.push(run);
  }
  return runs;
}

describe('run reads', () => {
  it('finds a run by its id alone, and nothing for an id no run has', async () => {
    const [first, second] = await threeRuns();
    expect(await repository.getRun(second?.runId ?? '')).toMatchObject({ runId: second?.runId, seq: 2 });
    expect(await repository.getRun(first?.runId ?? '')).toMatchObject({ runId: first?.runId, seq: 1 });
    expect(await repository.getRun(`${first?.runId}0`)).toBeUndefined();
  });

  it('lists an environment’s runs newest first, page by page, and only its runs', async () => {
    const runs = await threeRuns();
    const [organization, environment] = [runs[0]?.organization ?? '', runs[0]?.environment ?? ''];
    const page = await repository.listRuns(organization, environment, { limit: 2 });
    expect(page.items.map((run) => run.seq)).toEqual([3, 2]);
    expect(page.cursor).toEqual(expect.any(String));
    const rest = await repository.listRuns(organization, environment, { limit: 2, cursor: page.cursor });
    expect(rest.items.map((run) => run.seq)).toEqual([1]);
    expect(rest.cursor).toBeUndefined();
    const other = freshNames();
    expect((await repository.listRuns(other.organization, other.environment)).items).toEqual([]);
  });

  it('lists the environments whose lock is held, with the run holding it, up to the limit', async () => {
    const first = await seedRun(repository);
    const second = await seedRun(repository);
    const held = [first, second];
    for (const run of held) await start(run);
    const locked = await repository.listLockedEnvironments({ limit: 1000 });
    for (const run of held) {
      expect(locked).toContainEqual({
        organization: run.organization,
        environment: run.environment,
        runId: run.runId,
      });
    }
    expect(await repository.listLockedEnvironments({ limit: 1 })).toHaveLength(1);
    // Released: no longer listed.
    await repository.failRun({ ...first, phase: 'terraform', cause: 'exit 1', retryable: true });
    expect(await repository.listLockedEnvironments({ limit: 1000 })).not.toContainEqual(
      expect.objectContaining({ runId: first.runId }),
    );
  });
});

describe('a run id without a sequence number', () => {
  it('is found by its id (gsi1) for a change', async () => {
    const run = await seedRun(repository);
    const manual = { ...run, runId: `manual-${run.environment}` };
    await start(manual);

    const { run: closed } = await repository.recordPhase({
      ...manual,
      close: { phase: 'terraform', buildId: 'tf-1', outputs: {} },
    });
    expect(closed).toMatchObject({ runId: manual.runId, seq: 1 });
    expect(closed.phases.terraform.status).toBe('SUCCEEDED');
    expect(await repository.getRunBySeq(run.organization, run.environment, 1)).toEqual(closed);
  });

  it('is not the run asked for when the organization or environment asked differs from its own', async () => {
    const run = await seedRun(repository);
    const manual = { ...run, runId: `manual-${run.environment}` };
    await start(manual);
    // terraform is RUNNING already: the open is refused by its condition, then diagnosed by a read.
    for (const asked of [
      { ...manual, environment: `${run.environment}x` },
      { ...manual, organization: `${run.organization}x` },
    ]) {
      await expect(repository.recordPhase({ ...asked, open: { phase: 'terraform' } })).rejects.toThrow(
        new RunNotFoundError(
          `run ${manual.runId} of ${asked.organization}/${asked.environment} does not exist`,
        ),
      );
    }
  });

  it('is reported as not found when no run has it', async () => {
    const run = await seedRun(repository);
    await expect(
      repository.recordPhase({ ...run, runId: `manual-${run.environment}`, open: { phase: 'terraform' } }),
    ).rejects.toThrow(new RunNotFoundError(`run manual-${run.environment} does not exist`));
  });

  it('refuses a change for a run id whose sequence holds another run', async () => {
    const run = await seedRun(repository);
    await start(run);
    const specHash = `${run.specHash.startsWith('f') ? '0' : 'f'}${run.specHash.slice(1)}`;
    const impostor = buildRunId({ ...run, specHash });
    const refusal = await repository
      .recordPhase({ ...run, runId: impostor, open: { phase: 'ansible' } })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RunNotFoundError);
    expect((refusal as Error).message).toBe(
      `run ${impostor} of ${run.organization}/${run.environment} does not exist`,
    );
  });
});

describe('abandonRun', () => {
  it('fails a run whose phases all finished with the first phase named, changing no phase', async () => {
    const run = await seedRun(repository);
    await start(run);
    for (const [phase, next] of [
      ['terraform', 'ansible'],
      ['ansible', 'argocd-bootstrap'],
    ] as const) {
      await repository.recordPhase({
        ...run,
        close: { phase, buildId: `${phase}-1`, outputs: {} },
        open: { phase: next },
      });
    }
    await repository.recordPhase({
      ...run,
      close: { phase: 'argocd-bootstrap', buildId: 'cd-1', outputs: {} },
    });

    await repository.abandonRun({ ...run, cause: 'StartExecution failed' });

    const abandoned = await repository.getRunBySeq(run.organization, run.environment, run.seq);
    expect(abandoned).toMatchObject({
      status: 'FAILED',
      error: { phase: 'terraform', cause: 'StartExecution failed', retryable: true },
    });
    expect(Object.values(abandoned?.phases ?? {}).map((phase) => phase.status)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
  });

  it('releases a teardown’s lock with the status before the run, or the failed one when none was recorded', async () => {
    const ready = await seedRun(repository, { trigger: 'teardown' });
    await start(ready);
    await repository.abandonRun({ ...ready, cause: 'no execution' });
    expect(await repository.getEnvironment(ready.organization, ready.environment)).toMatchObject({
      status: 'PENDING',
    });

    const unknown = await seedRun(repository, { trigger: 'teardown' });
    await start(unknown);
    await dynamo.documentClient.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: keys.environment(unknown.organization, unknown.environment),
        UpdateExpression: 'REMOVE statusBeforeRun',
      }),
    );
    await repository.abandonRun({ ...unknown, cause: 'no execution' });
    const environment = await repository.getEnvironment(unknown.organization, unknown.environment);
    expect(environment).toMatchObject({ status: 'DELETE_FAILED' });
    expect(environment?.activeRunId).toBeUndefined();
  });
});

describe('run reads, what they refuse or skip', () => {
  it('refuses a cursor of another environment’s run list', async () => {
    const [first] = await threeRuns();
    const page = await repository.listRuns(first?.organization ?? '', first?.environment ?? '', { limit: 1 });
    const other = await seedRun(repository);
    await expect(
      repository.listRuns(other.organization, other.environment, { limit: 1, cursor: page.cursor }),
    ).rejects.toThrow(ValidationError);
  });

  it('lists only the locked-environment index entries that name an organization, an environment and a run', async () => {
    const partial = [
      { activeRunId: 'r-1' },
      { organization: 'o-1', activeRunId: 'r-2' },
      { environment: 'e-1', activeRunId: 'r-3' },
      { organization: 'o-2', environment: 'e-2' },
    ];
    for (const [index, fields] of partial.entries()) {
      await dynamo.documentClient.send(
        new PutCommand({
          TableName: dynamo.tableName,
          Item: {
            pk: `BROKEN#${index}`,
            sk: 'X',
            gsi1pk: keys.activeRunsPartition,
            gsi1sk: `0#${index}`,
            ...fields,
          },
        }),
      );
    }
    const listed = await repository.listLockedEnvironments({ limit: 1000 });
    expect(listed.length).toBeGreaterThan(0);
    for (const entry of listed) {
      expect(entry).toEqual({
        organization: expect.any(String),
        environment: expect.any(String),
        runId: expect.any(String),
      });
    }
    for (const runId of ['r-1', 'r-2', 'r-3']) {
      expect(listed.some((entry) => entry.runId === runId)).toBe(false);
    }
    expect(listed.some((entry) => entry.organization === 'o-2')).toBe(false);
  });
});

describe('abandonRun, what it leaves alone', () => {
  it('writes nothing for a run that has finished and whose lock is free', async () => {
    const events: string[] = [];
    const counted = createRepository({
      client: dynamo.client,
      tableName: dynamo.tableName,
      onWrite: (event) => events.push(`${event.operation} ${event.outcome}`),
    });
    const run = await seedRun(repository);
    await start(run);
    await counted.abandonRun({ ...run, cause: 'first' });
    const before = events.length;
    await counted.abandonRun({ ...run, cause: 'second' });
    expect(events.slice(before)).toEqual([]);
  });

  it('never fails a run that finished between its read and its write', async () => {
    const run = await seedRun(repository);
    await start(run);
    const client = DynamoDBDocumentClient.from(dynamo.newClient(), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    Object.assign(client, {
      send: async (command: unknown) => {
        if (command instanceof UpdateCommand && String(command.input.Key?.sk).startsWith('RUN#')) {
          // The run succeeds just before the abandon's write reaches the table.
          await dynamo.documentClient.send(
            new UpdateCommand({
              TableName: dynamo.tableName,
              Key: keys.run(run.organization, run.environment, run.seq),
              UpdateExpression: 'SET #status = :succeeded',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':succeeded': 'SUCCEEDED' },
            }),
          );
        }
        return send(command);
      },
    });
    await createRepository({ client, tableName: dynamo.tableName }).abandonRun({ ...run, cause: 'late' });
    const after = await repository.getRunBySeq(run.organization, run.environment, run.seq);
    expect(after?.status).toBe('SUCCEEDED');
    expect(after?.error).toBeUndefined();
  });

  it('fails the run of an environment whose item is gone, releasing nothing', async () => {
    const run = await seedRun(repository);
    await start(run);
    await dynamo.documentClient.send(
      new DeleteCommand({
        TableName: dynamo.tableName,
        Key: keys.environment(run.organization, run.environment),
      }),
    );
    await repository.abandonRun({ ...run, cause: 'no execution' });
    expect(await repository.getRunBySeq(run.organization, run.environment, run.seq)).toMatchObject({
      status: 'FAILED',
    });
    expect(await repository.getEnvironment(run.organization, run.environment)).toBeUndefined();
  });
});

/**
 * The run reads of functions/adapters/dynamodb/runs.ts (getRun, listRuns, listLockedEnvironments,
 * the key of a run id that carries no sequence, the check that a read run is the one asked for)
 * and abandonRun's remaining paths, against dynalite. Mutation testing found these reached only
 * in passing.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { RunNotFoundError } from '../../../functions/domain/errors.js';
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

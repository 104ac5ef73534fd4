/**
 * abandonRun (functions/adapters/dynamodb/runs.ts) against dynalite: a run the API started whose
 * execution never started ends FAILED at the phase it opened, that phase FAILED with it, and the
 * environment is released with the status it had before — and a run that finished is left as it
 * is. The guards mutation testing found covered only through the whole API harness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { COMMIT, seedRun } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName });
});

afterAll(async () => {
  await dynamo.stop();
});

describe('abandonRun', () => {
  it('fails the run and the phase it opened, and releases the environment with the status it had before', async () => {
    const run = await seedRun(repository);
    await repository.startRun({ ...run, commit: COMMIT, spec: run.spec });
    expect((await repository.getRun(run.runId))?.phases.terraform.status).toBe('RUNNING');

    await repository.abandonRun({ ...run, cause: 'ThrottlingException: Rate exceeded' });

    const abandoned = await repository.getRun(run.runId);
    expect(abandoned).toMatchObject({
      status: 'FAILED',
      error: { phase: 'terraform', cause: 'ThrottlingException: Rate exceeded', retryable: true },
    });
    expect(abandoned?.phases.terraform).toMatchObject({ status: 'FAILED', endedAt: abandoned?.endedAt });
    expect(abandoned?.phases.ansible.status).toBe('PENDING');
    expect(abandoned?.history.at(-1)).toMatchObject({
      event: 'run.failed',
      detail: { phase: 'terraform', reason: 'execution not started' },
    });
    const environment = await repository.getEnvironment(run.organization, run.environment);
    expect(environment?.activeRunId).toBeUndefined();
    expect(environment?.status).toBe('PENDING');
  });

  it('leaves a run that already finished as it is (and a lock it does not hold alone)', async () => {
    const run = await seedRun(repository);
    await repository.startRun({ ...run, commit: COMMIT, spec: run.spec });
    await repository.abandonRun({ ...run, cause: 'first' });
    const first = await repository.getRun(run.runId);
    await repository.abandonRun({ ...run, cause: 'second' });
    expect(await repository.getRun(run.runId)).toEqual(first);
  });

  it('keeps the lock of a run that moved on after all (its execution did start), changing nothing', async () => {
    const run = await seedRun(repository);
    await repository.startRun({ ...run, commit: COMMIT, spec: run.spec });
    // The execution started despite the failed answer: its first build succeeds between the
    // abandon's read and its write (another client, so both are real dynalite writes).
    const client = dynamo.newClient();
    const abandoning = createRepository({ client, tableName: dynamo.tableName });
    let interleaved = false;
    client.middlewareStack.add(
      (next) => async (args) => {
        if (!interleaved && JSON.stringify(args.input).includes('execution not started')) {
          interleaved = true;
          await repository.recordPhase({
            ...run,
            close: { phase: 'terraform', buildId: 'tf:1', outputs: {} },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'interleaveBuild' },
    );
    await abandoning.abandonRun({ ...run, cause: 'StartExecution timed out' });
    expect(interleaved).toBe(true);
    const after = await repository.getRun(run.runId);
    expect(after?.status).toBe('RUNNING');
    expect(after?.phases.terraform.status).toBe('SUCCEEDED');
    expect(after?.error).toBeUndefined();
    const environment = await repository.getEnvironment(run.organization, run.environment);
    expect(environment).toMatchObject({ status: 'PROVISIONING', activeRunId: run.runId });
  });
});

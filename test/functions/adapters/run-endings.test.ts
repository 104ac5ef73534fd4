/**
 * How a run ends (completeRun, failRun, interruptRun in functions/adapters/dynamodb/runs.ts),
 * against dynalite: what each records, what a replay answers, and the refusals with their
 * messages — the paths mutation testing of runs.ts found untested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { TransitionRefusedError } from '../../../functions/domain/errors.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { nextRun, type SeededRun, seedRun } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName });
});

afterAll(async () => {
  await dynamo.stop();
});

type Phase = 'terraform' | 'ansible' | 'argocd-bootstrap';
const close = (phase: Phase, buildId: string) => ({ phase, buildId, outputs: { OUT: buildId } });

async function start(run: SeededRun) {
  await repository.startRun({ ...run, commit: 'abc123', spec: run.spec });
}

/** Runs the phases before the last one to SUCCEEDED; the last one is left RUNNING. */
async function toLastPhase(run: SeededRun, order: readonly Phase[]) {
  await start(run);
  for (let i = 0; i < order.length - 1; i += 1) {
    const phase = order[i] as Phase;
    await repository.recordPhase({
      ...run,
      close: close(phase, `${phase}-1`),
      open: { phase: order[i + 1] as Phase },
    });
  }
}

const FORWARD: Phase[] = ['terraform', 'ansible', 'argocd-bootstrap'];

describe('completeRun', () => {
  it('records run.succeeded and answers changed, then a replay unchanged', async () => {
    const run = await seedRun(repository);
    await toLastPhase(run, FORWARD);
    const first = await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    expect(first).toMatchObject({ changed: true, lock: 'released' });
    expect(first.run.history.at(-1)?.event).toBe('run.succeeded');
    const replay = await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    expect(replay).toMatchObject({ changed: false, lock: 'already-released' });
  });

  it('refuses a run with unfinished phases, naming them, and leaves the lock held', async () => {
    const run = await seedRun(repository);
    await start(run);
    await repository.recordPhase({ ...run, close: close('terraform', 'tf-1'), open: { phase: 'ansible' } });
    await expect(repository.completeRun({ ...run, close: close('terraform', 'tf-1') })).rejects.toThrow(
      new TransitionRefusedError(
        `run ${run.runId} cannot complete: phase terraform is SUCCEEDED, unfinished phases: ansible, argocd-bootstrap`,
      ),
    );
    const environment = await repository.getEnvironment(run.organization, run.environment);
    expect(environment).toMatchObject({ status: 'PROVISIONING', activeRunId: run.runId });
  });

  it('refuses to complete an interrupted run, whose last phase is still RUNNING', async () => {
    const run = await seedRun(repository);
    await toLastPhase(run, FORWARD);
    await repository.interruptRun({ ...run, reason: 'execution gone' });
    await expect(
      repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') }),
    ).rejects.toThrow(new TransitionRefusedError(`run ${run.runId} is INTERRUPTED: it cannot complete`));
    expect((await repository.getRun(run.runId))?.status).toBe('INTERRUPTED');
  });

  it('forgets every phase’s success when a teardown completes (DELETED)', async () => {
    const run = await seedRun(repository);
    await toLastPhase(run, FORWARD);
    await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    expect(
      Object.keys((await repository.getEnvironment(run.organization, run.environment))?.successes ?? {}),
    ).toHaveLength(3);
    // The environment's quota grant on its organization, as the API's PUT reserved it.
    const grant = {
      cpuMillicores: 1000,
      memoryBytes: 1000,
      pods: 10,
      storageBytes: 0,
      persistentVolumeClaims: 0,
    };
    await repository.changeQuotaAllocation(run.organization, {
      environment: run.environment,
      previous: undefined,
      grant,
      delta: { ...grant, environments: 1 },
    });
    expect((await repository.getOrganization(run.organization))?.allocation?.grants).toEqual({
      [run.environment]: grant,
    });

    const teardown = await nextRun(repository, run, { trigger: 'teardown' });
    await toLastPhase(teardown, [...FORWARD].reverse());
    await repository.completeRun({ ...teardown, close: close('terraform', 'tf-2') });
    const environment = await repository.getEnvironment(run.organization, run.environment);
    expect(environment).toMatchObject({ status: 'DELETED', successes: {} });
  });
});

describe('failRun', () => {
  it('records the failure with its build and log link, in the phase, the error and the history', async () => {
    const run = await seedRun(repository);
    await start(run);
    const failed = await repository.failRun({
      ...run,
      phase: 'terraform',
      cause: 'Error: quota',
      retryable: false,
      buildId: 'tf-9',
      logLink: 'https://logs.example/tf-9',
    });
    expect(failed).toMatchObject({ outcome: 'failed', lock: 'released' });
    const stored = await repository.getRun(run.runId);
    expect(stored?.error).toEqual({
      phase: 'terraform',
      cause: 'Error: quota',
      retryable: false,
      buildId: 'tf-9',
      logLink: 'https://logs.example/tf-9',
    });
    expect(stored?.phases.terraform).toMatchObject({
      status: 'FAILED',
      buildId: 'tf-9',
      logLink: 'https://logs.example/tf-9',
    });
    expect(stored?.history.slice(-2)).toEqual([
      expect.objectContaining({ event: 'phase.failed', detail: { phase: 'terraform', buildId: 'tf-9' } }),
      expect.objectContaining({ event: 'run.failed', detail: { phase: 'terraform', retryable: 'false' } }),
    ]);
  });

  it('refuses to fail a phase that succeeded, saying so', async () => {
    const run = await seedRun(repository);
    await start(run);
    await repository.recordPhase({ ...run, close: close('terraform', 'tf-1'), open: { phase: 'ansible' } });
    await expect(
      repository.failRun({ ...run, phase: 'terraform', cause: 'late', retryable: true }),
    ).rejects.toThrow(new TransitionRefusedError('phase terraform cannot fail: it is SUCCEEDED'));
  });

  it('answers already-finished, not replay, for a run that succeeded', async () => {
    const run = await seedRun(repository);
    await toLastPhase(run, FORWARD);
    await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    const late = await repository.failRun({
      ...run,
      phase: 'argocd-bootstrap',
      cause: 'late',
      retryable: true,
    });
    expect(late.outcome).toBe('already-finished');
    expect(late.run.status).toBe('SUCCEEDED');
  });
});

describe('interruptRun', () => {
  it('answers changed once, then unchanged for a replay', async () => {
    const run = await seedRun(repository);
    await start(run);
    expect((await repository.interruptRun({ ...run, reason: 'gone' })).changed).toBe(true);
    expect((await repository.interruptRun({ ...run, reason: 'gone' })).changed).toBe(false);
  });

  it('refuses a finished run, naming its status', async () => {
    const run = await seedRun(repository);
    await toLastPhase(run, FORWARD);
    await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    await expect(repository.interruptRun({ ...run, reason: 'gone' })).rejects.toThrow(
      new TransitionRefusedError(`run ${run.runId} is SUCCEEDED: it cannot be interrupted`),
    );
  });
});

describe('the endings’ refusals, named exactly', () => {
  it('names only the unfinished phases other than the one being closed, and none when there are none', async () => {
    const run = await seedRun(repository);
    await start(run);
    // terraform SUCCEEDED, ansible RUNNING, argocd-bootstrap PENDING: completing argocd-bootstrap.
    await repository.recordPhase({ ...run, close: close('terraform', 'tf-1'), open: { phase: 'ansible' } });
    await expect(
      repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') }),
    ).rejects.toThrow(
      new TransitionRefusedError(
        `run ${run.runId} cannot complete: phase argocd-bootstrap is PENDING, unfinished phases: ansible`,
      ),
    );
    // ansible SUCCEEDED too: only the closed phase is not done, and no list follows.
    await repository.recordPhase({ ...run, close: close('ansible', 'an-1') });
    await expect(
      repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') }),
    ).rejects.toThrow(
      new TransitionRefusedError(`run ${run.runId} cannot complete: phase argocd-bootstrap is PENDING`),
    );
  });

  it('refuses to complete a run that failed, naming its status', async () => {
    const run = await seedRun(repository);
    await start(run);
    await repository.failRun({ ...run, phase: 'terraform', cause: 'exit 1', retryable: false });
    await expect(repository.completeRun({ ...run, close: close('terraform', 'tf-1') })).rejects.toThrow(
      new TransitionRefusedError(`run ${run.runId} is FAILED: it cannot complete`),
    );
  });

  it('answers a failure of the phase an interrupted run was in as already finished, not a replay', async () => {
    const run = await seedRun(repository);
    await start(run);
    await repository.interruptRun({ ...run, reason: 'execution aborted' });
    const result = await repository.failRun({
      ...run,
      phase: 'terraform',
      cause: 'exit 1',
      retryable: false,
    });
    expect(result.outcome).toBe('already-finished');
    expect(result.run.status).toBe('INTERRUPTED');
  });
});

describe('completeRun of a teardown', () => {
  it('forgets every phase’s success, so the next provisioning runs every phase, and gives the quota grant back', async () => {
    const run = await seedRun(repository);
    await toLastPhase(run, FORWARD);
    await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    const provisioned = await repository.getEnvironment(run.organization, run.environment);
    expect(Object.keys(provisioned?.successes ?? {}).sort()).toEqual([
      'ansible',
      'argocd-bootstrap',
      'terraform',
    ]);

    // The environment's quota grant on its organization, as the API's PUT reserved it.
    const grant = {
      cpuMillicores: 1000,
      memoryBytes: 1000,
      pods: 10,
      storageBytes: 0,
      persistentVolumeClaims: 0,
    };
    await repository.changeQuotaAllocation(run.organization, {
      environment: run.environment,
      previous: undefined,
      grant,
      delta: { ...grant, environments: 1 },
    });
    expect((await repository.getOrganization(run.organization))?.allocation?.grants).toEqual({
      [run.environment]: grant,
    });

    const teardown = await nextRun(repository, run, { trigger: 'teardown' });
    await toLastPhase(teardown, [...FORWARD].reverse());
    await repository.completeRun({ ...teardown, close: close('terraform', 'tf-down') });
    const deleted = await repository.getEnvironment(run.organization, run.environment);
    expect(deleted?.status).toBe('DELETED');
    expect(deleted?.successes).toEqual({});
    // DELETED gives the grant back.
    expect((await repository.getOrganization(run.organization))?.allocation).toMatchObject({
      grants: {},
      totals: { cpuMillicores: 0, environments: 0 },
    });
  });
});

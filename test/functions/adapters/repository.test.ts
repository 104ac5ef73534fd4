import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { buildPhaseFailedAlert } from '../../../functions/domain/alert.js';
import {
  EnvironmentLockedError,
  EnvironmentNotFoundError,
  RunNotFoundError,
  TransitionRefusedError,
} from '../../../functions/domain/errors.js';
import { buildRunId } from '../../../functions/domain/run-id.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { freshNames, nextRun, type SeededRun, seedRun, validSpec } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName });
});

afterAll(async () => {
  await dynamo.stop();
});

const close = (
  phase: 'terraform' | 'ansible' | 'argocd-bootstrap',
  buildId: string,
  outputs: Record<string, string> = {},
) => ({
  phase,
  buildId,
  logLink: `https://logs.example/${buildId}`,
  outputs,
});

/** The API's start of a run: run item, then the environment's spec and lock (created if new). */
async function lock(run: SeededRun) {
  return repository.startRun({ ...run, commit: 'abc123', spec: run.spec });
}

/** Runs terraform and ansible to SUCCEEDED and leaves argocd-bootstrap RUNNING. */
async function runToLastPhase(run: SeededRun) {
  await lock(run);
  await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
  await repository.recordPhase({ ...run, close: close('terraform', 'tf-1'), open: { phase: 'ansible' } });
  await repository.recordPhase({
    ...run,
    close: close('ansible', 'an-1'),
    open: { phase: 'argocd-bootstrap' },
  });
}

describe('organizations and environments', () => {
  it('upserts an organization, keeping its creation time', async () => {
    const { organization } = freshNames();
    const quota = { cpu: '32', memory: '64Gi', pods: 300 };
    const first = await repository.putOrganization({
      organization,
      displayName: 'Acme',
      quota,
      maxEnvironments: 10,
    });
    const second = await repository.putOrganization({
      organization,
      displayName: 'Acme Corp',
      quota,
      maxEnvironments: 12,
    });
    expect(second).toMatchObject({
      displayName: 'Acme Corp',
      maxEnvironments: 12,
      createdAt: first.createdAt,
    });
    expect(await repository.getOrganization(organization)).toEqual(second);
  });

  it('creates an environment PENDING with its tier, then updates its spec without changing status', async () => {
    const { organization, environment } = freshNames();
    const created = await repository.recordSpec({
      organization,
      environment,
      spec: validSpec('dev'),
      specHash: 'a'.repeat(64),
    });
    expect(created).toMatchObject({ status: 'PENDING', tier: 'dev', runSeq: 0, version: 1, successes: {} });

    const updated = await repository.recordSpec({
      organization,
      environment,
      spec: validSpec('prod'),
      specHash: 'b'.repeat(64),
    });
    expect(updated).toMatchObject({ status: 'PENDING', tier: 'prod', specHash: 'b'.repeat(64), version: 2 });
    expect((await repository.listEnvironments(organization)).items.map((env) => env.environment)).toEqual([
      environment,
    ]);
  });

  it('numbers runs by the environment: each run that takes the lock is runSeq + 1 of the one before', async () => {
    const first = await seedRun(repository);
    await runToLastPhase(first);
    expect((await repository.getEnvironment(first.organization, first.environment))?.runSeq).toBe(1);
    await repository.completeRun({ ...first, close: close('argocd-bootstrap', 'cd-1') });
    const second = await nextRun(repository, first);
    expect(second.seq).toBe(2);
    expect((await lock(second)).environment).toMatchObject({ runSeq: 2, activeRunId: second.runId });
  });
});

describe('acquireLock', () => {
  it('puts the run RUNNING with its first phase open, the others PENDING, and moves the environment to PROVISIONING', async () => {
    const run = await seedRun(repository);
    const { run: started, environment } = await lock(run);
    expect(started).toMatchObject({ runId: run.runId, status: 'RUNNING', seq: 1, trigger: 'api' });
    expect(Object.values(started.phases).map((phase) => phase.status)).toEqual([
      'RUNNING',
      'PENDING',
      'PENDING',
    ]);
    expect(started.phases.terraform.startedAt).toBe(started.startedAt);
    expect(started.history.map((entry) => entry.event)).toEqual(['run.started', 'phase.started']);
    expect(environment).toMatchObject({
      status: 'PROVISIONING',
      activeRunId: run.runId,
      lastRunId: run.runId,
      lastRunSeq: 1,
    });
    expect(await repository.getRun(run.runId)).toMatchObject({ runId: run.runId, status: 'RUNNING' });
    expect(await repository.listLockedEnvironments()).toContainEqual({
      organization: run.organization,
      environment: run.environment,
      runId: run.runId,
    });
  });

  it('is idempotent for the run that holds the lock', async () => {
    const run = await seedRun(repository);
    const first = await lock(run);
    const again = await lock(run);
    expect(again.run.startedAt).toBe(first.run.startedAt);
    expect(again.environment.activeRunId).toBe(run.runId);
  });

  it('refuses a second run while the first holds the lock, leaving no trace of the second', async () => {
    const first = await seedRun(repository);
    await lock(first);
    // The sequence is allocated before the first run locks, as two concurrent API calls would.
    const second = { ...first, seq: 2, runId: first.runId.replace('.000001.', '.000002.') };
    const refusal = await lock(second).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(EnvironmentLockedError);
    expect(refusal).toMatchObject({ name: 'EnvironmentLockedError', activeRunId: first.runId });
    expect(await repository.getRunBySeq(first.organization, first.environment, 2)).toBeUndefined();
  });

  it('refuses to lock again for a run that has already finished', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run);
    await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    await expect(lock(run)).rejects.toBeInstanceOf(TransitionRefusedError);
    expect((await repository.getEnvironment(run.organization, run.environment))?.activeRunId).toBeUndefined();
  });

  it('refuses a late AcquireLock of a finished run after a newer run ended, leaving the environment as that run left it', async () => {
    const first = await seedRun(repository);
    await lock(first);
    await repository.recordPhase({ ...first, open: { phase: 'terraform' } });
    await repository.failRun({ ...first, phase: 'terraform', cause: 'exit 1', retryable: false });
    const second = await nextRun(repository, first);
    await lock(second);
    await repository.recordPhase({ ...second, open: { phase: 'terraform' } });
    await repository.failRun({ ...second, phase: 'terraform', cause: 'exit 2', retryable: false });
    const before = await repository.getEnvironment(first.organization, first.environment);

    const replay = await lock(first).catch((error: unknown) => error);

    expect(replay).toBeInstanceOf(TransitionRefusedError);
    expect(String(replay)).toContain('is FAILED: a finished run never takes the lock again');
    const after = await repository.getEnvironment(first.organization, first.environment);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ status: 'FAILED', lastRunId: second.runId, lastRunSeq: 2 });
    expect(after?.activeRunId).toBeUndefined();
    expect(await repository.getRunBySeq(first.organization, first.environment, 1)).toMatchObject({
      status: 'FAILED',
      error: { cause: 'exit 1' },
    });
    // The environment is free: the next run can take the lock.
    const third = await nextRun(repository, second);
    expect((await lock(third)).environment).toMatchObject({ runSeq: 3, activeRunId: third.runId });
  });

  it('refuses an older run that tries to lock after a newer run has finished, and removes its run item', async () => {
    const older = await seedRun(repository); // #1, whose start is delayed
    // #2, started by a later request that read the environment after #1 had been planned.
    const newer = { ...older, seq: 2, runId: buildRunId({ ...older, seq: 2 }) };
    await lock(newer);
    await repository.recordPhase({ ...newer, open: { phase: 'terraform' } });
    await repository.failRun({ ...newer, phase: 'terraform', cause: 'exit 1', retryable: true });

    const refusal = await lock(older).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(TransitionRefusedError);
    expect(String(refusal)).toMatch(
      /older than run .*\.000002\..*an older run never provisions after a newer one/,
    );
    expect(await repository.getEnvironment(older.organization, older.environment)).toMatchObject({
      status: 'FAILED',
      lastRunId: newer.runId,
      lastRunSeq: 2,
    });
    expect(await repository.getRunBySeq(older.organization, older.environment, 1)).toBeUndefined();
  });

  it('lets a newer run lock after an older one has finished', async () => {
    const older = await seedRun(repository);
    await runToLastPhase(older);
    await repository.completeRun({ ...older, close: close('argocd-bootstrap', 'cd-1') });
    const newer = await nextRun(repository, older);
    const { environment } = await lock(newer);
    expect(environment).toMatchObject({ status: 'PROVISIONING', activeRunId: newer.runId, lastRunSeq: 2 });
  });

  it('refuses to provision a deleted environment until its spec is recorded again', async () => {
    const teardown = await seedRun(repository, { trigger: 'teardown' });
    await lock(teardown);
    await repository.recordPhase({ ...teardown, open: { phase: 'argocd-bootstrap' } });
    await repository.recordPhase({
      ...teardown,
      close: close('argocd-bootstrap', 'cd-1'),
      open: { phase: 'ansible' },
    });
    await repository.recordPhase({
      ...teardown,
      close: close('ansible', 'an-1'),
      open: { phase: 'terraform' },
    });
    await repository.completeRun({ ...teardown, close: close('terraform', 'tf-1') });

    // A DELETED environment takes a spec only with a run that provisions it again.
    await expect(repository.recordSpec({ ...teardown })).rejects.toBeInstanceOf(TransitionRefusedError);
    const again = await nextRun(repository, teardown, { trigger: 'api' });
    expect((await lock(again)).environment).toMatchObject({
      status: 'PROVISIONING',
      statusBeforeRun: 'DELETED',
      activeRunId: again.runId,
    });
  });

  it('refuses to record a spec while a teardown is in progress', async () => {
    const teardown = await seedRun(repository, { trigger: 'teardown' });
    await lock(teardown);
    await expect(repository.recordSpec({ ...teardown, spec: validSpec('dev') })).rejects.toBeInstanceOf(
      EnvironmentLockedError,
    );
  });

  it('refuses a run for an environment that does not exist', async () => {
    const { organization, environment } = freshNames();
    await expect(
      repository.startRun({
        organization,
        environment,
        runId: `${organization}.${environment}.000001.aaaaaaaa`,
        seq: 1,
        trigger: 'api',
        commit: '',
        specHash: 'a'.repeat(64),
      }),
    ).rejects.toBeInstanceOf(EnvironmentNotFoundError);
    expect(await repository.getRunBySeq(organization, environment, 1)).toBeUndefined();
  });
});

describe('recordPhase', () => {
  it('closes a phase with its build and outputs and opens the next in one write', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
    const { run: after, changed } = await repository.recordPhase({
      ...run,
      close: close('terraform', 'tf-1', { CLUSTER_NAME: 'acme-prod' }),
      open: { phase: 'ansible' },
    });
    expect(changed).toBe(true);
    expect(after.phases.terraform).toMatchObject({
      status: 'SUCCEEDED',
      buildId: 'tf-1',
      outputs: { CLUSTER_NAME: 'acme-prod' },
    });
    expect(after.phases.ansible.status).toBe('RUNNING');
    expect(after.phases['argocd-bootstrap'].status).toBe('PENDING');
    expect(after.history.map((entry) => entry.event)).toEqual([
      'run.started',
      'phase.started',
      'phase.succeeded',
      'phase.started',
    ]);
  });

  it('treats a duplicated close of the same build as a no-op', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
    const request = { ...run, close: close('terraform', 'tf-1'), open: { phase: 'ansible' as const } };
    await repository.recordPhase(request);
    const replay = await repository.recordPhase(request);
    expect(replay.changed).toBe(false);
    expect(replay.run.history).toHaveLength(4);
  });

  it('refuses to move a SUCCEEDED phase back to RUNNING', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
    await repository.recordPhase({ ...run, close: close('terraform', 'tf-1'), open: { phase: 'ansible' } });
    const reopened = await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
    expect(reopened.changed).toBe(false);
    expect(reopened.run.phases.terraform.status).toBe('SUCCEEDED');
  });

  it('refuses to close a phase that another build already closed', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
    await repository.recordPhase({ ...run, close: close('terraform', 'tf-1') });
    await expect(
      repository.recordPhase({ ...run, close: close('terraform', 'tf-2') }),
    ).rejects.toBeInstanceOf(TransitionRefusedError);
  });

  it('refuses to close a phase that never started', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await expect(repository.recordPhase({ ...run, close: close('ansible', 'an-1') })).rejects.toBeInstanceOf(
      TransitionRefusedError,
    );
  });

  it('refuses any phase change on a failed run', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
    await repository.failRun({ ...run, phase: 'terraform', cause: 'exit 1', retryable: false });
    await expect(repository.recordPhase({ ...run, open: { phase: 'ansible' } })).rejects.toBeInstanceOf(
      TransitionRefusedError,
    );
  });

  it('reports an unknown run as RunNotFoundError', async () => {
    const run = await seedRun(repository);
    await expect(repository.recordPhase({ ...run, open: { phase: 'terraform' } })).rejects.toBeInstanceOf(
      RunNotFoundError,
    );
  });
});

describe('completeRun', () => {
  it('marks the run SUCCEEDED, the environment READY and releases the lock', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run);
    const { run: done, environment } = await repository.completeRun({
      ...run,
      close: close('argocd-bootstrap', 'cd-1', { ARGOCD_SYNC_STATUS: 'Synced' }),
    });
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      phases: { 'argocd-bootstrap': { status: 'SUCCEEDED', buildId: 'cd-1' } },
    });
    expect(done.endedAt).toBeDefined();
    expect(environment).toMatchObject({ status: 'READY', lastRunId: run.runId });
    expect(environment?.activeRunId).toBeUndefined();
    expect(await repository.listLockedEnvironments()).not.toContainEqual(
      expect.objectContaining({ runId: run.runId }),
    );
  });

  it('is a no-op when replayed', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run);
    await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    const replay = await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    expect(replay.changed).toBe(false);
    expect(replay.environment?.status).toBe('READY');
  });

  it('refuses to complete a run whose earlier phases have not finished', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.recordPhase({ ...run, open: { phase: 'argocd-bootstrap' } });
    await expect(
      repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') }),
    ).rejects.toThrow(/unfinished phases: terraform, ansible/);
  });

  it('reports a run id that does not exist as RunNotFoundError and leaves the lock alone', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run);
    const stranger = { ...run, runId: run.runId.replace('.000001.', '.000009.') };
    await expect(
      repository.completeRun({ ...stranger, close: close('argocd-bootstrap', 'cd-1') }),
    ).rejects.toBeInstanceOf(RunNotFoundError);
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      status: 'PROVISIONING',
      activeRunId: run.runId,
    });
  });

  it('refuses to release the lock for a RUNNING run that does not hold it', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run);
    // The lock is taken away from the run behind the workflow's back (an operator's forced unlock).
    await dynamo.documentClient.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: { pk: `ORG#${run.organization}`, sk: `ENV#${run.environment}` },
        UpdateExpression: 'REMOVE activeRunId, gsi1pk, gsi1sk',
      }),
    );

    const refusal = await repository
      .completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') })
      .catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(TransitionRefusedError);
    expect(String(refusal)).toContain(`run ${run.runId} does not hold the lock`);
    const environment = await repository.getEnvironment(run.organization, run.environment);
    expect(environment).toMatchObject({ status: 'PROVISIONING', lastRunId: run.runId });
    expect(environment?.activeRunId).toBeUndefined();
  });

  it('refuses to release the lock for a run the environment no longer considers active', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run);
    await repository.interruptRun({ ...run, reason: 'execution gone' });
    await expect(
      repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') }),
    ).rejects.toBeInstanceOf(TransitionRefusedError);
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      status: 'FAILED',
    });
  });

  it('sets DELETED after a successful teardown', async () => {
    const run = await seedRun(repository, { trigger: 'teardown' });
    const { run: started } = await lock(run);
    expect(started.phaseOrder).toEqual(['argocd-bootstrap', 'ansible', 'terraform']);
    await repository.recordPhase({ ...run, open: { phase: 'argocd-bootstrap' } });
    await repository.recordPhase({
      ...run,
      close: close('argocd-bootstrap', 'cd-1'),
      open: { phase: 'ansible' },
    });
    await repository.recordPhase({ ...run, close: close('ansible', 'an-1'), open: { phase: 'terraform' } });
    const { environment } = await repository.completeRun({ ...run, close: close('terraform', 'tf-1') });
    expect(environment?.status).toBe('DELETED');
  });
});

describe('failRun', () => {
  it('marks the phase and the run FAILED with a structured error, leaves later phases PENDING, releases the lock', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
    await repository.recordPhase({ ...run, close: close('terraform', 'tf-1'), open: { phase: 'ansible' } });
    const { run: failed, environment } = await repository.failRun({
      ...run,
      phase: 'ansible',
      buildId: 'an-1',
      logLink: 'https://logs.example/an-1',
      cause: 'exit status 2',
      retryable: false,
    });
    expect(failed).toMatchObject({
      status: 'FAILED',
      error: { phase: 'ansible', buildId: 'an-1', cause: 'exit status 2', retryable: false },
      phases: {
        terraform: { status: 'SUCCEEDED' },
        ansible: { status: 'FAILED' },
        'argocd-bootstrap': { status: 'PENDING' },
      },
    });
    expect(environment).toMatchObject({ status: 'FAILED', lastRunId: run.runId });
    expect(environment?.activeRunId).toBeUndefined();
  });

  it('is a no-op when replayed', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.failRun({ ...run, phase: 'terraform', cause: 'exit 1', retryable: false });
    const replay = await repository.failRun({
      ...run,
      phase: 'terraform',
      cause: 'exit 1',
      retryable: false,
    });
    expect(replay).toMatchObject({ changed: false, outcome: 'replay', lock: 'already-released' });
    expect(replay.run.history.filter((entry) => entry.event === 'run.failed')).toHaveLength(1);
  });

  it('never overwrites a run that already succeeded, and reports what it found', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run);
    await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });

    const late = await repository.failRun({
      ...run,
      phase: 'argocd-bootstrap',
      cause: 'late',
      retryable: false,
    });

    expect(late).toMatchObject({ outcome: 'already-finished', changed: false, lock: 'already-released' });
    expect(late.run).toMatchObject({ status: 'SUCCEEDED' });
    expect(late.run.error).toBeUndefined();
    expect(await repository.getRun(run.runId)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      status: 'READY',
    });
  });

  it('keeps the first failure of a run failed in another phase, and releases nothing twice', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
    await repository.failRun({ ...run, phase: 'terraform', cause: 'exit 1', retryable: false });

    const other = await repository.failRun({ ...run, phase: 'ansible', cause: 'late', retryable: true });

    expect(other).toMatchObject({ outcome: 'already-finished', changed: false, lock: 'already-released' });
    expect(other.run.error).toMatchObject({ phase: 'terraform', cause: 'exit 1' });
    expect(other.run.phases.ansible.status).toBe('PENDING');
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      status: 'FAILED',
    });
  });

  it('lets a new run start after a failure', async () => {
    const run = await seedRun(repository);
    await lock(run);
    await repository.failRun({ ...run, phase: 'terraform', cause: 'exit 1', retryable: true });
    const resume = await nextRun(repository, { ...run, trigger: 'resume' });
    const { environment } = await repository.startRun({ ...resume, commit: '' });
    expect(environment).toMatchObject({ status: 'PROVISIONING', activeRunId: resume.runId });
    expect((await repository.listRuns(run.organization, run.environment)).items.map((r) => r.seq)).toEqual([
      2, 1,
    ]);
  });
});

describe('alerts and audit', () => {
  it('stores an alert once per dedupKey and lists alerts newest first', async () => {
    const { organization, environment } = freshNames();
    const failure = { phase: 'ansible' as const, cause: 'exit 2', retryable: false };
    const older = buildPhaseFailedAlert({
      organization,
      environment,
      runId: 'r1',
      failure,
      occurredAt: '2025-01-01T00:00:00.000Z',
    });
    const newer = buildPhaseFailedAlert({
      organization,
      environment,
      runId: 'r2',
      failure,
      occurredAt: '2025-01-02T00:00:00.000Z',
    });
    expect(await repository.recordAlert(older)).toMatchObject({ stored: true });
    expect(await repository.recordAlert(older)).toMatchObject({ stored: false });
    expect(await repository.recordAlert(newer)).toMatchObject({ stored: true });
    expect((await repository.listAlerts(organization)).items.map((alert) => alert.id)).toEqual([
      newer.id,
      older.id,
    ]);
  });

  it('lets only one of two deliverers claim an alert, and neither once it is delivered', async () => {
    const { organization, environment } = freshNames();
    const alert = buildPhaseFailedAlert({
      organization,
      environment,
      runId: 'r1',
      failure: { phase: 'terraform', cause: 'x', retryable: false },
      occurredAt: '2025-01-01T00:00:00.000Z',
    });
    expect(await repository.recordAlert(alert)).toMatchObject({
      stored: true,
      alert: { delivery: { status: 'pending' } },
    });
    const claims = await Promise.all(
      ['a', 'b'].map((claim) =>
        repository.claimAlertDelivery({ alertId: alert.id, claim, leaseSeconds: 60 }),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = claims[0] ? 'a' : 'b';
    expect(
      await repository.completeAlertDelivery({ alertId: alert.id, claim: winner === 'a' ? 'b' : 'a' }),
    ).toBe(false);
    expect(await repository.completeAlertDelivery({ alertId: alert.id, claim: winner })).toBe(true);
    expect(
      await repository.claimAlertDelivery({ alertId: alert.id, claim: 'c', leaseSeconds: 60 }),
    ).toBeUndefined();
    expect(await repository.listAlertOutbox(100)).not.toContainEqual(
      expect.objectContaining({ alert: expect.objectContaining({ id: alert.id }) }),
    );
  });

  it('appends audit entries and lists them newest first', async () => {
    const { organization, environment } = freshNames();
    let tick = Date.parse('2025-03-01T10:00:00.000Z');
    const clocked = createRepository({
      client: dynamo.client,
      tableName: dynamo.tableName,
      now: () => {
        tick += 1000;
        return new Date(tick);
      },
    });
    await clocked.appendAudit({ organization, actor: 'user-1', action: 'organization.upserted' });
    await clocked.appendAudit({
      organization,
      actor: 'user-1',
      action: 'environment.spec-recorded',
      environment,
      detail: { specHash: 'abc' },
    });
    const { items: entries } = await clocked.listAudit(organization);
    expect(entries.map((entry) => entry.action)).toEqual([
      'environment.spec-recorded',
      'organization.upserted',
    ]);
    expect(entries[0]).toMatchObject({
      environment,
      detail: { specHash: 'abc' },
      at: '2025-03-01T10:00:02.000Z',
    });
  });
});

describe('pagination', () => {
  it('pages an organization list with an opaque cursor and ends without one', async () => {
    const { organization } = freshNames();
    for (const environment of ['a1', 'b2', 'c3']) {
      await repository.recordSpec({ organization, environment, spec: validSpec(), specHash: 'c'.repeat(64) });
    }
    const first = await repository.listEnvironments(organization, { limit: 2 });
    expect(first.items.map((env) => env.environment)).toEqual(['a1', 'b2']);
    expect(first.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await repository.listEnvironments(organization, { limit: 2, cursor: first.cursor });
    expect(second.items.map((env) => env.environment)).toEqual(['c3']);
    expect(second.cursor).toBeUndefined();
  });

  it("refuses a cursor made for another organization's list, naming the cursor", async () => {
    const mine = freshNames();
    const theirs = freshNames();
    for (const environment of ['a1', 'b2']) {
      await repository.recordSpec({ ...theirs, environment, spec: validSpec(), specHash: 'c'.repeat(64) });
    }
    const { cursor } = await repository.listEnvironments(theirs.organization, { limit: 1 });
    await expect(repository.listEnvironments(mine.organization, { cursor })).rejects.toThrow(
      /^invalid cursor/,
    );
    await expect(repository.listEnvironments(mine.organization, { cursor: 'not a cursor!' })).rejects.toThrow(
      /cursor: is not a cursor of this list/,
    );
    const forged = Buffer.from(JSON.stringify({ pk: `ORG#${mine.organization}`, sk: 1 })).toString(
      'base64url',
    );
    await expect(repository.listEnvironments(mine.organization, { cursor: forged })).rejects.toThrow(
      /cursor/,
    );
  });

  it('lists every organization by name for the registry', async () => {
    const { organization } = freshNames();
    await repository.putOrganization({
      organization,
      displayName: 'Listed',
      quota: { cpu: '1', memory: '1Gi', pods: 1 },
      maxEnvironments: 1,
    });
    const names: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const listed = await repository.listOrganizations({ limit: 100, ...(cursor ? { cursor } : {}) });
      names.push(...listed.items.map((org) => org.organization));
      cursor = listed.cursor;
      if (!cursor) break;
    }
    expect(names).toContain(organization);
    expect([...names].sort()).toEqual(names);
  });
});

describe('guards a loosened condition would break', () => {
  it('refuses to fail a phase that already SUCCEEDED in a running run, changing nothing', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run); // terraform and ansible SUCCEEDED, argocd-bootstrap RUNNING
    const before = await repository.getRun(run.runId);

    await expect(
      repository.failRun({ ...run, phase: 'terraform', cause: 'late failure', retryable: false }),
    ).rejects.toBeInstanceOf(TransitionRefusedError);

    const after = await repository.getRun(run.runId);
    expect(after).toEqual(before);
    expect(after?.phases.terraform.status).toBe('SUCCEEDED');
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      status: 'PROVISIONING',
      activeRunId: run.runId,
    });
  });

  it('refuses to interrupt a run that finished, leaving the run and the environment as they are', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run);
    await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1') });
    const environment = await repository.getEnvironment(run.organization, run.environment);

    await expect(repository.interruptRun({ ...run, reason: 'late watchdog event' })).rejects.toBeInstanceOf(
      TransitionRefusedError,
    );

    const stored = await repository.getRun(run.runId);
    expect(stored?.status).toBe('SUCCEEDED');
    expect(stored?.history.map((entry) => entry.event)).not.toContain('run.interrupted');
    expect(await repository.getEnvironment(run.organization, run.environment)).toEqual(environment);
  });

  it('records each succeeded phase with its fingerprint on the environment when the run ends', async () => {
    const run = await seedRun(repository);
    await runToLastPhase(run);
    await repository.completeRun({ ...run, close: close('argocd-bootstrap', 'cd-1', { SYNC: 'Synced' }) });
    const environment = await repository.getEnvironment(run.organization, run.environment);
    expect(Object.keys(environment?.successes ?? {}).sort()).toEqual([
      'ansible',
      'argocd-bootstrap',
      'terraform',
    ]);
    expect(environment?.successes['argocd-bootstrap']).toMatchObject({
      runId: run.runId,
      outputs: { SYNC: 'Synced' },
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
});

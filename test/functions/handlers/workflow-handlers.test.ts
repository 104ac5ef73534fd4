import { ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRepository,
  type Repository,
  type WriteEvent,
} from '../../../functions/adapters/dynamodb/repository.js';
import { createAlertPublisher } from '../../../functions/adapters/sns/alert-publisher.js';
import { alertIdFor } from '../../../functions/domain/alert.js';
import { ValidationError } from '../../../functions/domain/errors.js';
import { makeAcquireLock } from '../../../functions/handlers/acquire-lock.js';
import { makeCompleteRun } from '../../../functions/handlers/complete-run.js';
import { makePublishAlert } from '../../../functions/handlers/publish-alert.js';
import { makeRecordFailure } from '../../../functions/handlers/record-failure.js';
import { makeRecordPhase } from '../../../functions/handlers/record-phase.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { type FakeSns, startFakeSns } from '../../support/fake-sns.js';
import { seedRun, selectedBuild, startSeeded, workflowInput } from '../../support/fixtures.js';
import { commandFailedBuild, FAILED_BUILD_ID } from '../support/codebuild-failures.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:slipway-alerts';
let dynamo: LocalDynamo;
let sns: FakeSns;
let repository: Repository;

beforeAll(async () => {
  [dynamo, sns] = await Promise.all([startDynalite(), startFakeSns()]);
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName });
});

afterAll(async () => {
  await Promise.all([dynamo.stop(), sns.stop()]);
});

function workflow(repo: Repository) {
  return {
    acquireLock: makeAcquireLock({ repository: repo }),
    recordPhase: makeRecordPhase({ repository: repo }),
    completeRun: makeCompleteRun({ repository: repo }),
    recordFailure: makeRecordFailure({ repository: repo }),
    publishAlert: makePublishAlert({
      repository: repo,
      publisher: createAlertPublisher({ client: sns.client, topicArn: TOPIC }),
    }),
  };
}

describe('workflow handlers, success path', () => {
  it('provisions a run through all three phases in 6 writes (2 by the API to start it, its first phase open; 4 by the workflow)', async () => {
    const writes: WriteEvent[] = [];
    const counted = createRepository({
      client: dynamo.client,
      tableName: dynamo.tableName,
      onWrite: (event) => writes.push(event),
    });
    // The API's part of the run (counted): the run item, then the environment's spec and lock.
    const run = await startSeeded(counted, await seedRun(repository));
    const steps = workflow(counted);
    const ref = { organization: run.organization, environment: run.environment, runId: run.runId };
    const terraform = selectedBuild('slipway-terraform', {
      CLUSTER_NAME: 'acme-prod',
      API_ENDPOINT: 'https://10.20.0.10:6443',
    });
    const ansible = selectedBuild('slipway-ansible', { NODES_READY: '6', CILIUM_STATUS: 'OK' });
    const argocd = selectedBuild('slipway-argocd-bootstrap', { ARGOCD_SYNC_STATUS: 'Synced' });

    const locked = await steps.acquireLock({ ...workflowInput(run), executionName: run.runId });
    expect(locked).toMatchObject({ runId: run.runId, startAt: 'terraform', route: 'provision:terraform' });
    expect(
      await steps.recordPhase({
        ...ref,
        close: { phase: 'terraform', build: terraform },
        open: { phase: 'ansible' },
      }),
    ).toEqual({ outputs: { CLUSTER_NAME: 'acme-prod', API_ENDPOINT: 'https://10.20.0.10:6443' } });
    expect(
      await steps.recordPhase({
        ...ref,
        close: { phase: 'ansible', build: ansible },
        open: { phase: 'argocd-bootstrap' },
      }),
    ).toEqual({ outputs: { NODES_READY: '6', CILIUM_STATUS: 'OK' } });
    expect(await steps.completeRun({ ...ref, close: { phase: 'argocd-bootstrap', build: argocd } })).toEqual({
      status: 'SUCCEEDED',
      outputs: { ARGOCD_SYNC_STATUS: 'Synced' },
    });

    expect(writes.every((write) => write.outcome === 'written')).toBe(true);
    expect(writes.map((write) => write.operation)).toEqual([
      'PutItem', // API: run item
      'UpdateItem', // API: environment spec + lock (AcquireLock verifies: terraform is open already)
      'UpdateItem', // close terraform + open ansible
      'UpdateItem', // close ansible + open argocd-bootstrap
      'UpdateItem', // CompleteRun: run SUCCEEDED
      'UpdateItem', // CompleteRun: environment READY, lock released
    ]);
    expect(writes.length).toBe(6);
    const stored = await repository.getRun(run.runId);
    expect(stored?.phases.ansible).toMatchObject({
      status: 'SUCCEEDED',
      buildId: ansible.id,
      logLink: ansible.logLink,
    });
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      status: 'READY',
    });
  });

  it('returns the first recorded outputs when a RecordPhase event is replayed', async () => {
    const run = await seedRun(repository);
    const steps = workflow(repository);
    const ref = { organization: run.organization, environment: run.environment, runId: run.runId };
    await startSeeded(repository, run);
    await steps.acquireLock({ ...workflowInput(run), executionName: run.runId });
    const event = {
      ...ref,
      close: { phase: 'terraform', build: selectedBuild('slipway-terraform', { CLUSTER_NAME: 'c1' }) },
      open: { phase: 'ansible' },
    };
    const first = await steps.recordPhase(event);
    expect(await steps.recordPhase(event)).toEqual(first);
  });

  it('throws ValidationError on a malformed event and writes nothing', async () => {
    const writes: WriteEvent[] = [];
    const counted = createRepository({
      client: dynamo.client,
      tableName: dynamo.tableName,
      onWrite: (e) => writes.push(e),
    });
    const steps = workflow(counted);
    const run = await seedRun(repository);
    const input = { ...workflowInput(run), executionName: run.runId };
    await expect(steps.acquireLock({ ...input, trigger: 'cron' })).rejects.toBeInstanceOf(ValidationError);
    await expect(steps.acquireLock({ ...input, runId: `${run.runId}x` })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(
      steps.recordPhase({ organization: run.organization, environment: run.environment, runId: run.runId }),
    ).rejects.toThrow(/close or open is required/);
    expect(writes).toEqual([]);
  });
});

describe('workflow handlers, failure path', () => {
  it('records a failed CodeBuild phase from the Catch payload and publishes one alert', async () => {
    const run = await seedRun(repository, { tier: 'staging' });
    const steps = workflow(repository);
    const ref = { organization: run.organization, environment: run.environment, runId: run.runId };
    await startSeeded(repository, run);
    await steps.acquireLock({ ...workflowInput(run), executionName: run.runId });
    await steps.recordPhase({
      ...ref,
      close: { phase: 'terraform', build: selectedBuild('slipway-terraform', {}) },
      open: { phase: 'ansible' },
    });

    const failure = await steps.recordFailure({
      ...ref,
      phase: 'ansible',
      error: { Error: 'States.TaskFailed', Cause: JSON.stringify({ Build: commandFailedBuild }) },
    });
    expect(failure).toMatchObject({ phase: 'ansible', buildId: FAILED_BUILD_ID, retryable: false });
    expect(failure.cause).toContain('COMMAND_EXECUTION_ERROR');
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      status: 'FAILED',
    });

    const before = sns.publishes.length;
    const first = await steps.publishAlert({ ...ref, failure });
    const replay = await steps.publishAlert({ ...ref, failure });
    expect(first).toEqual({
      alertId: alertIdFor(`phase.failed:${run.runId}:ansible`),
      published: true,
      delivery: 'delivered',
    });
    expect(replay).toEqual({ alertId: first.alertId, published: false, delivery: 'delivered' });
    expect(sns.publishes.length - before).toBe(1);
    expect(sns.publishes.at(-1)?.attributes.severity).toEqual({ dataType: 'String', value: 'warning' });
    expect((await repository.listAlerts(run.organization)).items.map((alert) => alert.id)).toEqual([
      first.alertId,
    ]);
  });

  it('reports the recorded failure when RecordFailure is replayed', async () => {
    const run = await seedRun(repository);
    const steps = workflow(repository);
    const ref = { organization: run.organization, environment: run.environment, runId: run.runId };
    await startSeeded(repository, run);
    await steps.acquireLock({ ...workflowInput(run), executionName: run.runId });
    const event = { ...ref, phase: 'terraform', error: { Error: 'States.Timeout', Cause: 'Task timed out' } };
    const first = await steps.recordFailure(event);
    expect(await steps.recordFailure(event)).toEqual(first);
    expect(first).toMatchObject({ retryable: true, cause: 'States.Timeout: Task timed out' });
  });

  it('releases the lock READY when CompleteRun recorded the run but not the environment, keeping the run SUCCEEDED', async () => {
    const run = await seedRun(repository, { tier: 'staging' });
    const steps = workflow(repository);
    const ref = { organization: run.organization, environment: run.environment, runId: run.runId };
    await startSeeded(repository, run);
    await steps.acquireLock({ ...workflowInput(run), executionName: run.runId });
    await steps.recordPhase({
      ...ref,
      close: { phase: 'terraform', build: selectedBuild('slipway-terraform', {}) },
      open: { phase: 'ansible' },
    });
    await steps.recordPhase({
      ...ref,
      close: { phase: 'ansible', build: selectedBuild('slipway-ansible', {}) },
      open: { phase: 'argocd-bootstrap' },
    });
    // dynalite cannot throttle: this client throttles every environment write (past every Retry).
    const client = DynamoDBDocumentClient.from(dynamo.newClient(), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    Object.assign(client, {
      send: async (command: unknown) => {
        if (command instanceof UpdateCommand && String(command.input.Key?.sk).startsWith('ENV#')) {
          throw new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
        }
        return send(command);
      },
    });
    const throttled = workflow(createRepository({ client, tableName: dynamo.tableName }));
    const caught = await throttled
      .completeRun({
        ...ref,
        close: { phase: 'argocd-bootstrap', build: selectedBuild('slipway-argocd', {}) },
      })
      .catch((error: unknown) => error);
    expect(caught).toMatchObject({ name: 'TransientStoreError' });

    // The Catch of CompleteRun routes to RecordFailure, with the caught error.
    const failure = await steps.recordFailure({
      ...ref,
      phase: 'argocd-bootstrap',
      error: {
        Error: 'TransientStoreError',
        Cause: JSON.stringify({
          errorType: 'TransientStoreError',
          errorMessage: 'DynamoDB UpdateItem failed transiently',
        }),
      },
    });

    expect(failure).toMatchObject({ phase: 'argocd-bootstrap', retryable: false });
    expect(failure.cause).toMatch(
      /^Run .* had already succeeded \(environment READY\); the workflow then failed recording phase argocd-bootstrap: TransientStoreError/,
    );
    expect(await repository.getRun(run.runId)).toMatchObject({ status: 'SUCCEEDED' });
    const environment = await repository.getEnvironment(run.organization, run.environment);
    expect(environment).toMatchObject({ status: 'READY', lastRunId: run.runId });
    expect(environment?.activeRunId).toBeUndefined();
  });

  it('keeps the alert recorded as undelivered when SNS fails, and publishes it once on retry', async () => {
    const run = await seedRun(repository);
    const steps = workflow(repository);
    const ref = { organization: run.organization, environment: run.environment, runId: run.runId };
    const failure = {
      phase: 'terraform' as const,
      cause: 'exit 1',
      retryable: false,
      failedAt: new Date().toISOString(),
    };
    const before = sns.publishes.length;
    sns.failNext(1);
    expect(await steps.publishAlert({ ...ref, failure })).toMatchObject({
      published: false,
      delivery: 'pending',
    });
    expect((await repository.listAlerts(run.organization)).items[0]?.delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: expect.stringContaining('TransientPublishError'),
    });
    expect(await steps.publishAlert({ ...ref, failure })).toMatchObject({
      published: true,
      delivery: 'delivered',
    });
    expect(await steps.publishAlert({ ...ref, failure })).toMatchObject({ published: false });
    expect(sns.publishes.length - before).toBe(1);
  });
});

import { randomUUID } from 'node:crypto';
import { ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createRepository,
  type Repository,
  type WriteEvent,
} from '../../../functions/adapters/dynamodb/repository.js';
import { createAlertPublisher } from '../../../functions/adapters/sns/alert-publisher.js';
import { type Alert, alertIdFor } from '../../../functions/domain/alert.js';
import { TransientStoreError, ValidationError } from '../../../functions/domain/errors.js';
import type { ExecutionFailureStatus } from '../../../functions/domain/model.js';
import { makeExecutionEnded } from '../../../functions/handlers/execution-ended.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { type FakeSns, startFakeSns } from '../../support/fake-sns.js';
import { type SeededRun, seedRun, workflowInput } from '../../support/fixtures.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:slipway-alerts';
const ACCOUNT = '123456789012';
const STATE_MACHINE = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:ProvisioningWorkflowStateMachine3E2F6A2B-x1Y2z3`;
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

function executionEnded(repo: Repository = repository) {
  return makeExecutionEnded({
    repository: repo,
    publisher: createAlertPublisher({ client: sns.client, topicArn: TOPIC }),
  });
}

const ERRORS: Record<ExecutionFailureStatus, { error: string | null; cause: string | null }> = {
  TIMED_OUT: { error: 'States.Timeout', cause: null },
  ABORTED: { error: null, cause: null },
  FAILED: {
    error: 'TransientStoreError',
    cause: '{"errorType":"TransientStoreError","errorMessage":"DynamoDB UpdateItem failed transiently"}',
  },
};

/**
 * The EventBridge event Step Functions sends when an execution ends, as delivered to a Lambda
 * target (default bus, `source: aws.states`): the execution name is the run id and
 * `detail.input` the execution input as a JSON string.
 */
function statusChange(run: SeededRun, status: ExecutionFailureStatus): Record<string, unknown> {
  const executionArn = `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${run.runId}`;
  const stopDate = Date.now();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: ACCOUNT,
    time: new Date(stopDate).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-1',
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: STATE_MACHINE,
      name: run.runId,
      status,
      startDate: stopDate - 4 * 3600 * 1000,
      stopDate,
      input: JSON.stringify(workflowInput(run)),
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      ...ERRORS[status],
      redriveCount: 0,
      redriveStatus: 'REDRIVABLE',
    },
  };
}

/** Locks the run, runs terraform to SUCCEEDED and leaves ansible RUNNING. */
async function startedAtAnsible(run: SeededRun): Promise<void> {
  await repository.startRun({ ...run, commit: '9fceb02' });
  await repository.recordPhase({ ...run, open: { phase: 'terraform' } });
  await repository.recordPhase({
    ...run,
    close: { phase: 'terraform', buildId: 'slipway-terraform:1', outputs: { CLUSTER_NAME: 'acme-prod' } },
    open: { phase: 'ansible' },
  });
}

function publishedAlertsOf(run: SeededRun) {
  return sns.publishes.filter((publish) => (JSON.parse(publish.message) as Alert).run === run.runId);
}

describe('execution ended while its run was RUNNING', () => {
  it('interrupts a run whose execution timed out: lock released, nothing recorded lost, one critical alert', async () => {
    const run = await seedRun(repository, { tier: 'prod' });
    await startedAtAnsible(run);
    const event = statusChange(run, 'TIMED_OUT');

    const result = await executionEnded()(event);

    expect(result).toEqual({
      runId: run.runId,
      executionStatus: 'TIMED_OUT',
      found: 'RUNNING',
      interrupted: true,
      environmentStatus: 'FAILED',
      alert: { alertId: alertIdFor(`run.interrupted:${run.runId}`), published: true, delivery: 'delivered' },
    });
    const stored = await repository.getRun(run.runId);
    expect(stored).toMatchObject({
      status: 'INTERRUPTED',
      phases: {
        terraform: {
          status: 'SUCCEEDED',
          buildId: 'slipway-terraform:1',
          outputs: { CLUSTER_NAME: 'acme-prod' },
        },
        ansible: { status: 'RUNNING' },
        'argocd-bootstrap': { status: 'PENDING' },
      },
    });
    expect(stored?.history.at(-1)).toMatchObject({
      event: 'run.interrupted',
      detail: { reason: 'execution TIMED_OUT: States.Timeout' },
    });
    const environment = await repository.getEnvironment(run.organization, run.environment);
    expect(environment).toMatchObject({ status: 'FAILED', lastRunId: run.runId });
    expect(environment?.activeRunId).toBeUndefined();
    expect(environment?.runSeq).toBe(1);

    const [published, ...more] = publishedAlertsOf(run);
    expect(more).toEqual([]);
    expect(published?.attributes).toEqual({
      kind: { dataType: 'String', value: 'run.interrupted' },
      severity: { dataType: 'String', value: 'critical' },
      organization: { dataType: 'String', value: run.organization },
      environment: { dataType: 'String', value: run.environment },
    });
    const alert = JSON.parse(published?.message ?? '{}') as Alert;
    const { detail } = event as { detail: { executionArn: string } };
    expect(alert.summary).toContain('timed out (TIMED_OUT)');
    expect(alert.detail).toContain('Phase ansible was in progress.');
    expect(alert.links).toEqual([
      {
        label: 'Step Functions execution',
        url: `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${detail.executionArn}`,
      },
    ]);
    expect((await repository.listAlerts(run.organization)).items.map((stored) => stored.kind)).toEqual([
      'run.interrupted',
    ]);
  });

  it('publishes one alert however often the event is delivered', async () => {
    const run = await seedRun(repository, { tier: 'staging' });
    await startedAtAnsible(run);
    const event = statusChange(run, 'ABORTED');

    await executionEnded()(event);
    const again = await executionEnded()(event);

    expect(again).toMatchObject({ found: 'INTERRUPTED', interrupted: true, alert: { published: false } });
    const published = publishedAlertsOf(run);
    expect(published).toHaveLength(1);
    expect(published[0]?.attributes.severity).toEqual({ dataType: 'String', value: 'warning' });
    expect((JSON.parse(published[0]?.message ?? '{}') as Alert).summary).toContain('was stopped (ABORTED)');
  });

  it('keeps the alert recorded as undelivered when SNS fails, and publishes it once on redelivery', async () => {
    const run = await seedRun(repository);
    await startedAtAnsible(run);
    const event = statusChange(run, 'FAILED');

    sns.failNext(1);
    expect(await executionEnded()(event)).toMatchObject({ alert: { published: false, delivery: 'pending' } });
    expect(await repository.getRun(run.runId)).toMatchObject({ status: 'INTERRUPTED' });
    expect(publishedAlertsOf(run)).toHaveLength(0);

    expect(await executionEnded()(event)).toMatchObject({ interrupted: true, alert: { published: true } });
    expect(publishedAlertsOf(run)).toHaveLength(1);
  });

  it('marks an interrupted teardown DELETE_FAILED', async () => {
    const run = await seedRun(repository, { trigger: 'teardown' });
    await repository.startRun({ ...run, commit: '' });
    await repository.recordPhase({ ...run, open: { phase: 'argocd-bootstrap' } });

    const result = await executionEnded()(statusChange(run, 'ABORTED'));

    expect(result).toMatchObject({ interrupted: true, environmentStatus: 'DELETE_FAILED' });
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      status: 'DELETE_FAILED',
    });
  });
});

describe('execution ended after its run recorded its end', () => {
  it.each(['FAILED', 'SUCCEEDED'] as const)(
    'does nothing for a run already %s: no write, no alert',
    async (outcome) => {
      const run = await seedRun(repository);
      await startedAtAnsible(run);
      if (outcome === 'FAILED') {
        await repository.failRun({ ...run, phase: 'ansible', cause: 'exit 2', retryable: false });
      } else {
        await repository.recordPhase({
          ...run,
          close: { phase: 'ansible', buildId: 'slipway-ansible:1', outputs: {} },
          open: { phase: 'argocd-bootstrap' },
        });
        await repository.completeRun({
          ...run,
          close: { phase: 'argocd-bootstrap', buildId: 'slipway-argocd-bootstrap:1', outputs: {} },
        });
      }
      const before = await repository.getEnvironment(run.organization, run.environment);
      const writes: WriteEvent[] = [];
      const counted = createRepository({
        client: dynamo.client,
        tableName: dynamo.tableName,
        onWrite: (write) => writes.push(write),
      });

      const result = await executionEnded(counted)(statusChange(run, 'FAILED'));

      expect(result).toEqual({
        runId: run.runId,
        executionStatus: 'FAILED',
        found: outcome,
        interrupted: false,
      });
      expect(writes).toEqual([]);
      expect(publishedAlertsOf(run)).toEqual([]);
      expect(await repository.getEnvironment(run.organization, run.environment)).toEqual(before);
      expect(await repository.getRun(run.runId)).toMatchObject({ status: outcome });
    },
  );

  it('releases the lock a SUCCEEDED run still holds because its last environment write failed', async () => {
    const run = await seedRun(repository);
    await startedAtAnsible(run);
    await repository.recordPhase({
      ...run,
      close: { phase: 'ansible', buildId: 'slipway-ansible:1', outputs: {} },
      open: { phase: 'argocd-bootstrap' },
    });
    // CompleteRun: the run write lands, the environment write is throttled past every retry (and
    // so is RecordFailure's, in the workflow): dynalite cannot throttle, so the client does.
    const client = DynamoDBDocumentClient.from(dynamo.newClient());
    const send = client.send.bind(client);
    vi.spyOn(client, 'send').mockImplementation((async (command: unknown) => {
      const key = (command as { input?: { Key?: { sk?: unknown } } }).input?.Key;
      if (command instanceof UpdateCommand && String(key?.sk).startsWith('ENV#')) {
        throw new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
      }
      return send(command as never);
    }) as never);
    const throttled = createRepository({ client, tableName: dynamo.tableName });
    await expect(
      throttled.completeRun({
        ...run,
        close: { phase: 'argocd-bootstrap', buildId: 'slipway-argocd-bootstrap:1', outputs: {} },
      }),
    ).rejects.toBeInstanceOf(TransientStoreError);
    expect(await repository.getEnvironment(run.organization, run.environment)).toMatchObject({
      activeRunId: run.runId,
    });

    const result = await executionEnded()(statusChange(run, 'FAILED'));

    expect(result).toMatchObject({ found: 'SUCCEEDED', interrupted: false, lock: 'released' });
    const environment = await repository.getEnvironment(run.organization, run.environment);
    expect(environment?.status).toBe('READY');
    expect(environment?.activeRunId).toBeUndefined();
    expect(await repository.getRun(run.runId)).toMatchObject({ status: 'SUCCEEDED' });
    expect(publishedAlertsOf(run)).toEqual([]);
  });

  it('does nothing when the run never started (its AcquireLock was refused)', async () => {
    const run = await seedRun(repository);

    const result = await executionEnded()(statusChange(run, 'FAILED'));

    expect(result).toEqual({
      runId: run.runId,
      executionStatus: 'FAILED',
      found: 'ABSENT',
      interrupted: false,
    });
    expect(await repository.getRunBySeq(run.organization, run.environment, run.seq)).toBeUndefined();
    expect(publishedAlertsOf(run)).toEqual([]);
  });
});

describe('execution ended, malformed or foreign events', () => {
  type Mutation = (event: Record<string, unknown>, detail: Record<string, unknown>) => void;
  const cases: [string, string, Mutation][] = [
    [
      'an event of another source',
      'source',
      (event) => {
        event.source = 'aws.codebuild';
      },
    ],
    [
      'another detail type',
      'detail-type',
      (event) => {
        event['detail-type'] = 'Step Functions State Machine Status Change';
      },
    ],
    [
      'an execution that succeeded',
      'detail.status',
      (_event, detail) => {
        detail.status = 'SUCCEEDED';
      },
    ],
    [
      'an execution input that is not JSON',
      'detail.input',
      (_event, detail) => {
        detail.input = 'not json';
      },
    ],
    [
      "an execution input that is not Slipway's",
      'detail.input.organization',
      (_event, detail) => {
        detail.input = JSON.stringify({ orderId: 42 });
      },
    ],
    [
      'an execution input left out',
      'detail.input',
      (_event, detail) => {
        detail.input = null;
        detail.inputDetails = { included: false };
      },
    ],
    [
      'an execution name that is not the run id of its input',
      'detail.name',
      (_event, detail) => {
        detail.name = 'manual-test-execution';
      },
    ],
  ];

  it.each(cases)(
    'refuses %s with a ValidationError naming %s, writing nothing',
    async (_what, field, mutate) => {
      const run = await seedRun(repository);
      await startedAtAnsible(run);
      const event = statusChange(run, 'TIMED_OUT');
      mutate(event, event.detail as Record<string, unknown>);
      const writes: WriteEvent[] = [];
      const counted = createRepository({
        client: dynamo.client,
        tableName: dynamo.tableName,
        onWrite: (write) => writes.push(write),
      });

      const error = await executionEnded(counted)(event).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.some((issue) => issue.startsWith(`${field}:`))).toBe(true);
      expect(writes).toEqual([]);
      expect(await repository.getRun(run.runId)).toMatchObject({ status: 'RUNNING' });
    },
  );
});

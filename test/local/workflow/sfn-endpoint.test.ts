import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunStarter } from '../../../functions/adapters/sfn/run-starter.js';
import { RunAlreadyStartedError } from '../../../functions/domain/errors.js';
import type { WorkflowInput } from '../../../functions/domain/workflow-events.js';
import { WORKFLOW_STATES } from '../../../infra/constructs/workflow-states.js';
import { type LocalWorkflowEngine, openLocalWorkflowEngine } from '../../../local/workflow/engine.js';
import { type LocalSfnEndpoint, startLocalSfnEndpoint } from '../../../local/workflow/sfn-endpoint.js';
import { noTaskHandlers } from './no-handlers.js';

/** One Task state, named like the workflow's first one, whose handler waits until released. */
const DEFINITION = {
  StartAt: WORKFLOW_STATES.acquireLock,
  States: {
    [WORKFLOW_STATES.acquireLock]: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:AcquireLock',
      End: true,
    },
  },
} as StateMachineDefinition;

const INPUT: WorkflowInput = {
  organization: 'acme',
  environment: 'prod',
  runId: 'acme-prod-0001-0123456789ab',
  seq: 1,
  trigger: 'api',
  commit: '',
  specHash: 'a'.repeat(64),
  spec: { tier: 'prod' },
  skipPhases: [],
};

describe('local Step Functions endpoint (the SDK over HTTP on 127.0.0.1)', () => {
  let dataDir: string;
  let engine: LocalWorkflowEngine;
  let endpoint: LocalSfnEndpoint;
  let client: SFNClient;
  let release: () => void;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-sfn-endpoint-'));
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    engine = await openLocalWorkflowEngine({
      definition: DEFINITION,
      handlers: { ...noTaskHandlers(), acquireLock: (input) => released.then(() => input) },
      dataDir,
    });
    endpoint = await startLocalSfnEndpoint(engine);
    client = new SFNClient({
      endpoint: endpoint.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    release();
    await engine.idle();
    client.destroy();
    await endpoint.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lets the real run starter start a run, answer its retried start, and refuse it once ended', async () => {
    const starter = createRunStarter({ client, stateMachineArn: engine.stateMachineArn });

    const started = await starter.startExecution(INPUT);
    const retried = await starter.startExecution(INPUT);

    expect(started).toEqual({
      runId: INPUT.runId,
      executionArn: expect.stringMatching(`:${INPUT.runId}$`),
      input: INPUT,
    });
    expect(retried.executionArn).toBe(started.executionArn);
    expect(engine.running().map((execution) => execution.name)).toEqual([INPUT.runId]);
    release();
    await engine.waitFor(started.executionArn);
    await expect(starter.startExecution(INPUT)).rejects.toBeInstanceOf(RunAlreadyStartedError);
    await expect(starter.startExecution({ ...INPUT, commit: 'other' })).rejects.toBeInstanceOf(
      RunAlreadyStartedError,
    );
  });

  it('answers DescribeExecution with dates, status and the input as sent', async () => {
    const input = JSON.stringify(INPUT);
    const { executionArn, startDate } = await client.send(
      new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn, name: INPUT.runId, input }),
    );
    release();
    await engine.waitFor(executionArn ?? '');

    const description = await client.send(new DescribeExecutionCommand({ executionArn }));

    expect(startDate).toBeInstanceOf(Date);
    expect(description).toMatchObject({
      executionArn,
      name: INPUT.runId,
      status: 'SUCCEEDED',
      input,
      startDate,
    });
    expect(description.stopDate?.getTime()).toBeGreaterThanOrEqual(startDate?.getTime() ?? Infinity);
    expect(JSON.parse(description.output ?? '')).toEqual(INPUT);
  });

  it.each([
    ['an invalid name', { name: 'run 1' }, 'InvalidName'],
    ['input that is not JSON', { input: '{' }, 'InvalidExecutionInput'],
    [
      'another state machine',
      { stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:other' },
      'StateMachineDoesNotExist',
    ],
  ])('refuses %s with the SDK error Step Functions would raise', async (_case, change, name) => {
    const command = new StartExecutionCommand({
      stateMachineArn: engine.stateMachineArn,
      name: INPUT.runId,
      input: '{}',
      ...change,
    });

    await expect(client.send(command)).rejects.toMatchObject({ name });
    expect(engine.running()).toEqual([]);
  });

  it('refuses an operation it does not implement, naming the ones it does', async () => {
    await expect(
      client.send(new ListExecutionsCommand({ stateMachineArn: engine.stateMachineArn })),
    ).rejects.toThrow(/StartExecution and DescribeExecution only/);
  });
});

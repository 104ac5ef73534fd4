import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunAlreadyStartedError } from '../../../functions/domain/errors.js';
import type { PhaseName } from '../../../functions/domain/model.js';
import type { WorkflowInput } from '../../../functions/domain/workflow-events.js';
import { makeExecutionEnded } from '../../../functions/handlers/execution-ended.js';
import { type AlertLine, createLocalAlertPublisher } from '../../../local/alerts/local-alert-publisher.js';
import {
  type ExecutionDescription,
  type LocalWorkflowEngine,
  type LocalWorkflowEngineOptions,
  openLocalWorkflowEngine,
} from '../../../local/workflow/engine.js';
import { stateMachineFor } from '../../../local/workflow/execute.js';
import { EXECUTIONS_FILE } from '../../../local/workflow/execution-journal.js';
import { inProcessHandlers } from '../../../local/workflow/in-process-handlers.js';
import { localRunStarter, localSfnClient } from '../../../local/workflow/local-sfn-client.js';
import { executionStatusChangeEvent } from '../../../local/workflow/status-change-event.js';
import { FakeBuilds } from '../../support/fake-builds.js';
import { type SeededRun, seedRun, startSeeded, workflowInput } from '../../support/fixtures.js';
import { runWorkflow, startWorkflowHarness, type WorkflowHarness } from '../../support/workflow-harness.js';

/** Holds every build until opened, so a test can act while an execution is RUNNING. */
class Gate {
  private release: () => void = () => undefined;
  private arrive: () => void = () => undefined;
  readonly opened = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  /** Resolves when the first build is waiting at the gate. */
  readonly reached = new Promise<void>((resolve) => {
    this.arrive = resolve;
  });
  async pass(): Promise<void> {
    this.arrive();
    await this.opened;
  }
  open(): void {
    this.release();
  }
}

let harness: WorkflowHarness;
beforeAll(async () => {
  harness = await startWorkflowHarness();
});
afterAll(async () => {
  await harness.stop();
});

let dataDir: string;
let builds: FakeBuilds;
let gate: Gate;
let ended: ExecutionDescription[];
const engines: LocalWorkflowEngine[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-engine-'));
  builds = new FakeBuilds();
  gate = new Gate();
  ended = [];
});
afterEach(async () => {
  gate.open();
  await Promise.all(engines.splice(0).map((engine) => engine.idle()));
  await rm(dataDir, { recursive: true, force: true });
});

async function openEngine(options: Partial<LocalWorkflowEngineOptions> = {}): Promise<LocalWorkflowEngine> {
  const handlers = inProcessHandlers({
    repository: harness.repository,
    publisher: createLocalAlertPublisher({ dataDir }),
    build: async (phase: PhaseName, parameters: unknown) => {
      await gate.pass();
      return builds.build(phase, parameters);
    },
  });
  const engine = await openLocalWorkflowEngine({
    definition: harness.definition,
    handlers,
    dataDir,
    onEnded: (execution) => {
      ended.push(execution);
    },
    ...options,
  });
  engines.push(engine);
  return engine;
}

/** A run started the way the API starts it, and its execution request (name = run id). */
async function apiStartedRun(): Promise<{ run: SeededRun; name: string; input: string }> {
  const run = await startSeeded(harness.observer, await seedRun(harness.observer));
  return { run, name: run.runId, input: JSON.stringify(workflowInput(run)) };
}

const journal = async () =>
  (await readFile(join(dataDir, EXECUTIONS_FILE), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('local workflow engine: StartExecution name rules', () => {
  it('answers a duplicate start with the same name and input while running with the same execution', async () => {
    const engine = await openEngine();
    const { run, name, input } = await apiStartedRun();

    const first = await engine.startExecution({ name, input });
    const again = await engine.startExecution({ name, input });

    expect(again).toEqual(first);
    expect(first.executionArn).toBe(
      `arn:aws:states:us-east-1:123456789012:execution:slipway-local:${run.runId}`,
    );
    expect(engine.running().map((execution) => execution.name)).toEqual([name]);
    gate.open();
    const done = await engine.waitFor(first.executionArn);
    expect(done.status).toBe('SUCCEEDED');
    // One execution ran: one build per phase, and the run is done.
    expect(builds.calls.map((call) => call.phase)).toEqual(['terraform', 'ansible', 'argocd-bootstrap']);
    expect((await harness.observer.getRun(run.runId))?.status).toBe('SUCCEEDED');
    expect(ended.map((execution) => [execution.name, execution.status])).toEqual([[name, 'SUCCEEDED']]);
    expect(engine.running()).toEqual([]);
  });

  it('refuses the same name and input once the execution has ended (ExecutionAlreadyExists)', async () => {
    const engine = await openEngine();
    const { name, input } = await apiStartedRun();
    gate.open();
    const { executionArn } = await engine.startExecution({ name, input });
    await engine.waitFor(executionArn);

    const again = engine.startExecution({ name, input });

    await expect(again).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(again).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(builds.calls).toHaveLength(3);
  });

  it('refuses the same name with another input while running (ExecutionAlreadyExists)', async () => {
    const engine = await openEngine();
    const { name, input } = await apiStartedRun();
    await engine.startExecution({ name, input });

    const other = JSON.stringify({ ...JSON.parse(input), commit: 'another-commit' });

    await expect(engine.startExecution({ name, input: other })).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('starts one execution for concurrent duplicate starts', async () => {
    const engine = await openEngine();
    const { name, input } = await apiStartedRun();

    const answers = await Promise.all(
      Array.from({ length: 5 }, () => engine.startExecution({ name, input })),
    );

    expect(new Set(answers.map((answer) => answer.executionArn)).size).toBe(1);
    expect((await journal()).filter((entry) => entry.event === 'started')).toHaveLength(1);
  });

  it.each([
    ['an empty name', ''],
    ['a name of 81 characters', 'a'.repeat(81)],
    ['a name with a space', 'run 1'],
    ['a name with a colon', 'run:1'],
    ['a name with a control character', 'run\u00071'],
  ])('refuses %s (InvalidName) and records nothing', async (_case, name) => {
    const engine = await openEngine();

    await expect(engine.startExecution({ name, input: '{}' })).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(readFile(join(dataDir, EXECUTIONS_FILE), 'utf8').catch(() => '')).resolves.toBe('');
  });

  it('refuses input that is not a JSON object (InvalidExecutionInput)', async () => {
    const engine = await openEngine();

    await expect(engine.startExecution({ name: 'a', input: '{not json' })).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
    });
    await expect(engine.startExecution({ name: 'b', input: '[1]' })).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
    });
  });
});

describe('local workflow engine: executions', () => {
  it('runs a failing phase to FAILED with the error Step Functions reports, and the alert reaches alerts.jsonl', async () => {
    const engine = await openEngine();
    const { run, name, input } = await apiStartedRun();
    builds.failNext('ansible');
    gate.open();

    const { executionArn } = await engine.startExecution({ name, input });
    const done = await engine.waitFor(executionArn);

    expect(done).toMatchObject({ status: 'FAILED', error: 'PhaseFailed', name, input });
    expect(done.stopDate?.getTime()).toBeGreaterThanOrEqual(done.startDate.getTime());
    expect(done.events.some((event) => event.type === 'ExecutionFailed')).toBe(true);
    expect(engine.describeExecution(executionArn)).toBe(done);
    expect(ended).toEqual([done]);
    const alerts = (await readFile(join(dataDir, 'alerts.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AlertLine);
    expect(alerts.map((line) => [line.message.kind, line.message.run])).toEqual([
      ['phase.failed', run.runId],
    ]);
    expect(await journal()).toEqual([
      expect.objectContaining({ event: 'started', name, input, executionArn }),
      expect.objectContaining({ event: 'ended', name, status: 'FAILED', error: 'PhaseFailed' }),
    ]);
  });

  it('answers DescribeExecution for an unknown execution with ExecutionDoesNotExist', async () => {
    const engine = await openEngine();

    expect(() =>
      engine.describeExecution('arn:aws:states:us-east-1:123456789012:execution:slipway-local:nope'),
    ).toThrow(expect.objectContaining({ name: 'ExecutionDoesNotExist' }));
  });

  it('keeps running when onEnded throws, reporting the error', async () => {
    const errors: unknown[] = [];
    const engine = await openEngine({
      onEnded: () => {
        throw new Error('recovery hook broke');
      },
      onError: (error) => errors.push(error),
    });
    const { name, input } = await apiStartedRun();
    gate.open();

    const done = await engine.waitFor((await engine.startExecution({ name, input })).executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(errors).toEqual([new Error('recovery hook broke')]);
  });
});

describe('local workflow engine: a restart', () => {
  it('reports an execution RUNNING when the process died as interrupted, and never reuses its name', async () => {
    const before = await openEngine();
    const { run, name, input } = await apiStartedRun();
    const { executionArn } = await before.startExecution({ name, input });

    // A new engine over the same data folder is what a restarted process opens.
    const after = await openEngine();

    expect(after.interruptedAtStartup()).toEqual([
      { name, executionArn, input: workflowInput(run), startDate: expect.any(Date) },
    ]);
    expect(after.running()).toEqual([]);
    expect(after.describeExecution(executionArn)).toMatchObject({
      status: 'ABORTED',
      error: 'Local.ProcessEnded',
    });
    await expect(after.startExecution({ name, input })).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });

    await after.acknowledgeInterrupted(name);
    const later = await openEngine();
    expect(after.interruptedAtStartup()).toEqual([]);
    expect(later.interruptedAtStartup()).toEqual([]);
    await expect(later.startExecution({ name, input })).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('lets the ExecutionEnded handler interrupt the run of an execution the previous process left running', async () => {
    const before = await openEngine();
    const { run, name, input } = await apiStartedRun();
    await before.startExecution({ name, input });
    await gate.reached;
    const after = await openEngine();
    const publisher = createLocalAlertPublisher({ dataDir });
    const executionEnded = makeExecutionEnded({ repository: harness.repository, publisher });

    for (const interrupted of after.interruptedAtStartup()) {
      await executionEnded(executionStatusChangeEvent(after.describeExecution(interrupted.executionArn)));
      await after.acknowledgeInterrupted(interrupted.name);
    }

    const stored = await harness.observer.getRun(run.runId);
    expect(stored?.status).toBe('INTERRUPTED');
    expect(stored?.phases.terraform.status).not.toBe('SUCCEEDED');
    const environment = await harness.observer.getEnvironment(run.organization, run.environment);
    expect(environment?.activeRunId).toBeUndefined();
    const alerts = (await readFile(publisher.alertsFile, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AlertLine);
    expect(alerts.map((line) => [line.message.kind, line.message.run])).toEqual([
      ['run.interrupted', run.runId],
    ]);
    expect(alerts[0]?.message.summary).toMatch(/was stopped \(ABORTED\)/);
    expect(after.interruptedAtStartup()).toEqual([]);
  });

  it('remembers ended executions and their status across a restart', async () => {
    const before = await openEngine();
    const { name, input } = await apiStartedRun();
    gate.open();
    const { executionArn } = await before.startExecution({ name, input });
    await before.waitFor(executionArn);

    const after = await openEngine();

    expect(after.interruptedAtStartup()).toEqual([]);
    expect(after.describeExecution(executionArn)).toMatchObject({ name, input, status: 'SUCCEEDED' });
    await expect(after.startExecution({ name, input })).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('drops a last line cut short by a crash, and refuses a damaged journal', async () => {
    const before = await openEngine();
    const { name, input } = await apiStartedRun();
    gate.open();
    await before.waitFor((await before.startExecution({ name, input })).executionArn);
    await before.idle();
    await appendFile(join(dataDir, EXECUTIONS_FILE), '{"event":"started","name":"half-writ');

    const after = await openEngine();
    const second = await apiStartedRun();
    await after.waitFor(
      (await after.startExecution({ name: second.name, input: second.input })).executionArn,
    );

    expect((await journal()).map((entry) => [entry.event, entry.name])).toEqual([
      ['started', name],
      ['ended', name],
      ['started', second.name],
      ['ended', second.name],
    ]);
    await appendFile(join(dataDir, EXECUTIONS_FILE), 'garbage\n{"event":"ended"}\n');
    await expect(openEngine()).rejects.toThrow(/executions\.jsonl:5 is not a JSON line/);
  });
});

describe('local run starter (the API handlers’ RunStarter on the local engine)', () => {
  it('starts the execution named after the run id, answers a retried start with it, and maps a late one to RunAlreadyStartedError', async () => {
    const engine = await openEngine();
    const { run } = await apiStartedRun();
    const input = workflowInput(run) as unknown as WorkflowInput;
    const starter = localRunStarter(engine);

    const started = await starter.startExecution(input);
    const retried = await starter.startExecution(input);

    expect(started).toEqual({
      runId: run.runId,
      executionArn: expect.stringMatching(`:${run.runId}$`),
      input,
    });
    expect(retried.executionArn).toBe(started.executionArn);
    gate.open();
    await engine.waitFor(started.executionArn);
    await expect(starter.startExecution(input)).rejects.toBeInstanceOf(RunAlreadyStartedError);
  });

  it('answers DescribeExecution through the SDK client', async () => {
    const engine = await openEngine();
    const { name, input } = await apiStartedRun();
    gate.open();
    const { executionArn } = await engine.startExecution({ name, input });
    await engine.waitFor(executionArn);
    const client = localSfnClient(engine);

    const description = await client.send(new DescribeExecutionCommand({ executionArn }));

    expect(description).toMatchObject({ executionArn, name, status: 'SUCCEEDED', input });
    await expect(
      client.send(new DescribeExecutionCommand({ executionArn: `${executionArn}-x` })),
    ).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });
});

/**
 * One aws-local-stepfunctions StateMachine per definition (its ASL validated once), shared by
 * every execution: concurrent executions of the synthesized workflow, held at their terraform
 * builds until all of them are there and let go in reverse order, each end as its own run says,
 * with its own builds and records.
 */
/** Holds builds until `size` of them wait, then lets them go last first. */
class Barrier {
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}
  arrive(): Promise<void> {
    const passed = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.waiting.length === this.size) for (const release of [...this.waiting].reverse()) release();
    return passed;
  }
}

describe('the state machine shared by executions', () => {
  it('runs several executions at once, each with its own input, builds and outcome', async () => {
    const count = 6;
    const failing = 2;
    const runs: SeededRun[] = [];
    for (let i = 0; i < count; i++)
      runs.push(await startSeeded(harness.observer, await seedRun(harness.observer)));
    const barrier = new Barrier(count);
    const builds = runs.map(() => new FakeBuilds());
    builds[failing]?.failNext('ansible');
    const seen = runs.map(() => [] as Array<{ phase: PhaseName; runId: string | undefined }>);

    const executions = await Promise.all(
      runs.map((run, i) => {
        const own = builds[i] as FakeBuilds;
        return runWorkflow(harness, workflowInput(run), own, {
          build: async (phase, parameters) => {
            if (phase === 'terraform') await barrier.arrive();
            const overrides = (
              parameters as { EnvironmentVariablesOverride: Array<{ Name: string; Value: string }> }
            ).EnvironmentVariablesOverride;
            seen[i]?.push({ phase, runId: overrides.find((v) => v.Name === 'SLIPWAY_RUN_ID')?.Value });
            return own.build(phase, parameters);
          },
        });
      }),
    );

    for (const [i, execution] of executions.entries()) {
      const run = runs[i] as SeededRun;
      const expected = i === failing ? 'FAILED' : 'SUCCEEDED';
      expect(execution.status, `execution ${i}`).toBe(expected);
      // Every build an execution started carried its own run id, in phase order.
      expect(seen[i]?.every((build) => build.runId === run.runId)).toBe(true);
      expect(seen[i]?.map((build) => build.phase)).toEqual(
        i === failing ? ['terraform', 'ansible'] : ['terraform', 'ansible', 'argocd-bootstrap'],
      );
      // Each execution's history is its own: one start, one end.
      expect(execution.events.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
      expect(
        execution.events.filter(
          (event) => event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed',
        ),
      ).toHaveLength(1);
      const stored = await harness.observer.getRun(run.runId);
      expect(stored?.status, `run ${i}`).toBe(expected);
      expect(stored?.phases.ansible?.status).toBe(i === failing ? 'FAILED' : 'SUCCEEDED');
    }
  }, 120_000);

  // After the executions: building a second machine validates its ASL synchronously for a while.
  it('is built once per definition', () => {
    expect(stateMachineFor(harness.definition)).toBe(stateMachineFor(harness.definition));
    expect(stateMachineFor(structuredClone(harness.definition))).not.toBe(
      stateMachineFor(harness.definition),
    );
  });
});

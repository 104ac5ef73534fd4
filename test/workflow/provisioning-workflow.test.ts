import { ThrottlingException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PHASES } from '../../functions/domain/model.js';
import { makeCompleteRun } from '../../functions/handlers/complete-run.js';
import { makeRecordPhase } from '../../functions/handlers/record-phase.js';
import { FakeBuilds } from '../support/fake-builds.js';
import { nextRun, seedRun, startSeeded, workflowInput } from '../support/fixtures.js';
import { runWorkflow, startWorkflowHarness, type WorkflowHarness } from '../support/workflow-harness.js';

let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await startWorkflowHarness();
});

afterAll(async () => {
  await harness.stop();
});

describe('provisioning workflow (synthesized ASL, real handlers, dynalite)', () => {
  it('leaves the environment READY with three SUCCEEDED phases, timestamps and the lock released', async () => {
    const seeded = await seedRun(harness.observer);
    const builds = new FakeBuilds();
    const writesBefore = harness.writes.length;
    // The API's part of a run: the run item, then the environment's spec and lock.
    const run = await startSeeded(harness.repository, seeded);
    const apiWrites = harness.writes.length - writesBefore;

    const execution = await runWorkflow(harness, workflowInput(run), builds);

    expect(execution.status).toBe('SUCCEEDED');
    const environment = await harness.observer.getEnvironment(run.organization, run.environment);
    expect(environment?.status).toBe('READY');
    expect(environment?.activeRunId).toBeUndefined();
    const stored = await harness.observer.getRun(run.runId);
    expect(stored?.status).toBe('SUCCEEDED');
    for (const phase of PHASES) {
      const record = stored?.phases[phase];
      expect(record?.status, phase).toBe('SUCCEEDED');
      expect(record?.buildId, phase).toMatch(/:fake-\d{4}$/);
      expect(Date.parse(record?.startedAt ?? '')).toBeLessThanOrEqual(Date.parse(record?.endedAt ?? ''));
    }
    expect(builds.calls.map((call) => call.phase)).toEqual([...PHASES]);
    // Each phase receives the previous phase's exported variables.
    expect(JSON.parse(builds.calls[1]?.variables.SLIPWAY_PREVIOUS_OUTPUTS ?? '')).toMatchObject({
      TF_OUTPUTS_S3_KEY: expect.any(String),
      API_ENDPOINT: expect.any(String),
    });
    // ArgoCD needs both: Terraform's outputs key and Ansible's kubeconfig secret id.
    expect(JSON.parse(builds.calls[2]?.variables.SLIPWAY_PREVIOUS_OUTPUTS ?? '')).toMatchObject({
      TF_OUTPUTS_S3_KEY: expect.any(String),
      KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig',
    });
    expect(builds.calls[2]?.secrets).toEqual({ SLIPWAY_KUBECONFIG: 'slipway/acme/prod/kubeconfig' });
    expect(builds.calls[0]?.variables).toMatchObject({
      SLIPWAY_ORGANIZATION: run.organization,
      SLIPWAY_ENVIRONMENT: run.environment,
      SLIPWAY_RUN_ID: run.runId,
      SLIPWAY_PREVIOUS_OUTPUTS: '{}',
    });
    expect(JSON.parse(builds.calls[0]?.variables.SLIPWAY_SPEC ?? '')).toEqual(run.spec);
    // Budgets: ≤ 12 state transitions with the plan's routing Choice; ≤ 10 DynamoDB writes from
    // the PUT to READY. Here: 2 writes to start the run (its first phase opened with it) + 4 in the
    // workflow (the PUT's organization quota reservation, its audit record and the two
    // idempotency-record writes are counted by the API tests and the bench).
    expect(execution.transitions).toBe(9);
    expect(apiWrites).toBe(2);
    const workflowWrites = harness.writes.length - writesBefore - apiWrites;
    expect(workflowWrites).toBe(4);
    expect(harness.sns.publishes.filter((p) => p.message.includes(run.runId))).toHaveLength(0);
  });

  it('stops at a failing ansible build: FAILED at that phase, argocd never started, one phase.failed alert', async () => {
    const run = await startSeeded(harness.observer, await seedRun(harness.observer));
    const builds = new FakeBuilds();
    builds.failNext(
      'ansible',
      'Error while executing command: ansible-playbook site.yml. Reason: exit status 2',
    );

    const execution = await runWorkflow(harness, workflowInput(run), builds);

    expect(execution.status).toBe('FAILED');
    expect(execution.error?.name).toBe('PhaseFailed');
    expect(builds.calls.map((call) => call.phase)).toEqual(['terraform', 'ansible']);
    const environment = await harness.observer.getEnvironment(run.organization, run.environment);
    expect(environment?.status).toBe('FAILED');
    expect(environment?.activeRunId).toBeUndefined();
    const stored = await harness.observer.getRun(run.runId);
    expect(stored?.status).toBe('FAILED');
    expect(stored?.phases.terraform.status).toBe('SUCCEEDED');
    expect(stored?.phases.ansible.status).toBe('FAILED');
    expect(stored?.phases['argocd-bootstrap'].status).toBe('PENDING');
    expect(stored?.phases['argocd-bootstrap'].startedAt).toBeUndefined();
    const ansibleBuildId = stored?.phases.ansible.buildId;
    expect(ansibleBuildId).toMatch(/:fake-\d{4}$/);
    expect(stored?.error).toMatchObject({ phase: 'ansible', buildId: ansibleBuildId, retryable: false });
    expect(stored?.error?.logLink).toMatch(/^https:\/\/console\.aws\.amazon\.com\/cloudwatch\/.*fake-\d{4}$/);
    expect(stored?.error?.cause).toContain('ansible-playbook site.yml');

    const alerts = harness.sns.publishes.filter((p) => p.message.includes(run.runId));
    expect(alerts).toHaveLength(1);
    const message = JSON.parse(alerts[0]?.message ?? '{}');
    expect(message).toMatchObject({
      kind: 'phase.failed',
      organization: run.organization,
      environment: run.environment,
    });
    expect(JSON.stringify(message)).toContain(ansibleBuildId);
    expect(JSON.stringify(message)).toContain('exit status 2');
    expect(JSON.stringify(message.links)).toContain(stored?.error?.logLink ?? 'missing log link');
    expect(alerts[0]?.attributes).toMatchObject({
      kind: { dataType: 'String', value: 'phase.failed' },
      organization: { dataType: 'String', value: run.organization },
      environment: { dataType: 'String', value: run.environment },
    });
    expect((await harness.observer.listAlerts(run.organization)).items).toHaveLength(1);
  });

  it('retries a throttled record step and still succeeds', async () => {
    const run = await startSeeded(harness.observer, await seedRun(harness.observer));
    const builds = new FakeBuilds();
    const send = vi.spyOn(harness.workflowClient, 'send');
    const recordPhase = makeRecordPhase({ repository: harness.repository });
    let throttled = false;
    const execution = await runWorkflow(harness, workflowInput(run), builds, {
      recordPhase: async (input) => {
        const close = (input as { close?: { phase: string } }).close;
        if (!throttled && close?.phase === 'terraform') {
          throttled = true;
          // dynalite cannot throttle: the next DynamoDB call answers ThrottlingException once.
          send.mockRejectedValueOnce(
            new ThrottlingException({
              message: 'Rate of requests exceeds the allowed throughput',
              $metadata: {},
            }),
          );
        }
        return recordPhase(input);
      },
    });
    send.mockRestore();

    expect(throttled).toBe(true);
    expect(execution.status).toBe('SUCCEEDED');
    const retried = execution.events.filter((event) => event.type === 'StateRetried');
    expect(retried.map((event) => event.state)).toEqual(['RecordTerraform']);
    const stored = await harness.observer.getRun(run.runId);
    expect(stored?.status).toBe('SUCCEEDED');
    expect(stored?.phases.terraform.status).toBe('SUCCEEDED');
  });

  it('retries a throttled CodeBuild start with backoff and still succeeds', async () => {
    const run = await startSeeded(harness.observer, await seedRun(harness.observer));
    const builds = new FakeBuilds();
    builds.throwNext('ansible', 'CodeBuild.AccountLimitExceededException');

    const execution = await runWorkflow(harness, workflowInput(run), builds);

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.events.filter((e) => e.type === 'StateRetried').map((e) => e.state)).toEqual([
      'BuildAnsible',
    ]);
    expect(builds.calls.map((call) => call.phase)).toEqual([
      'terraform',
      'ansible',
      'ansible',
      'argocd-bootstrap',
    ]);
    expect((await harness.observer.getRun(run.runId))?.phases.ansible.status).toBe('SUCCEEDED');
  });

  it('ends a run whose CompleteRun lost its environment write as what it is: SUCCEEDED, READY, no alert', async () => {
    const run = await startSeeded(harness.observer, await seedRun(harness.observer));
    const completeRun = makeCompleteRun({ repository: harness.repository });
    const send = harness.workflowClient.send.bind(harness.workflowClient);
    let throttleEnvironment = false;
    const spy = vi.spyOn(harness.workflowClient, 'send').mockImplementation((async (command: unknown) => {
      const key = (command as { input?: { Key?: { sk?: unknown } } }).input?.Key;
      // dynalite cannot throttle: every CompleteRun attempt loses its environment write.
      if (throttleEnvironment && command instanceof UpdateCommand && String(key?.sk).startsWith('ENV#')) {
        throw new ThrottlingException({
          message: 'Rate of requests exceeds the allowed throughput',
          $metadata: {},
        });
      }
      return send(command as never);
    }) as never);

    const execution = await runWorkflow(harness, workflowInput(run), new FakeBuilds(), {
      completeRun: async (input) => {
        throttleEnvironment = true;
        try {
          return await completeRun(input);
        } finally {
          throttleEnvironment = false;
        }
      },
    });
    spy.mockRestore();

    expect(execution.status).toBe('SUCCEEDED');
    const entered = execution.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    expect(entered.slice(-4)).toEqual([
      'FailedArgocdBootstrap',
      'RecordFailure',
      'RunAlreadySucceeded',
      'RunSucceeded',
    ]);
    expect(execution.retries).toBeGreaterThan(0);
    expect((await harness.observer.getRun(run.runId))?.status).toBe('SUCCEEDED');
    const environment = await harness.observer.getEnvironment(run.organization, run.environment);
    expect(environment?.status).toBe('READY');
    expect(environment?.activeRunId).toBeUndefined();
    expect(harness.sns.publishes.filter((p) => p.message.includes(run.runId))).toHaveLength(0);
  });

  it('refuses an execution for a run that does not hold the lock, and leaves the running one untouched', async () => {
    const first = await startSeeded(harness.observer, await seedRun(harness.observer));
    const second = await nextRun(harness.observer, first);
    const builds = new FakeBuilds();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const terraformStarted = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const firstExecution = runWorkflow(harness, workflowInput(first), builds, {
      build: async (phase, parameters) => {
        if (phase === 'terraform') {
          entered();
          await held;
        }
        return builds.build(phase, parameters);
      },
    });
    await terraformStarted;
    const writesBefore = harness.writes.length;

    const refused = await runWorkflow(harness, workflowInput(second), new FakeBuilds());

    expect(refused.status).toBe('FAILED');
    expect(refused.error?.name).toBe('TransitionRefusedError');
    expect(refused.error?.cause).toContain(`held by run ${first.runId}`);
    expect(refused.events.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toEqual([
      'AcquireLock',
      'RunRefused',
    ]);
    expect(harness.writes.length).toBe(writesBefore);
    const locked = await harness.observer.getEnvironment(first.organization, first.environment);
    expect(locked?.status).toBe('PROVISIONING');
    expect(locked?.activeRunId).toBe(first.runId);
    expect(await harness.observer.getRun(second.runId)).toBeUndefined();

    release();
    expect((await firstExecution).status).toBe('SUCCEEDED');
    const ready = await harness.observer.getEnvironment(first.organization, first.environment);
    expect(ready?.status).toBe('READY');
  });
});

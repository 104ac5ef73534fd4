/**
 * The phase plan and teardown on the synthesized state machine: skipped phases hand on the outputs
 * the run that last succeeded at them recorded, a resume starts at the failed phase, a teardown
 * runs the teardown builds in reverse, and an execution that is not the run the API started is
 * refused at AcquireLock before any write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRun } from '../../functions/domain/phase-plan.js';
import { specHash } from '../../functions/domain/spec-hash.js';
import { FakeBuilds } from '../support/fake-builds.js';
import { nextRun, type SeededRun, seedRun, startSeeded, workflowInput } from '../support/fixtures.js';
import { runWorkflow, startWorkflowHarness, type WorkflowHarness } from '../support/workflow-harness.js';

let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await startWorkflowHarness();
});

afterAll(async () => {
  await harness.stop();
});

const entered = (execution: { events: { type: string; state?: string }[] }) =>
  execution.events.filter((event) => event.type === 'StateEntered').map((event) => event.state);

/** Plans the next run of `seeded` the way the API does, from the environment's recorded successes. */
async function planned(seeded: SeededRun, change: Parameters<typeof nextRun>[2] = {}) {
  const run = await nextRun(harness.observer, seeded, change);
  const environment = await harness.observer.getEnvironment(run.organization, run.environment);
  const plan = planRun({ trigger: run.trigger, spec: run.spec, successes: environment?.successes ?? {} });
  return { run, plan };
}

async function provisioned(): Promise<SeededRun> {
  const run = await startSeeded(harness.observer, await seedRun(harness.observer));
  const execution = await runWorkflow(harness, workflowInput(run), new FakeBuilds());
  expect(execution.status).toBe('SUCCEEDED');
  return run;
}

describe('phase plan on the synthesized workflow', () => {
  it('runs only the ArgoCD phase for a quota-only change, handing on the earlier outputs', async () => {
    const first = await provisioned();
    const spec = structuredClone(first.spec) as { namespaces: { quota: { cpu: string } }[] };
    const namespace = spec.namespaces[0];
    if (!namespace) throw new Error('the sample spec has a namespace');
    namespace.quota.cpu = '6';
    const { run, plan } = await planned(first, { spec });
    expect(plan.startAt).toBe('argocd-bootstrap');
    const started = await startSeeded(harness.observer, run, plan);
    const builds = new FakeBuilds();

    const execution = await runWorkflow(harness, workflowInput(started), builds);

    expect(execution.status).toBe('SUCCEEDED');
    expect(entered(execution)).toEqual([
      'AcquireLock',
      'RouteRun',
      'BuildArgocdBootstrap',
      'CompleteRun',
      'RunSucceeded',
    ]);
    expect(builds.calls.map((call) => call.phase)).toEqual(['argocd-bootstrap']);
    const previous = JSON.parse(builds.calls[0]?.variables.SLIPWAY_PREVIOUS_OUTPUTS ?? '{}');
    expect(previous).toMatchObject({
      TF_OUTPUTS_S3_KEY: 'acme/prod/runs/r1/terraform-outputs.json',
      KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig',
    });
    expect(builds.calls[0]?.secrets).toEqual({ SLIPWAY_KUBECONFIG: 'slipway/acme/prod/kubeconfig' });
    const stored = await harness.observer.getRun(started.runId);
    expect(stored?.phases.terraform).toMatchObject({
      status: 'SKIPPED',
      reason: `inputs unchanged since run ${first.runId}`,
      handedOnFrom: first.runId,
    });
    expect(stored?.phases.ansible.status).toBe('SKIPPED');
    expect(stored?.phases['argocd-bootstrap'].status).toBe('SUCCEEDED');
    const environment = await harness.observer.getEnvironment(run.organization, run.environment);
    expect(environment?.status).toBe('READY');
    expect(environment?.successes.terraform?.runId).toBe(first.runId);
    expect(environment?.successes['argocd-bootstrap']?.runId).toBe(started.runId);
  });

  it('resumes after an ansible failure at ansible, skipping terraform', async () => {
    const first = await startSeeded(harness.observer, await seedRun(harness.observer));
    const failing = new FakeBuilds();
    failing.failNext('ansible');
    expect((await runWorkflow(harness, workflowInput(first), failing)).status).toBe('FAILED');

    const { run, plan } = await planned(first, { trigger: 'resume' });
    expect(plan.startAt).toBe('ansible');
    const resumed = await startSeeded(harness.observer, run, plan);
    const builds = new FakeBuilds();
    const execution = await runWorkflow(harness, workflowInput(resumed), builds);

    expect(execution.status).toBe('SUCCEEDED');
    expect(builds.calls.map((call) => call.phase)).toEqual(['ansible', 'argocd-bootstrap']);
    expect(JSON.parse(builds.calls[0]?.variables.SLIPWAY_PREVIOUS_OUTPUTS ?? '{}')).toMatchObject({
      TF_OUTPUTS_S3_KEY: expect.any(String),
    });
    const stored = await harness.observer.getRun(resumed.runId);
    expect(stored?.phases.terraform).toMatchObject({ status: 'SKIPPED', handedOnFrom: first.runId });
    expect((await harness.observer.getEnvironment(run.organization, run.environment))?.status).toBe('READY');
  });

  it('tears down in reverse with the teardown buildspecs and ends DELETED', async () => {
    const first = await provisioned();
    const { run, plan } = await planned(first, { trigger: 'teardown' });
    const started = await startSeeded(harness.observer, run, plan);
    const builds = new FakeBuilds();

    const execution = await runWorkflow(harness, workflowInput(started), builds);

    expect(execution.status).toBe('SUCCEEDED');
    expect(entered(execution)).toEqual([
      'AcquireLock',
      'RouteRun',
      'TeardownArgocdBootstrap',
      'RecordTeardownArgocdBootstrap',
      'TeardownAnsible',
      'RecordTeardownAnsible',
      'TeardownTerraform',
      'CompleteTeardown',
      'RunSucceeded',
    ]);
    expect(builds.calls.map((call) => [call.phase, call.buildspec])).toEqual([
      ['argocd-bootstrap', 'buildspecs/teardown/argocd-bootstrap.yml'],
      ['ansible', 'buildspecs/teardown/ansible.yml'],
      ['terraform', 'buildspecs/teardown/terraform.yml'],
    ]);
    // Every teardown build is handed what the provisioning phases recorded.
    expect(JSON.parse(builds.calls[2]?.variables.SLIPWAY_PREVIOUS_OUTPUTS ?? '{}')).toMatchObject({
      TF_OUTPUTS_S3_KEY: expect.any(String),
      KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig',
    });
    expect(builds.calls[0]?.secrets).toEqual({ SLIPWAY_KUBECONFIG: 'slipway/acme/prod/kubeconfig' });
    const environment = await harness.observer.getEnvironment(run.organization, run.environment);
    expect(environment?.status).toBe('DELETED');
    expect(environment?.successes).toEqual({});
  });

  it('ends a failed teardown DELETE_FAILED with one phase.failed alert', async () => {
    const first = await provisioned();
    const { run, plan } = await planned(first, { trigger: 'teardown' });
    const started = await startSeeded(harness.observer, run, plan);
    const builds = new FakeBuilds();
    builds.failNext(
      'ansible',
      'Error while executing command: ansible-playbook cluster-reset.yml. Reason: exit status 4',
    );

    const execution = await runWorkflow(harness, workflowInput(started), builds);

    expect(execution.status).toBe('FAILED');
    const environment = await harness.observer.getEnvironment(run.organization, run.environment);
    expect(environment?.status).toBe('DELETE_FAILED');
    expect(environment?.activeRunId).toBeUndefined();
    // The undone ArgoCD phase and the part-reset cluster are forgotten (a PUT from DELETE_FAILED
    // runs ansible again instead of skipping it as unchanged); the untouched terraform still stands.
    expect(environment?.successes['argocd-bootstrap']).toBeUndefined();
    expect(environment?.successes.ansible).toBeUndefined();
    expect(environment?.successes.terraform?.runId).toBe(first.runId);
    const alerts = harness.sns.publishes.filter((p) => p.message.includes(started.runId));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toContain('cluster-reset.yml');
  });
});

describe('AcquireLock trusts nothing it is given', () => {
  async function refusedWithoutWrites(input: Record<string, unknown>, executionName?: string) {
    const before = harness.writes.length;
    const execution = await runWorkflow(harness, input, new FakeBuilds(), {}, executionName);
    expect(execution.status).toBe('FAILED');
    expect(entered(execution)).toEqual(['AcquireLock', 'RunRefused']);
    expect(harness.writes.length).toBe(before);
    return execution;
  }

  it('refuses a hand-started execution with another spec (and its own matching hash)', async () => {
    const run = await startSeeded(harness.observer, await seedRun(harness.observer));
    const spec = { ...run.spec, region: 'us-east-1' };
    const before = await harness.observer.getRun(run.runId);
    const execution = await refusedWithoutWrites({ ...workflowInput(run), spec, specHash: specHash(spec) });
    expect(execution.error?.name).toBe('ValidationError');
    // As the API started it (its first phase open, no build behind it), untouched by the refusal.
    expect(await harness.observer.getRun(run.runId)).toEqual(before);
    expect(before?.phases.terraform.status).toBe('RUNNING');
  });

  it('refuses a spec whose hash is not the environment recorded desired spec', async () => {
    const run = await startSeeded(harness.observer, await seedRun(harness.observer));
    const spec = { ...run.spec, region: 'us-east-1' };
    const execution = await refusedWithoutWrites({ ...workflowInput(run), spec });
    expect(execution.error?.cause).toContain('does not hash to');
  });

  it('refuses an execution not named after the run', async () => {
    const run = await startSeeded(harness.observer, await seedRun(harness.observer));
    const execution = await refusedWithoutWrites(workflowInput(run), `${run.runId}-again`);
    expect(execution.error?.cause).toContain('is not run');
  });

  it('refuses a plan that skips a phase the run does not skip, or that has no success to hand on', async () => {
    const run = await startSeeded(harness.observer, await seedRun(harness.observer));
    const execution = await refusedWithoutWrites({ ...workflowInput(run), skipPhases: ['terraform'] });
    expect(execution.error?.name).toBe('TransitionRefusedError');
    expect(execution.error?.cause).toContain('skips [terraform]');
  });
});

import { describe, expect, it } from 'vitest';
import type { PhaseName } from '../../../functions/domain/model.js';
import {
  type PhaseSuccesses,
  phaseFingerprint,
  phaseInputs,
  planEveryPhase,
  planRun,
  skippedPhases,
  successesOfRun,
} from '../../../functions/domain/phase-plan.js';
import { initialPhases, planInputs } from '../../../functions/domain/run.js';
import { validSpec } from '../../support/fixtures.js';

const OUTPUTS: Record<PhaseName, Record<string, string>> = {
  terraform: { TF_OUTPUTS_S3_KEY: 'k/terraform-outputs.json', CLUSTER_NAME: 'acme-prod' },
  ansible: { KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig' },
  'argocd-bootstrap': { ARGOCD_SYNC_STATUS: 'Synced' },
};

/** The successes a full successful run of `spec` leaves behind (what the repository records). */
function successesAfterFullRun(spec: Record<string, unknown>, runId = 'r1'): PhaseSuccesses {
  const plan = planEveryPhase('api', spec);
  const phases = Object.fromEntries(
    plan.order.map((phase) => [
      phase,
      { status: 'SUCCEEDED' as const, outputs: OUTPUTS[phase], endedAt: 't' },
    ]),
  ) as Parameters<typeof successesOfRun>[0]['phases'];
  const recorded = successesOfRun({
    runId,
    trigger: 'api',
    phaseOrder: plan.order,
    phases,
    inputs: planInputs(plan),
  });
  return Object.fromEntries(Object.entries(recorded).filter(([, value]) => value)) as PhaseSuccesses;
}

describe('planRun', () => {
  it('runs every phase of a new environment', () => {
    const plan = planRun({ trigger: 'api', spec: validSpec(), successes: {} });
    expect(plan.startAt).toBe('terraform');
    expect(skippedPhases(plan)).toEqual([]);
    expect(plan.phases.terraform.reason).toBe('never succeeded with these inputs');
  });

  it('has nothing to run for an unchanged spec after a full success', () => {
    const spec = validSpec();
    const plan = planRun({ trigger: 'api', spec, successes: successesAfterFullRun(spec) });
    expect(plan.startAt).toBeUndefined();
    expect(skippedPhases(plan)).toEqual(['terraform', 'ansible', 'argocd-bootstrap']);
  });

  it('runs the ArgoCD phase alone for a quota-only change, handing on the earlier outputs', () => {
    const spec = validSpec();
    const successes = successesAfterFullRun(spec);
    const changed = validSpec();
    changed.namespaces[0] = { name: 'payments', quota: { cpu: '8', memory: '8Gi', pods: 40 } };
    const plan = planRun({ trigger: 'api', spec: changed, successes });
    expect(plan.startAt).toBe('argocd-bootstrap');
    expect(plan.phases.terraform).toMatchObject({
      action: 'skip',
      reason: 'inputs unchanged since run r1',
      handedOn: { runId: 'r1', outputs: OUTPUTS.terraform },
    });
    expect(plan.phases.ansible.handedOn?.outputs).toEqual(OUTPUTS.ansible);
    expect(plan.phases['argocd-bootstrap']).toMatchObject({ action: 'run', reason: 'inputs changed' });
  });

  it('runs all three phases for a network change, and ansible onwards for a version change', () => {
    const spec = validSpec();
    const successes = successesAfterFullRun(spec);
    const network = { ...validSpec(), network: { ...spec.network, vpcCidr: '10.30.0.0/16' } };
    expect(planRun({ trigger: 'api', spec: network, successes }).startAt).toBe('terraform');
    const versions = { ...validSpec(), kubernetesVersion: '1.31' };
    const plan = planRun({ trigger: 'api', spec: versions, successes });
    expect(plan.startAt).toBe('ansible');
    expect(plan.phases['argocd-bootstrap']).toMatchObject({ action: 'run', reason: 'runs after ansible' });
  });

  it('runs every phase when an ingress domain is added (Terraform builds its load balancer), the ArgoCD phase alone for an L7 opt-in', () => {
    const spec = validSpec();
    const successes = successesAfterFullRun(spec);
    const ingress = { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };
    expect(planRun({ trigger: 'api', spec: { ...spec, ingress }, successes }).startAt).toBe('terraform');
    const optIn = validSpec();
    optIn.namespaces = optIn.namespaces.map((ns) => ({ ...ns, observability: { l7Http: true } }));
    const plan = planRun({ trigger: 'api', spec: optIn, successes });
    expect(plan.startAt).toBe('argocd-bootstrap');
    expect(skippedPhases(plan)).toEqual(['terraform', 'ansible']);
    // A spec without ingress keeps the fingerprints it had before the field existed.
    expect(phaseInputs('terraform', { ...spec, ingress: undefined })).toBe(phaseInputs('terraform', spec));
  });

  it('resumes at the failed phase: terraform succeeded, ansible did not', () => {
    const spec = validSpec();
    const { terraform } = successesAfterFullRun(spec);
    const plan = planRun({ trigger: 'resume', spec, successes: terraform ? { terraform } : {} });
    expect(plan.startAt).toBe('ansible');
    expect(skippedPhases(plan)).toEqual(['terraform']);
  });

  it('runs a phase again when an upstream output it consumed changed', () => {
    const spec = validSpec();
    const successes = successesAfterFullRun(spec);
    const terraform = successes.terraform;
    if (!terraform) throw new Error('terraform succeeded');
    const moved = {
      ...successes,
      terraform: { ...terraform, outputs: { ...terraform.outputs, CLUSTER_NAME: 'x' } },
    };
    expect(planRun({ trigger: 'api', spec, successes: moved }).startAt).toBe('ansible');
  });

  it('includes the commit in the ArgoCD inputs, so a new commit re-syncs', () => {
    expect(phaseInputs('argocd-bootstrap', validSpec(), 'a')).not.toBe(
      phaseInputs('argocd-bootstrap', validSpec(), 'b'),
    );
    expect(phaseInputs('terraform', validSpec(), 'a')).toBe(phaseInputs('terraform', validSpec(), 'b'));
  });

  it('tears down in reverse, undoing only what exists, and always destroying with terraform', () => {
    const spec = validSpec();
    const full = planRun({ trigger: 'teardown', spec, successes: successesAfterFullRun(spec) });
    expect(full.order).toEqual(['argocd-bootstrap', 'ansible', 'terraform']);
    expect(full.startAt).toBe('argocd-bootstrap');
    const never = planRun({ trigger: 'teardown', spec, successes: {} });
    expect(never.startAt).toBe('terraform');
    expect(never.phases.ansible).toMatchObject({
      action: 'skip',
      reason: 'nothing to undo: the phase never succeeded',
    });
    const { terraform, ansible } = successesAfterFullRun(spec);
    // ArgoCD may have applied part of the tenants when it failed: undone while the cluster exists.
    const partial = planRun({
      trigger: 'teardown',
      spec,
      successes: { ...(terraform ? { terraform } : {}), ...(ansible ? { ansible } : {}) },
    });
    expect(partial.startAt).toBe('argocd-bootstrap');
  });

  it('skips a not-applicable phase only when it has a success to hand on', () => {
    const spec = validSpec();
    const successes = successesAfterFullRun(spec);
    const plan = planRun({
      trigger: 'api',
      spec: { ...spec, region: 'us-east-1' },
      successes,
      notApplicable: { terraform: 'shared cluster', ansible: 'shared cluster' },
    });
    expect(plan.phases.terraform).toMatchObject({ action: 'skip', reason: 'shared cluster' });
    expect(planRun({ trigger: 'api', spec, successes: {}, notApplicable: { terraform: 'x' } }).startAt).toBe(
      'terraform',
    );
  });
});

describe('successesOfRun', () => {
  it('fingerprints each succeeded phase on its inputs and the outputs before it', () => {
    const spec = validSpec();
    const successes = successesAfterFullRun(spec);
    const inputs = phaseInputs('ansible', spec);
    expect(successes.ansible?.fingerprint).toBe(phaseFingerprint('ansible', inputs, OUTPUTS.terraform));
    expect(successes.terraform?.fingerprint).toBe(
      phaseFingerprint('terraform', phaseInputs('terraform', spec), {}),
    );
  });

  it('forgets the phases a teardown undid and the phase it failed in, keeping the one it never reached', () => {
    const plan = planEveryPhase('teardown', validSpec());
    const result = successesOfRun({
      runId: 'r2',
      trigger: 'teardown',
      phaseOrder: plan.order,
      phases: {
        'argocd-bootstrap': { status: 'SUCCEEDED' },
        ansible: { status: 'FAILED' },
        terraform: { status: 'PENDING' },
      },
      inputs: planInputs(plan),
    });
    expect(result).toEqual({ 'argocd-bootstrap': null, ansible: null });
  });

  it('forgets the success of a phase that failed or was interrupted part-way, whatever the trigger', () => {
    const plan = planEveryPhase('api', validSpec());
    const result = successesOfRun({
      runId: 'r2',
      trigger: 'api',
      phaseOrder: plan.order,
      phases: {
        terraform: { status: 'SUCCEEDED', outputs: OUTPUTS.terraform },
        ansible: { status: 'FAILED' },
        'argocd-bootstrap': { status: 'PENDING' },
      },
      inputs: planInputs(plan),
    });
    expect(result.ansible).toBeNull();
    expect(result.terraform?.runId).toBe('r2');
    expect('argocd-bootstrap' in result).toBe(false);
    const interrupted = successesOfRun({
      runId: 'r3',
      trigger: 'git-push',
      phaseOrder: plan.order,
      phases: {
        terraform: { status: 'RUNNING' },
        ansible: { status: 'PENDING' },
        'argocd-bootstrap': { status: 'PENDING' },
      },
      inputs: planInputs(plan),
    });
    expect(interrupted).toEqual({ terraform: null });
  });

  it('runs again, from DELETE_FAILED, the phase a teardown failed in, and skips only what it never reached', () => {
    const spec = validSpec();
    const provisioned = successesAfterFullRun(spec);
    const teardown = planRun({ trigger: 'teardown', spec, successes: provisioned });
    const left = successesOfRun({
      runId: 'r2',
      trigger: 'teardown',
      phaseOrder: teardown.order,
      phases: {
        'argocd-bootstrap': { status: 'SUCCEEDED' },
        ansible: { status: 'FAILED' },
        terraform: { status: 'PENDING' },
      },
      inputs: planInputs(teardown),
    });
    const remaining = Object.fromEntries(
      Object.entries({ ...provisioned, ...left }).filter(([, success]) => success !== null),
    );
    const again = planRun({ trigger: 'api', spec, successes: remaining });
    expect(again.startAt).toBe('ansible');
    expect(again.phases.terraform.action).toBe('skip');
    expect(again.phases.ansible.action).toBe('run');
    expect(again.phases['argocd-bootstrap'].action).toBe('run');
  });

  it('hands on the outputs of skipped phases in the run records', () => {
    const spec = validSpec();
    const changed = { ...validSpec(), kubernetesVersion: '1.31' };
    const plan = planRun({ trigger: 'api', spec: changed, successes: successesAfterFullRun(spec) });
    expect(initialPhases(plan).terraform).toEqual({
      status: 'SKIPPED',
      reason: 'inputs unchanged since run r1',
      outputs: OUTPUTS.terraform,
      handedOnFrom: 'r1',
    });
    expect(initialPhases(plan).ansible).toEqual({ status: 'PENDING' });
  });
});

describe('planRun: the details a run records', () => {
  it('says why each phase after the first one that runs runs, and what fingerprint it starts from', () => {
    const spec = validSpec();
    const plan = planRun({ trigger: 'api', spec, successes: {} });
    expect(plan.direction).toBe('provision');
    expect(plan.phases.terraform).toEqual({
      phase: 'terraform',
      action: 'run',
      inputs: phaseInputs('terraform', spec),
      fingerprint: phaseFingerprint('terraform', phaseInputs('terraform', spec), {}),
      reason: 'never succeeded with these inputs',
    });
    expect(plan.phases.ansible).toEqual({
      phase: 'ansible',
      action: 'run',
      inputs: phaseInputs('ansible', spec),
      reason: 'runs after terraform',
    });
    expect(plan.phases['argocd-bootstrap'].reason).toBe('runs after ansible');
    const changed = planRun({
      trigger: 'api',
      spec: { ...spec, region: 'us-east-1' },
      successes: successesAfterFullRun(spec),
    });
    expect(changed.phases.terraform.reason).toBe('inputs changed');
  });

  it("plans with the run's commit: a commit the successes did not have runs the ArgoCD phase", () => {
    const spec = validSpec();
    const successes = successesAfterFullRun(spec);
    expect(planRun({ trigger: 'git-push', spec, successes, commit: 'abc1234' }).startAt).toBe(
      'argocd-bootstrap',
    );
    expect(planRun({ trigger: 'git-push', spec, successes }).startAt).toBeUndefined();
    expect(planRun({ trigger: 'teardown', spec, successes, commit: 'abc1234' }).phases.terraform.inputs).toBe(
      phaseInputs('terraform', spec, 'abc1234'),
    );
    expect(
      planRun({ trigger: 'teardown', spec, successes: {}, commit: 'abc1234' }).phases.ansible.inputs,
    ).toBe(phaseInputs('ansible', spec, 'abc1234'));
    expect(phaseInputs('argocd-bootstrap', spec)).toBe(phaseInputs('argocd-bootstrap', spec, ''));
    expect(phaseInputs('argocd-bootstrap', spec)).not.toBe(phaseInputs('argocd-bootstrap', spec, 'abc1234'));
  });

  it('fingerprints the log retention, the default and a spelled-out 30 days alike, and an ingress only when present', () => {
    const spec = validSpec();
    expect(phaseInputs('terraform', { ...spec, logs: { retentionDays: 30 } })).toBe(
      phaseInputs('terraform', spec),
    );
    expect(phaseInputs('terraform', { ...spec, logs: { retentionDays: 90 } })).not.toBe(
      phaseInputs('terraform', spec),
    );
    expect(phaseInputs('terraform', { ...spec, logs: { retentionDays: '90' } })).toBe(
      phaseInputs('terraform', spec),
    );
    expect(phaseInputs('terraform', { ...spec, logs: null })).toBe(phaseInputs('terraform', spec));
    expect(phaseInputs('terraform', { ...spec, ingress: undefined })).toBe(phaseInputs('terraform', spec));
    expect(phaseInputs('terraform', { ...spec, ingress: null })).not.toBe(phaseInputs('terraform', spec));
  });

  it('a teardown undoes from the first phase that exists, hands the recorded outputs on, and skips a not-applicable phase', () => {
    const spec = validSpec();
    const successes = successesAfterFullRun(spec);
    const plan = planRun({
      trigger: 'teardown',
      spec,
      successes: { terraform: successes.terraform as never },
    });
    expect(plan.direction).toBe('teardown');
    expect(plan.startAt).toBe('terraform');
    expect(plan.phases['argocd-bootstrap']).toEqual({
      phase: 'argocd-bootstrap',
      action: 'skip',
      inputs: phaseInputs('argocd-bootstrap', spec),
      reason: 'nothing to undo: the phase never succeeded',
      handedOn: { runId: '', outputs: OUTPUTS.terraform },
    });
    expect(plan.phases.terraform).toEqual({
      phase: 'terraform',
      action: 'run',
      inputs: phaseInputs('terraform', spec),
      reason: 'undoes what the phase provisioned',
    });
    const tenant = planRun({
      trigger: 'teardown',
      spec,
      successes,
      notApplicable: { terraform: 'the shared cluster stays', ansible: 'the shared cluster stays' },
    });
    expect(tenant.startAt).toBe('argocd-bootstrap');
    expect(tenant.phases.ansible).toMatchObject({ action: 'skip', reason: 'the shared cluster stays' });
    expect(tenant.phases.terraform).toMatchObject({ action: 'skip', reason: 'the shared cluster stays' });
    const onlyAnsible = planRun({
      trigger: 'teardown',
      spec,
      successes: { ansible: successes.ansible as never },
    });
    expect(onlyAnsible.startAt).toBe('argocd-bootstrap');
    expect(onlyAnsible.phases.ansible.action).toBe('run');
  });

  it('planEveryPhase runs every phase, in the direction of its trigger', () => {
    const teardown = planEveryPhase('teardown', validSpec());
    expect(teardown).toMatchObject({ direction: 'teardown', startAt: 'argocd-bootstrap' });
    expect(teardown.phases.terraform).toEqual({
      phase: 'terraform',
      action: 'run',
      inputs: phaseInputs('terraform', validSpec()),
      reason: 'every phase runs',
    });
    expect(planEveryPhase('api', validSpec())).toMatchObject({
      direction: 'provision',
      startAt: 'terraform',
    });
    expect(planEveryPhase('resume', validSpec()).direction).toBe('provision');
  });
});

describe('successesOfRun and initialPhases: what a run records', () => {
  it("records a success's outputs and end time, nothing for a phase without recorded inputs", () => {
    const plan = planEveryPhase('api', validSpec());
    const result = successesOfRun({
      runId: 'r3',
      trigger: 'api',
      phaseOrder: plan.order,
      phases: {
        terraform: { status: 'SUCCEEDED', outputs: OUTPUTS.terraform, endedAt: '2026-03-01T10:00:00Z' },
        ansible: { status: 'SUCCEEDED' },
        'argocd-bootstrap': { status: 'SUCCEEDED', outputs: OUTPUTS['argocd-bootstrap'] },
      },
      inputs: { terraform: 'i1', 'argocd-bootstrap': 'i3' },
    });
    expect(result).toEqual({
      terraform: {
        fingerprint: phaseFingerprint('terraform', 'i1', {}),
        runId: 'r3',
        outputs: OUTPUTS.terraform,
        at: '2026-03-01T10:00:00Z',
      },
      'argocd-bootstrap': {
        fingerprint: phaseFingerprint('argocd-bootstrap', 'i3', OUTPUTS.terraform),
        runId: 'r3',
        outputs: OUTPUTS['argocd-bootstrap'],
        at: '',
      },
    });
    // A run recorded before the inputs were: no fingerprint to record.
    const succeeded = { status: 'SUCCEEDED' as const };
    expect(
      successesOfRun({
        runId: 'r4',
        trigger: 'api',
        phaseOrder: plan.order,
        phases: { terraform: succeeded, ansible: succeeded, 'argocd-bootstrap': succeeded },
      }),
    ).toEqual({});
  });

  it('opens the first phase a run executes when it is accepted, the others pending', () => {
    const spec = validSpec();
    const plan = planRun({
      trigger: 'api',
      spec: { ...spec, kubernetesVersion: '1.31' },
      successes: successesAfterFullRun(spec),
    });
    const phases = initialPhases(plan, '2026-03-01T10:00:00Z');
    expect(phases.ansible).toEqual({ status: 'RUNNING', startedAt: '2026-03-01T10:00:00Z' });
    expect(phases['argocd-bootstrap']).toEqual({ status: 'PENDING' });
    expect(phases.terraform.status).toBe('SKIPPED');
    const teardown = initialPhases(planRun({ trigger: 'teardown', spec, successes: {} }), 't');
    expect(teardown.terraform).toEqual({ status: 'RUNNING', startedAt: 't' });
    expect(teardown.ansible).toEqual({
      status: 'SKIPPED',
      reason: 'nothing to undo: the phase never succeeded',
      outputs: {},
    });
  });
});

/**
 * The phase plan through the API, on the synthesized workflow: a quota-only change runs ArgoCD
 * alone with the earlier outputs handed on; a resume after an Ansible failure skips Terraform; a
 * network change runs all three phases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHASES } from '../../../functions/domain/model.js';
import { createOrganization, freshName, member, provision, specFor } from '../../support/api-fixtures.js';
import { type ApiHarness, countIdempotencyWrites, startApiHarness } from '../../support/api-harness.js';
import { FakeBuilds } from '../../support/fake-builds.js';

let api: ApiHarness;
let org = '';

beforeAll(async () => {
  api = await startApiHarness();
  org = await createOrganization(api);
});

afterAll(async () => {
  await api?.stop();
});

const admin = () => member('org-admin', org);
type Plan = { startAt: string | null; phases: { phase: string; action: string; reason: string }[] };
type Timeline = { phases: { phase: string; status: string; reason?: string; handedOnFrom?: string }[] };

describe('phase plan through the API', () => {
  it('a quota-only change on a READY environment runs ArgoCD alone, handing on the earlier outputs', async () => {
    const env = freshName('env');
    const spec = specFor(org, env);
    const first = await provision(api, org, env, spec);
    const firstRunId = String(first.body.runId);
    const builds = new FakeBuilds();
    api.starter.builds = builds;

    const quotaOnly = {
      ...spec,
      namespaces: [{ name: 'payments', quota: { cpu: '6', memory: '12Gi', pods: 60 } }],
    };
    const response = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body: quotaOnly,
    });

    expect(response.status).toBe(202);
    const plan = response.body.plan as Plan;
    expect(plan.startAt).toBe('argocd-bootstrap');
    expect(plan.phases).toEqual([
      { phase: 'terraform', action: 'skip', reason: `inputs unchanged since run ${firstRunId}` },
      { phase: 'ansible', action: 'skip', reason: `inputs unchanged since run ${firstRunId}` },
      { phase: 'argocd-bootstrap', action: 'run', reason: 'inputs changed' },
    ]);
    expect(api.starter.inputs.at(-1)?.skipPhases).toEqual(['terraform', 'ansible']);
    const [execution] = (await api.starter.settled()).slice(-1);
    expect(execution?.status).toBe('SUCCEEDED');

    expect(builds.calls.map((call) => call.phase)).toEqual(['argocd-bootstrap']);
    const argocd = builds.calls[0];
    expect(JSON.parse(argocd?.variables.SLIPWAY_PREVIOUS_OUTPUTS ?? '{}')).toMatchObject({
      TF_OUTPUTS_S3_KEY: expect.any(String),
      API_ENDPOINT: expect.any(String),
      KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig',
    });
    expect(argocd?.secrets).toEqual({ SLIPWAY_KUBECONFIG: 'slipway/acme/prod/kubeconfig' });

    const shown = await api.call('get-environment', { identity: member('viewer', org), path: { org, env } });
    expect(shown.body.status).toBe('READY');
    const timeline = (shown.body.currentRun as Timeline).phases;
    expect(timeline).toEqual([
      expect.objectContaining({
        phase: 'terraform',
        status: 'SKIPPED',
        reason: expect.stringContaining(firstRunId),
        handedOnFrom: firstRunId,
      }),
      expect.objectContaining({
        phase: 'ansible',
        status: 'SKIPPED',
        reason: expect.stringContaining(firstRunId),
        handedOnFrom: firstRunId,
      }),
      expect.objectContaining({ phase: 'argocd-bootstrap', status: 'SUCCEEDED' }),
    ]);
    api.starter.builds = new FakeBuilds();
  });

  it('a resume after an Ansible failure skips Terraform and starts at Ansible', async () => {
    const env = freshName('env');
    const failing = new FakeBuilds();
    failing.failNext('ansible');
    api.starter.builds = failing;
    const first = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body: specFor(org, env),
    });
    expect(first.status).toBe(202);
    const [failed] = (await api.starter.settled()).slice(-1);
    expect(failed?.status).toBe('FAILED');
    expect((await api.repository.getEnvironment(org, env))?.status).toBe('FAILED');

    const builds = new FakeBuilds();
    api.starter.builds = builds;
    const resumed = await api.call('post-run', {
      identity: member('developer', org),
      path: { org, env },
      body: { action: 'resume' },
    });

    expect(resumed.status).toBe(202);
    const plan = resumed.body.plan as Plan;
    expect(plan.startAt).toBe('ansible');
    expect(plan.phases.map((p) => [p.phase, p.action])).toEqual([
      ['terraform', 'skip'],
      ['ansible', 'run'],
      ['argocd-bootstrap', 'run'],
    ]);
    expect(api.starter.inputs.at(-1)).toMatchObject({ trigger: 'resume', skipPhases: ['terraform'] });
    const [execution] = (await api.starter.settled()).slice(-1);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(builds.calls.map((call) => call.phase)).toEqual(['ansible', 'argocd-bootstrap']);
    expect(JSON.parse(builds.calls[0]?.variables.SLIPWAY_PREVIOUS_OUTPUTS ?? '{}')).toMatchObject({
      TF_OUTPUTS_S3_KEY: expect.any(String),
    });
    const shown = await api.call('get-environment', { identity: member('viewer', org), path: { org, env } });
    expect(shown.body).toMatchObject({ status: 'READY', currentRunId: resumed.body.runId });
    expect((shown.body.currentRun as Timeline).phases[0]).toMatchObject({
      phase: 'terraform',
      status: 'SKIPPED',
      handedOnFrom: first.body.runId,
    });
    const audit = await api.repository.listAudit(org);
    expect(audit.items[0]).toMatchObject({
      action: 'run.resume-requested',
      actor: member('developer', org).sub,
    });
    api.starter.builds = new FakeBuilds();
  });

  it('a network change runs all three phases', async () => {
    const env = freshName('env');
    const spec = specFor(org, env);
    await provision(api, org, env, spec);
    const builds = new FakeBuilds();
    api.starter.builds = builds;

    const changed = { ...spec, network: { ...spec.network, podCidr: '10.248.0.0/16' } };
    const response = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body: changed,
    });

    expect(response.status).toBe(202);
    expect((response.body.plan as Plan).startAt).toBe('terraform');
    expect((response.body.plan as Plan).phases.every((p) => p.action === 'run')).toBe(true);
    await api.starter.settled();
    expect(builds.calls.map((call) => call.phase)).toEqual([...PHASES]);
    api.starter.builds = new FakeBuilds();
  });

  it('stays within 10 DynamoDB writes from the PUT to READY, the API’s own writes counted', async () => {
    const env = freshName('env');
    const apiBefore = api.apiWrites.length;
    const workflowBefore = api.workflow.writes.length;
    await provision(api, org, env);
    const writes = api.apiWrites.length - apiBefore + (api.workflow.writes.length - workflowBefore);
    expect(writes).toBeLessThanOrEqual(10);
  });

  it('stays within 10 DynamoDB writes from a PUT with an Idempotency-Key to READY, the idempotency records counted', async () => {
    const env = freshName('env');
    // The idempotency records go through Powertools' own client: counted on it.
    const idempotency = countIdempotencyWrites(api);
    try {
      const apiBefore = api.apiWrites.length;
      const workflowBefore = api.workflow.writes.length;
      const response = await api.call('put-environment', {
        identity: member('org-admin', org),
        path: { org, env },
        body: specFor(org, env),
        headers: { 'Idempotency-Key': `writes-${env}` },
      });
      expect(response.status).toBe(202);
      await api.starter.settled();
      expect((await api.repository.getEnvironment(org, env))?.status).toBe('READY');
      const own = api.apiWrites.length - apiBefore + (api.workflow.writes.length - workflowBefore);
      expect(idempotency.count()).toBeGreaterThan(0);
      expect(own + idempotency.count()).toBeLessThanOrEqual(10);
    } finally {
      idempotency.stop();
    }
  });
});

/**
 * Every route of the HTTP API, invoked with API Gateway v2 events against dynalite and the
 * synthesized workflow: status codes, bodies, what was written — and that a refusal writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHASES } from '../../../functions/domain/model.js';
import { specHash } from '../../../functions/domain/spec-hash.js';
import {
  createOrganization,
  freshName,
  member,
  ORGANIZATION,
  PLATFORM_ADMIN,
  provision,
  specFor,
} from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';
import { FakeBuilds } from '../../support/fake-builds.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});

afterAll(async () => {
  await api?.stop();
});

/** Asserts the call changes nothing in the state table. */
async function expectNoWrite<T>(act: () => Promise<T>): Promise<T> {
  const before = await api.scan();
  const result = await act();
  await api.starter.settled();
  expect(await api.scan()).toEqual(before);
  return result;
}

describe('PUT /v1/orgs/{org}', () => {
  it('creates (201), updates (200) and leaves an unchanged organization unwritten, auditing each change', async () => {
    const org = freshName('org');
    const created = await api.call('put-organization', {
      identity: PLATFORM_ADMIN,
      path: { org },
      body: ORGANIZATION,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ organization: org, displayName: 'Acme', maxEnvironments: 10 });

    const updated = await api.call('put-organization', {
      identity: PLATFORM_ADMIN,
      path: { org },
      body: { ...ORGANIZATION, maxEnvironments: 12 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.maxEnvironments).toBe(12);

    const unchanged = await expectNoWrite(() =>
      api.call('put-organization', {
        identity: PLATFORM_ADMIN,
        path: { org },
        body: { ...ORGANIZATION, maxEnvironments: 12 },
      }),
    );
    expect(unchanged.status).toBe(200);

    const audit = await api.repository.listAudit(org);
    expect(audit.items.map((entry) => [entry.action, entry.actor])).toEqual([
      ['organization.updated', PLATFORM_ADMIN.sub],
      ['organization.created', PLATFORM_ADMIN.sub],
    ]);
    expect(audit.items[1]?.detail).toMatchObject({
      specHashBefore: '',
      specHashAfter: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
});

describe('GET /v1/orgs', () => {
  it("lists a member's own organizations only, and every organization for platform-admin, paginated", async () => {
    const a = await createOrganization(api);
    const b = await createOrganization(api);
    const own = await api.call('list-organizations', { identity: member('viewer', a), path: {} });
    expect(own.status).toBe(200);
    expect((own.body.items as { organization: string }[]).map((o) => o.organization)).toEqual([a]);

    const first = await api.call('list-organizations', {
      identity: member('developer', a, b),
      path: {},
      query: { limit: '1' },
    });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.cursor).toEqual(expect.any(String));
    const second = await api.call('list-organizations', {
      identity: member('developer', a, b),
      path: {},
      query: { limit: '1', cursor: String(first.body.cursor) },
    });
    expect(
      [
        ...(first.body.items as { organization: string }[]),
        ...(second.body.items as { organization: string }[]),
      ].map((o) => o.organization),
    ).toEqual([a, b].sort());
    expect(second.body.cursor).toBeUndefined();

    const all: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const response = await api.call('list-organizations', {
        identity: PLATFORM_ADMIN,
        path: {},
        query: { limit: '100', ...(cursor ? { cursor } : {}) },
      });
      expect(response.status).toBe(200);
      all.push(...(response.body.items as { organization: string }[]).map((o) => o.organization));
      cursor = response.body.cursor as string | undefined;
      if (!cursor) break;
    }
    expect(all).toEqual(expect.arrayContaining([a, b]));
  });
});

describe('PUT /v1/orgs/{org}/environments/{env}', () => {
  it('starts a run of every phase (202), shows it as the current run, audits it and ends READY', async () => {
    const org = await createOrganization(api);
    const env = freshName('env');
    const spec = specFor(org, env);
    const writesBefore = api.apiWrites.length;

    const response = await api.call('put-environment', {
      identity: member('org-admin', org),
      path: { org, env },
      body: spec,
    });

    expect(response.status).toBe(202);
    const runId = String(response.body.runId);
    expect(runId).toMatch(new RegExp(`^${org}\\.${env}\\.000001\\.[0-9a-f]{8}$`));
    expect(response.body.plan).toEqual({
      startAt: 'terraform',
      phases: PHASES.map((phase) => ({ phase, action: 'run', reason: expect.any(String) })),
    });
    expect(response.body.environment).toMatchObject({
      status: 'PROVISIONING',
      currentRunId: runId,
      activeRunId: runId,
      specHash: specHash(spec),
    });
    // The API's own writes: the organization's quota reservation, run + environment (startRun)
    // and the audit entry.
    expect(api.apiWrites.length - writesBefore).toBeLessThanOrEqual(4);
    const input = api.starter.inputs.find((candidate) => candidate.runId === runId);
    expect(input).toMatchObject({
      organization: org,
      environment: env,
      trigger: 'api',
      seq: 1,
      skipPhases: [],
      specHash: specHash(spec),
    });

    const [execution] = (await api.starter.settled()).slice(-1);
    expect(execution?.status).toBe('SUCCEEDED');
    const shown = await api.call('get-environment', { identity: member('viewer', org), path: { org, env } });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      organization: org,
      environment: env,
      status: 'READY',
      tier: 'dev',
      currentRunId: runId,
    });
    expect(shown.body).not.toHaveProperty('activeRunId');
    expect(shown.body).not.toHaveProperty('successes');
    expect(shown.body).not.toHaveProperty('runSeq');
    const timeline = (shown.body.currentRun as { phases: Record<string, unknown>[] }).phases;
    expect(timeline.map((phase) => phase.phase)).toEqual([...PHASES]);
    for (const phase of timeline) {
      expect(phase).toMatchObject({
        status: 'SUCCEEDED',
        buildId: expect.stringMatching(/:fake-\d{4}$/),
        logLink: expect.stringContaining('https://'),
        startedAt: expect.any(String),
        endedAt: expect.any(String),
        durationSeconds: expect.any(Number),
      });
      expect(phase).not.toHaveProperty('outputs');
    }
    // Beside the phases' CodeBuild links: the CloudWatch Logs groups the cluster ships to, with the
    // default retention (the spec names none) and the console page of the workloads group.
    const region = String(spec.region);
    const logs = {
      logGroup: `/slipway/${org}/${env}/workloads`,
      platformLogGroup: `/slipway/${org}/${env}/platform`,
      retentionDays: 30,
      link: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/$252Fslipway$252F${org}$252F${env}$252Fworkloads`,
    };
    expect(shown.body.logs).toEqual(logs);
    expect((shown.body.currentRun as { logs?: unknown }).logs).toEqual(logs);
    const runs = await api.call('list-runs', { identity: member('viewer', org), path: { org, env } });
    expect((runs.body.items as { logs?: unknown }[])[0]?.logs).toEqual(logs);
    const one = await api.call('get-run', { identity: member('viewer', org), path: { org, env, runId } });
    expect(one.body.logs).toEqual(logs);
    const audit = await api.repository.listAudit(org);
    expect(audit.items[0]).toMatchObject({
      action: 'environment.provision-requested',
      actor: member('org-admin', org).sub,
      environment: env,
      detail: { runId, specHashBefore: '', specHashAfter: specHash(spec) },
    });
  });

  it('answers 200 without a run or a write for the same spec on a READY environment, keys reordered too', async () => {
    const org = await createOrganization(api);
    const env = freshName('env');
    const spec = specFor(org, env);
    await provision(api, org, env, spec);
    const started = api.starter.inputs.length;

    const reordered = Object.fromEntries(Object.entries(spec).reverse());
    for (const body of [spec, reordered]) {
      const response = await expectNoWrite(() =>
        api.call('put-environment', { identity: member('org-admin', org), path: { org, env }, body }),
      );
      expect(response.status).toBe(200);
      expect(response.body.plan).toMatchObject({ startAt: null });
      expect((response.body.environment as { status: string }).status).toBe('READY');
    }
    expect(api.starter.inputs.length).toBe(started);
  });

  it('refuses a second run for a busy environment with 409 naming the active run, writing nothing', async () => {
    const org = await createOrganization(api);
    const env = freshName('env');
    let release = (): void => undefined;
    api.starter.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const first = await api.call('put-environment', {
        identity: member('org-admin', org),
        path: { org, env },
        body: specFor(org, env),
      });
      expect(first.status).toBe(202);
      const changed = { ...specFor(org, env), region: 'eu-central-1' };
      const before = await api.scan();
      const second = await api.call('put-environment', {
        identity: member('org-admin', org),
        path: { org, env },
        body: changed,
      });
      expect(second.status).toBe(409);
      expect(second.body.error).toEqual({
        code: 'conflict.busy',
        message: expect.stringContaining(String(first.body.runId)),
        details: { activeRunId: first.body.runId },
      });
      expect(await api.scan()).toEqual(before);
    } finally {
      api.starter.hold = undefined;
      release();
    }
    await api.starter.settled();
  });

  it('refuses 422 quota.exceeded naming the resource, requested and available amounts, writing nothing', async () => {
    const org = await createOrganization(api, freshName('org'), {
      displayName: 'Small',
      quota: { cpu: '6', memory: '12Gi', pods: 100 },
      maxEnvironments: 2,
    });
    const first = freshName('env');
    await provision(api, org, first);
    const env = freshName('env');
    const spec = specFor(org, env);
    const greedy = {
      ...spec,
      namespaces: [{ name: 'payments', quota: { cpu: '3', memory: '6Gi', pods: 10 } }],
    };

    const response = await expectNoWrite(() =>
      api.call('put-environment', { identity: member('org-admin', org), path: { org, env }, body: greedy }),
    );

    expect(response.status).toBe(422);
    expect(response.body.error?.code).toBe('quota.exceeded');
    expect(response.body.error?.details).toEqual([
      expect.objectContaining({ field: 'quota.cpu', resource: 'cpu', requested: '3', available: '2' }),
      expect.objectContaining({
        field: 'quota.memory',
        resource: 'memory',
        requested: '6Gi',
        available: '4Gi',
      }),
    ]);
    expect(response.body.error?.message).toContain('quota.cpu');
  });

  it('refuses more environments than maxEnvironments', async () => {
    const org = await createOrganization(api, freshName('org'), { ...ORGANIZATION, maxEnvironments: 1 });
    await provision(api, org, freshName('env'));
    const env = freshName('env');
    const response = await expectNoWrite(() =>
      api.call('put-environment', {
        identity: member('org-admin', org),
        path: { org, env },
        body: specFor(org, env),
      }),
    );
    expect(response.status).toBe(422);
    expect(response.body.error?.details).toEqual([
      expect.objectContaining({
        field: 'maxEnvironments',
        resource: 'environments',
        requested: 1,
        available: 0,
      }),
    ]);
  });

  it('answers 404 for an organization that is not registered, writing nothing', async () => {
    const org = freshName('org');
    const env = freshName('env');
    const response = await expectNoWrite(() =>
      api.call('put-environment', { identity: PLATFORM_ADMIN, path: { org, env }, body: specFor(org, env) }),
    );
    expect(response.status).toBe(404);
    expect(response.body.error?.code).toBe('not-found');
  });

  it('answers 503 when StartExecution fails, abandoning the run so a retry succeeds', async () => {
    const org = await createOrganization(api);
    const env = freshName('env');
    api.starter.failNext = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    const failed = await api.call('put-environment', {
      identity: member('org-admin', org),
      path: { org, env },
      body: specFor(org, env),
    });

    expect(failed.status).toBe(503);
    expect(failed.body.error?.code).toBe('run.start-failed');
    const environment = await api.repository.getEnvironment(org, env);
    expect(environment?.activeRunId).toBeUndefined();
    const runs = await api.repository.listRuns(org, env);
    expect(runs.items.map((run) => run.status)).toEqual(['FAILED']);

    const retried = await api.call('put-environment', {
      identity: member('org-admin', org),
      path: { org, env },
      body: specFor(org, env),
    });
    expect(retried.status).toBe(202);
    await api.starter.settled();
    expect((await api.repository.getEnvironment(org, env))?.status).toBe('READY');
  });
});

describe('GET environments, runs and one run', () => {
  it('lists environments and runs (newest first, paginated) and shows one run; another environment’s run is 404', async () => {
    const org = await createOrganization(api);
    const env = freshName('env');
    await provision(api, org, env);
    await provision(api, org, env, { ...specFor(org, env), region: 'eu-central-1' });
    const viewer = member('viewer', org);

    const environments = await api.call('list-environments', { identity: viewer, path: { org } });
    expect(environments.status).toBe(200);
    expect(environments.body.items).toEqual([expect.objectContaining({ environment: env, status: 'READY' })]);

    const page1 = await api.call('list-runs', {
      identity: viewer,
      path: { org, env },
      query: { limit: '1' },
    });
    expect(page1.status).toBe(200);
    const [newest] = page1.body.items as { runId: string; seq: number }[];
    expect(newest?.seq).toBe(2);
    const page2 = await api.call('list-runs', {
      identity: viewer,
      path: { org, env },
      query: { limit: '1', cursor: String(page1.body.cursor) },
    });
    expect((page2.body.items as { seq: number }[]).map((run) => run.seq)).toEqual([1]);

    const run = await api.call('get-run', {
      identity: viewer,
      path: { org, env, runId: String(newest?.runId) },
    });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ runId: newest?.runId, status: 'SUCCEEDED', trigger: 'api' });

    const other = freshName('env');
    await provision(api, org, other);
    const crossed = await api.call('get-run', {
      identity: viewer,
      path: { org, env: other, runId: String(newest?.runId) },
    });
    expect(crossed.status).toBe(404);
    expect(crossed.body).toEqual({ error: expect.objectContaining({ code: 'not-found' }) });

    const missing = await api.call('get-environment', {
      identity: viewer,
      path: { org, env: freshName('none') },
    });
    expect(missing.status).toBe(404);
  });
});

describe('POST /v1/orgs/{org}/environments/{env}/runs', () => {
  it('refuses to resume a READY environment with 409 conflict.state, writing nothing', async () => {
    const org = await createOrganization(api);
    const env = freshName('env');
    await provision(api, org, env);
    const response = await expectNoWrite(() =>
      api.call('post-run', {
        identity: member('developer', org),
        path: { org, env },
        body: { action: 'resume' },
      }),
    );
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'conflict.state', details: { status: 'READY' } });
  });
});

describe('DELETE /v1/orgs/{org}/environments/{env}', () => {
  it('tears down in reverse order, ends DELETED, stays readable with its run history and no longer counts', async () => {
    const org = await createOrganization(api, freshName('org'), { ...ORGANIZATION, maxEnvironments: 1 });
    const env = freshName('env');
    const provisioned = await provision(api, org, env);

    const response = await api.call('delete-environment', {
      identity: member('org-admin', org),
      path: { org, env },
    });

    expect(response.status).toBe(202);
    expect((response.body.plan as { phases: { phase: string }[] }).phases.map((p) => p.phase)).toEqual(
      [...PHASES].reverse(),
    );
    expect((response.body.environment as { status: string }).status).toBe('DELETING');
    const input = api.starter.inputs.find((candidate) => candidate.runId === response.body.runId);
    expect(input?.trigger).toBe('teardown');
    const executions = await api.starter.settled();
    expect(executions.at(-1)?.status).toBe('SUCCEEDED');

    const shown = await api.call('get-environment', { identity: member('viewer', org), path: { org, env } });
    expect(shown.body).toMatchObject({ status: 'DELETED', currentRunId: response.body.runId });
    const runs = await api.call('list-runs', { identity: member('viewer', org), path: { org, env } });
    expect((runs.body.items as { runId: string }[]).map((run) => run.runId)).toEqual([
      response.body.runId,
      provisioned.body.runId,
    ]);
    // Its log groups went with its Terraform state: no logs link any more, on it or its runs.
    expect(shown.body).not.toHaveProperty('logs');
    expect(shown.body.currentRun).not.toHaveProperty('logs');
    for (const run of runs.body.items as object[]) expect(run).not.toHaveProperty('logs');
    const audit = await api.repository.listAudit(org);
    expect(audit.items[0]).toMatchObject({
      action: 'environment.teardown-requested',
      environment: env,
      detail: { specHashAfter: '' },
    });

    const again = await expectNoWrite(() =>
      api.call('delete-environment', { identity: member('org-admin', org), path: { org, env } }),
    );
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict.state', details: { status: 'DELETED' } });

    // maxEnvironments is 1: the DELETED environment leaves room for another.
    const next = freshName('env');
    const replacement = await api.call('put-environment', {
      identity: member('org-admin', org),
      path: { org, env: next },
      body: specFor(org, next),
    });
    expect(replacement.status).toBe(202);
    await api.starter.settled();
  });

  it('answers 404 for an environment never created, writing nothing', async () => {
    const org = await createOrganization(api);
    const response = await expectNoWrite(() =>
      api.call('delete-environment', {
        identity: member('org-admin', org),
        path: { org, env: freshName('env') },
      }),
    );
    expect(response.status).toBe(404);
  });
});

describe('GET alerts and audit', () => {
  it("lists the organization's phase.failed alert after a failed run, and its audit trail", async () => {
    const org = await createOrganization(api);
    const env = freshName('env');
    api.starter.builds = new FakeBuilds();
    api.starter.builds.failNext('ansible');
    const response = await api.call('put-environment', {
      identity: member('org-admin', org),
      path: { org, env },
      body: specFor(org, env),
    });
    expect(response.status).toBe(202);
    await api.starter.settled();
    api.starter.builds = new FakeBuilds();

    const alerts = await api.call('list-alerts', { identity: member('viewer', org), path: { org } });
    expect(alerts.status).toBe(200);
    expect(alerts.body.items).toEqual([
      expect.objectContaining({
        kind: 'phase.failed',
        organization: org,
        environment: env,
        run: response.body.runId,
      }),
    ]);
    expect((alerts.body.items as Record<string, unknown>[])[0]).not.toHaveProperty('dedupKey');

    const audit = await api.call('list-audit', { identity: member('org-admin', org), path: { org } });
    expect(audit.status).toBe(200);
    expect((audit.body.items as { action: string }[]).map((entry) => entry.action)).toEqual([
      'environment.provision-requested',
      'organization.created',
    ]);
  });
});

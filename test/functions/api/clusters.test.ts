/**
 * Shared clusters through the API, on dynalite and the synthesized workflow (fake builds): a
 * cluster is provisioned by the three phases; its tenants run the ArgoCD phase alone with the
 * cluster's outputs handed on; capacity, ceiling, teardown-with-tenants and shrinking refusals
 * write nothing; a cluster run and a tenant run never overlap; racing placements never both
 * exceed the capacity; a tenant's teardown runs its ArgoCD part alone and frees its grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlert } from '../../../functions/domain/alert.js';
import { createOrganization, freshName, member, PLATFORM_ADMIN } from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';
import { FakeBuilds } from '../../support/fake-builds.js';
import { validSpec } from '../../support/fixtures.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});

afterAll(async () => {
  await api?.stop();
});

/** 3 × m6i.xlarge workers: 9460m CPU, 40061Mi memory, 290 pods for tenants (cluster-capacity.ts). */
function clusterSpec(workers = 3, overcommit?: { cpu: number; memory: number }) {
  const { namespaces: _n, gitops: _g, ...dedicated } = validSpec('prod');
  return {
    ...dedicated,
    cluster: { ...dedicated.cluster, workers: { count: workers, instanceType: 'm6i.xlarge' } },
    ...(overcommit ? { overcommit } : {}),
  };
}

function tenantSpec(cluster: string, organization: string, cpu = '2', memory = '4Gi', pods = 20) {
  return {
    tier: 'prod',
    sharedCluster: cluster,
    namespaces: [{ name: 'web', quota: { cpu, memory, pods } }],
    gitops: {
      repository: 'https://github.com/acme/platform-gitops.git',
      branch: 'main',
      path: `tenants/${organization}`,
    },
  };
}

async function registerCluster(name = freshName('shared'), spec: unknown = clusterSpec()) {
  const response = await api.call('put-cluster', {
    identity: PLATFORM_ADMIN,
    path: { cluster: name },
    body: spec,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  await api.starter.settled();
  const shown = await api.call('get-cluster', { identity: PLATFORM_ADMIN, path: { cluster: name } });
  expect(shown.body.status).toBe('READY');
  return { name, runId: String(response.body.runId) };
}

async function place(cluster: string, organization: string, environment = 'prod', spec?: unknown) {
  return api.call('put-environment', {
    identity: member('org-admin', organization),
    path: { org: organization, env: environment },
    body: spec ?? tenantSpec(cluster, organization),
  });
}

/**
 * Holds the placement of `organization` after it entered its cluster and before its lock (which
 * creates its environment): `entered` resolves once it is held there.
 */
function holdStartRun(organization: string) {
  const { repository } = api;
  const startRun = repository.startRun;
  let entered = () => {};
  const reached = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  repository.startRun = async (input) => {
    if (input.organization === organization) {
      entered();
      await gate;
    }
    return startRun(input);
  };
  return {
    entered: reached,
    release,
    restore: () => {
      release();
      repository.startRun = startRun;
    },
  };
}

type Phase = { phase: string; status: string; reason?: string; handedOnFrom?: string };

describe('shared clusters', () => {
  it('provisions a cluster with all three phases, then tenants of two organizations with the ArgoCD phase alone', async () => {
    const builds = new FakeBuilds();
    api.starter.builds = builds;
    const cluster = await registerCluster();
    expect(builds.calls.map((call) => call.phase)).toEqual(['terraform', 'ansible', 'argocd-bootstrap']);
    expect(builds.calls[0]?.variables.SLIPWAY_ORGANIZATION).toBe('cluster');

    const tenantBuilds = new FakeBuilds();
    api.starter.builds = tenantBuilds;
    const acme = await createOrganization(api, freshName('acme'));
    const globex = await createOrganization(api, freshName('globex'));
    const placed = await Promise.all([place(cluster.name, acme), place(cluster.name, globex)]);
    for (const response of placed) {
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      expect(response.body.plan).toEqual({
        startAt: 'argocd-bootstrap',
        phases: [
          { phase: 'terraform', action: 'skip', reason: 'shared cluster' },
          { phase: 'ansible', action: 'skip', reason: 'shared cluster' },
          { phase: 'argocd-bootstrap', action: 'run', reason: 'never succeeded with these inputs' },
        ],
      });
    }
    await api.starter.settled();
    expect(tenantBuilds.calls.map((call) => call.phase)).toEqual(['argocd-bootstrap', 'argocd-bootstrap']);
    const clusterRecord = await api.repository.getEnvironment('cluster', cluster.name);
    for (const call of tenantBuilds.calls) {
      // The cluster's kubeconfig and Terraform outputs are handed on to the tenant's build.
      expect(call.secrets.SLIPWAY_KUBECONFIG).toBe(
        clusterRecord?.successes.ansible?.outputs.KUBECONFIG_SECRET_ID,
      );
      expect(JSON.parse(call.variables.SLIPWAY_SPEC ?? '{}')).toMatchObject({
        sharedCluster: cluster.name,
        region: clusterSpec().region,
      });
    }
    for (const organization of [acme, globex]) {
      const shown = await api.call('get-environment', {
        identity: member('viewer', organization),
        path: { org: organization, env: 'prod' },
      });
      expect(shown.body.status).toBe('READY');
      const phases = (shown.body.currentRun as { phases: Phase[] }).phases;
      expect(phases.map((p) => [p.phase, p.status, p.reason ?? ''])).toEqual([
        ['terraform', 'SKIPPED', 'shared cluster'],
        ['ansible', 'SKIPPED', 'shared cluster'],
        ['argocd-bootstrap', 'SUCCEEDED', ''],
      ]);
      expect(phases[0]?.handedOnFrom).toBe(cluster.runId);
    }

    const view = await api.call('get-cluster', { identity: PLATFORM_ADMIN, path: { cluster: cluster.name } });
    expect(view.body.capacity).toEqual({
      allocatable: { cpu: '9460m', memory: '40061Mi', pods: 290 },
      limit: { cpu: '9460m', memory: '40061Mi', pods: 290 },
      granted: { cpu: '4', memory: '8Gi', pods: 40 },
      available: { cpu: '5460m', memory: '31869Mi', pods: 250 },
      overcommit: { cpu: 1, memory: 1 },
    });
    expect((view.body.tenants as { organization: string }[]).map((t) => t.organization).sort()).toEqual(
      [acme, globex].sort(),
    );
    const listed = await api.call('list-clusters', { identity: PLATFORM_ADMIN, path: {} });
    expect((listed.body.items as { cluster: string }[]).map((c) => c.cluster)).toContain(cluster.name);
  });

  it('refuses a placement over the capacity or over the organization ceiling, naming the resource, writing nothing', async () => {
    const cluster = await registerCluster();
    const org = await createOrganization(api, freshName('big'), {
      displayName: 'Big',
      quota: { cpu: '64', memory: '128Gi', pods: 600 },
      maxEnvironments: 5,
    });
    const before = await api.scan();
    const tooBig = await place(cluster.name, org, 'prod', tenantSpec(cluster.name, org, '10', '8Gi', 20));
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error?.code).toBe('capacity.exceeded');
    expect(tooBig.body.error?.details).toEqual([
      expect.objectContaining({
        field: 'quota.cpu',
        resource: 'cpu',
        requested: '10000m',
        available: '9460m',
        // One unit on both sides: not "requests 10 cpu; … has 9460m available".
        message: `quota.cpu: ${org}/prod requests 10000m cpu; cluster ${cluster.name} has 9460m available`,
      }),
    ]);
    expect(await api.scan()).toEqual(before);
    const small = await createOrganization(api, freshName('small'), {
      displayName: 'Small',
      quota: { cpu: '1', memory: '64Gi', pods: 300 },
      maxEnvironments: 5,
    });
    const beforeCeiling = await api.scan();
    const overCeiling = await place(cluster.name, small);
    expect(overCeiling.status).toBe(422);
    expect(overCeiling.body.error?.code).toBe('quota.exceeded');
    expect(await api.scan()).toEqual(beforeCeiling);
  });

  it('overcommit raises what tenants may be granted; a shape below the grants is refused', async () => {
    const cluster = await registerCluster(freshName('over'), clusterSpec(3, { cpu: 2, memory: 1 }));
    const org = await createOrganization(api, freshName('burst'), {
      displayName: 'Burst',
      quota: { cpu: '64', memory: '128Gi', pods: 600 },
      maxEnvironments: 5,
    });
    const placed = await place(cluster.name, org, 'prod', tenantSpec(cluster.name, org, '12', '8Gi', 20));
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    await api.starter.settled();
    const before = await api.scan();
    const shrink = await api.call('put-cluster', {
      identity: PLATFORM_ADMIN,
      path: { cluster: cluster.name },
      body: clusterSpec(3),
    });
    expect(shrink.status).toBe(422);
    expect(shrink.body.error?.code).toBe('capacity.exceeded');
    expect(shrink.body.error?.details).toEqual([
      expect.objectContaining({ resource: 'cpu', requested: '12000m', available: '9460m' }),
    ]);
    expect(await api.scan()).toEqual(before);
  });

  it('refuses to tear down a cluster with tenants (409 naming them); a tenant leaves with its ArgoCD teardown alone', async () => {
    const cluster = await registerCluster();
    const org = await createOrganization(api, freshName('leave'));
    expect((await place(cluster.name, org)).status).toBe(202);
    await api.starter.settled();
    const before = await api.scan();
    const refused = await api.call('delete-cluster', {
      identity: PLATFORM_ADMIN,
      path: { cluster: cluster.name },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.details).toEqual({ tenants: [`${org}/prod`] });
    expect(await api.scan()).toEqual(before);

    const builds = new FakeBuilds();
    api.starter.builds = builds;
    const leave = await api.call('delete-environment', {
      identity: member('org-admin', org),
      path: { org, env: 'prod' },
    });
    expect(leave.status, JSON.stringify(leave.body)).toBe(202);
    const [execution] = (await api.starter.settled()).slice(-1);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(builds.calls.map((call) => [call.phase, call.buildspec])).toEqual([
      ['argocd-bootstrap', 'buildspecs/teardown/argocd-bootstrap.yml'],
    ]);
    expect((await api.repository.getEnvironment(org, 'prod'))?.status).toBe('DELETED');
    // A tenant's workloads group is Fluent Bit's, not its Terraform's: it outlives the teardown.
    const left = await api.call('get-environment', {
      identity: member('viewer', org),
      path: { org, env: 'prod' },
    });
    expect(left.body.logs).toMatchObject({ logGroup: `/slipway/${org}/prod/workloads` });
    const view = await api.call('get-cluster', { identity: PLATFORM_ADMIN, path: { cluster: cluster.name } });
    expect(view.body.tenants).toEqual([]);
    expect(view.body.tenantRuns).toEqual([]);

    const teardown = await api.call('delete-cluster', {
      identity: PLATFORM_ADMIN,
      path: { cluster: cluster.name },
    });
    expect(teardown.status, JSON.stringify(teardown.body)).toBe(202);
    await api.starter.settled();
    expect((await api.repository.getEnvironment('cluster', cluster.name))?.status).toBe('DELETED');
    // Listed as DELETED, with no capacity left to grant (its nodes are gone).
    const deleted = await api.call('get-cluster', {
      identity: PLATFORM_ADMIN,
      path: { cluster: cluster.name },
    });
    expect(deleted.body.status).toBe('DELETED');
    expect(deleted.body).not.toHaveProperty('capacity');
    const listed = await api.call('list-clusters', {
      identity: PLATFORM_ADMIN,
      path: {},
      query: { limit: '100' },
    });
    const entry = (listed.body.items as { cluster: string }[]).find((item) => item.cluster === cluster.name);
    expect(entry).toMatchObject({ status: 'DELETED', tenants: [] });
    expect(entry).not.toHaveProperty('capacity');
  });

  it('never overlaps a cluster run and a tenant run: the later one is refused with 409 naming the other', async () => {
    const cluster = await registerCluster();
    const org = await createOrganization(api, freshName('race'));
    let release = () => {};
    api.starter.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tenant = await place(cluster.name, org);
    expect(tenant.status).toBe(202);
    const change = await api.call('put-cluster', {
      identity: PLATFORM_ADMIN,
      path: { cluster: cluster.name },
      body: clusterSpec(4),
    });
    expect(change.status).toBe(409);
    expect(change.body.error?.code).toBe('conflict.busy');
    expect(change.body.error?.message).toContain(String(tenant.body.runId));
    release();
    api.starter.hold = undefined;
    await api.starter.settled();

    api.starter.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const clusterRun = await api.call('put-cluster', {
      identity: PLATFORM_ADMIN,
      path: { cluster: cluster.name },
      body: clusterSpec(4),
    });
    expect(clusterRun.status).toBe(202);
    const other = await createOrganization(api, freshName('late'));
    const before = await api.scan();
    const late = await place(cluster.name, other);
    expect(late.status).toBe(409);
    expect(late.body.error?.details).toEqual({ activeRunId: clusterRun.body.runId, cluster: cluster.name });
    expect(await api.scan()).toEqual(before);
    release();
    api.starter.hold = undefined;
    await api.starter.settled();
  });

  it('of two racing placements that fit only one at a time, exactly one is granted', async () => {
    const cluster = await registerCluster(freshName('tight'), clusterSpec(1));
    // 1 worker: 3820m − 2000m platform = 1820m CPU for tenants.
    const orgs = await Promise.all([1, 2].map(() => createOrganization(api, freshName('racer'))));
    const responses = await Promise.all(
      orgs.map((org) => place(cluster.name, org, 'prod', tenantSpec(cluster.name, org, '1', '1Gi', 10))),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([202, 422]);
    await api.starter.settled();
    const view = await api.call('get-cluster', { identity: PLATFORM_ADMIN, path: { cluster: cluster.name } });
    expect((view.body.capacity as { granted: { cpu: string } }).granted.cpu).toBe('1');
  });

  it('two placements that both fit are both granted and listed, while one is still taking its lock and after both runs end', async () => {
    const cluster = await registerCluster();
    const [first, second] = await Promise.all([1, 2].map(() => createOrganization(api, freshName('pair'))));
    if (!first || !second) throw new Error('two organizations expected');
    // The first placement enters the cluster, then waits before its lock (which creates its
    // environment) until the second one has been placed: the window where its grant is pending.
    const held = holdStartRun(first);
    try {
      const firstPlaced = place(cluster.name, first);
      await held.entered;
      const secondPlaced = await place(cluster.name, second);
      expect(secondPlaced.status, JSON.stringify(secondPlaced.body)).toBe(202);
      held.release();
      expect((await firstPlaced).status).toBe(202);
    } finally {
      held.restore();
    }
    const during = await api.repository.getCluster(cluster.name);
    expect(Object.keys(during?.tenants ?? {}).sort()).toEqual([`${first}/prod`, `${second}/prod`].sort());
    await api.starter.settled();
    const view = await api.call('get-cluster', { identity: PLATFORM_ADMIN, path: { cluster: cluster.name } });
    expect((view.body.tenants as { organization: string }[]).map((t) => t.organization).sort()).toEqual(
      [first, second].sort(),
    );
    expect((view.body.capacity as { granted: unknown }).granted).toEqual({
      cpu: '4',
      memory: '8Gi',
      pods: 40,
    });
    expect(view.body.tenantRuns).toEqual([]);
  });

  it('refuses a placement whose namespace is that of a tenant still taking its first lock, writing nothing of it', async () => {
    const cluster = await registerCluster();
    // Organization x env b-c and organization x-b env c both spell namespace x-b-c-web.
    const first = await createOrganization(api, freshName('clash'));
    const second = await createOrganization(api, `${first}-b`);
    const held = holdStartRun(first);
    try {
      const firstPlaced = place(cluster.name, first, 'b-c');
      await held.entered;
      const clash = await place(cluster.name, second, 'c');
      expect(clash.status, JSON.stringify(clash.body)).toBe(409);
      expect(clash.body.error?.message).toContain(`namespace ${first}-b-c-web is already ${first}/b-c's`);
      held.release();
      expect((await firstPlaced).status).toBe(202);
    } finally {
      held.restore();
    }
    await api.starter.settled();
    expect(await api.repository.getEnvironment(second, 'c')).toBeUndefined();
    const state = await api.repository.getCluster(cluster.name);
    expect(Object.keys(state?.tenants ?? {})).toEqual([`${first}/b-c`]);
  });

  it('after a cluster upgrade, shows its tenants stale until a re-PUT of their spec runs their ArgoCD part', async () => {
    const cluster = await registerCluster();
    const org = await createOrganization(api, freshName('stale'));
    expect((await place(cluster.name, org)).status).toBe(202);
    await api.starter.settled();
    const staleness = async () => {
      const view = await api.call('get-cluster', {
        identity: PLATFORM_ADMIN,
        path: { cluster: cluster.name },
      });
      return (view.body.tenants as { organization: string; stale: boolean }[]).map((t) => [
        t.organization,
        t.stale,
      ]);
    };
    expect(await staleness()).toEqual([[org, false]]);

    const builds = new FakeBuilds();
    api.starter.builds = builds;
    const upgrade = await api.call('put-cluster', {
      identity: PLATFORM_ADMIN,
      path: { cluster: cluster.name },
      body: { ...clusterSpec(), kubernetesVersion: '1.31', ciliumVersion: '1.17' },
    });
    expect(upgrade.status, JSON.stringify(upgrade.body)).toBe(202);
    await api.starter.settled();
    expect(builds.calls.map((call) => call.phase)).toEqual(['ansible', 'argocd-bootstrap']);
    expect(await staleness()).toEqual([[org, true]]);

    const refresh = await place(cluster.name, org);
    expect(refresh.status, JSON.stringify(refresh.body)).toBe(202);
    expect((refresh.body.plan as { startAt: string }).startAt).toBe('argocd-bootstrap');
    await api.starter.settled();
    const tenant = await api.repository.getEnvironment(org, 'prod');
    expect(tenant?.spec).toMatchObject({ kubernetesVersion: '1.31', ciliumVersion: '1.17' });
    expect(await staleness()).toEqual([[org, false]]);
  });

  it("lists a cluster's own alerts to the platform only, a page at a time; a tenant's alerts stay its organization's", async () => {
    const cluster = await registerCluster();
    const org = await createOrganization(api, freshName('alerted'));
    const alert = (organization: string, environment: string, summary: string, minute: number) =>
      createAlert({
        kind: 'phase.failed',
        severity: 'critical',
        organization,
        environment,
        summary,
        detail: summary,
        links: [],
        occurredAt: `2026-12-02T01:0${minute}:00.000Z`,
        dedupKey: `${organization}/${environment}/${summary}`,
      });
    for (const recorded of [
      alert('cluster', cluster.name, 'cluster ansible failed', 1),
      alert('cluster', cluster.name, 'cluster argocd failed', 2),
      alert('cluster', `${cluster.name}-other`, 'another cluster failed', 3),
      alert(org, 'prod', 'tenant sync failed', 4),
    ]) {
      await api.repository.recordAlert(recorded);
    }
    const path = { cluster: cluster.name };
    const first = await api.call('list-cluster-alerts', {
      identity: PLATFORM_ADMIN,
      path,
      query: { limit: '1' },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect((first.body.items as { summary: string }[]).map((a) => a.summary)).toEqual([
      'cluster argocd failed',
    ]);
    const second = await api.call('list-cluster-alerts', {
      identity: PLATFORM_ADMIN,
      path,
      query: { limit: '1', cursor: String(first.body.cursor) },
    });
    expect(second.body.items as { summary: string; organization: string; environment: string }[]).toEqual([
      expect.objectContaining({
        summary: 'cluster ansible failed',
        organization: 'cluster',
        environment: cluster.name,
      }),
    ]);
    const all = await api.call('list-cluster-alerts', { identity: PLATFORM_ADMIN, path });
    expect((all.body.items as { summary: string }[]).map((a) => a.summary)).toEqual([
      'cluster argocd failed',
      'cluster ansible failed',
    ]);
    // Tenants: their own alerts on their organization, none of the cluster's, no way to the cluster's.
    const own = await api.call('list-alerts', { identity: member('org-admin', org), path: { org } });
    expect((own.body.items as { summary: string }[]).map((a) => a.summary)).toEqual(['tenant sync failed']);
    const refused = await api.call('list-cluster-alerts', { identity: member('org-admin', org), path });
    expect(refused.status).toBe(403);
    const claimed = await api.call('list-alerts', {
      identity: member('org-admin', 'cluster'),
      path: { org: 'cluster' },
    });
    expect(claimed.status).toBe(404);
    const unknown = await api.call('list-cluster-alerts', {
      identity: PLATFORM_ADMIN,
      path: { cluster: `${cluster.name}-other` },
    });
    expect(unknown.status).toBe(404);
  });

  it('reserves the organization name cluster and keeps cluster runs off the environment routes', async () => {
    const reserved = await api.call('put-organization', {
      identity: PLATFORM_ADMIN,
      path: { org: 'cluster' },
      body: { displayName: 'X', quota: { cpu: '1', memory: '1Gi', pods: 1 }, maxEnvironments: 1 },
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error?.details).toEqual([expect.objectContaining({ field: 'org' })]);
    const forbidden = await api.call('put-cluster', {
      identity: member('org-admin', 'acme'),
      path: { cluster: 'x' },
      body: clusterSpec(),
    });
    expect(forbidden.status).toBe(403);
  });

  it('refuses PUT, DELETE and resume on cluster/<name> with 400 use /v1/clusters, before reading the body, writing nothing', async () => {
    const cluster = await registerCluster();
    const before = await api.scan();
    const writes = api.apiWrites.length;
    const path = { org: 'cluster', env: cluster.name };
    const { namespaces: _n, gitops: _g, ...dedicated } = validSpec('prod');
    // A cluster-shaped body (what `slipway provision cluster/<name> -f cluster.yaml` sends), an
    // environment's, a tenant placement's and garbage: the route answers, whatever the body.
    for (const body of [
      clusterSpec(),
      validSpec('prod'),
      tenantSpec(cluster.name, 'acme'),
      dedicated,
      { tier: 1 },
    ]) {
      const put = await api.call('put-environment', { identity: PLATFORM_ADMIN, path, body });
      expect(put.status, JSON.stringify(put.body)).toBe(400);
      expect(put.body.error?.code).toBe('validation.failed');
      expect(put.body.error?.details).toEqual([
        { field: 'org', message: expect.stringContaining('/v1/clusters/{cluster}') },
      ]);
    }
    const removed = await api.call('delete-environment', { identity: PLATFORM_ADMIN, path });
    expect(removed.status).toBe(400);
    expect(removed.body.error?.details).toEqual([expect.objectContaining({ field: 'org' })]);
    const resumed = await api.call('post-run', {
      identity: PLATFORM_ADMIN,
      path,
      body: { action: 'resume' },
    });
    expect(resumed.status).toBe(400);
    expect(resumed.body.error?.details).toEqual([expect.objectContaining({ field: 'org' })]);
    expect(api.apiWrites.length).toBe(writes);
    expect(await api.scan()).toEqual(before);
    // Reads stay open: the cluster is an environment of `cluster` on GET.
    const shown = await api.call('get-environment', { identity: PLATFORM_ADMIN, path });
    expect(shown.status).toBe(200);
  });
});

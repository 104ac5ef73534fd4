/**
 * POST /v1/clusters/{cluster}/hooks/argocd|alertmanager with API Gateway v2 events, against
 * dynalite, the synthesized workflow (fake builds) and the SNS wire protocol: a shared cluster with
 * two tenants of two organizations; each event goes to the tenant owning its namespace (recorded
 * on that tenant's environment, alerted under that organization), one about a namespace of no
 * tenant is refused and counted as unrouted, another cluster's (or a tenant environment's) token is
 * refused 401, and nothing is recorded or published on a refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticHookSecrets } from '../../../functions/adapters/secrets/hook-secrets.js';
import { createAlertPublisher } from '../../../functions/adapters/sns/alert-publisher.js';
import {
  clusterTokenSubject,
  deriveHookToken,
  environmentTokenSubject,
} from '../../../functions/domain/hook-token.js';
import { CLUSTER_HOOK_ROUTES } from '../../../functions/handlers/api/routes.js';
import { makeSharedClusterAlertmanagerHook } from '../../../functions/handlers/hooks/alertmanager.js';
import { makeSharedClusterArgocdHook } from '../../../functions/handlers/hooks/argocd.js';
import { apiEvent, routeById } from '../../support/api-events.js';
import { createOrganization, freshName, member, PLATFORM_ADMIN } from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';
import { validSpec } from '../../support/fixtures.js';
import { TOPIC_ARN } from '../../support/workflow-harness.js';
import { metricsRecorder } from './hook-test-support.js';

const ARGO_SECRET = 'argocd-hook-secret-shared';
const AM_SECRET = 'alertmanager-hook-secret-shared';
const ARGO_ROUTE = routeById(CLUSTER_HOOK_ROUTES, 'cluster-argocd-hook');
const AM_ROUTE = routeById(CLUSTER_HOOK_ROUTES, 'cluster-alertmanager-hook');

let api: ApiHarness;
let cluster: string;
let acme: string;
let globex: string;
const metrics: string[] = [];
let argocd: ReturnType<typeof makeSharedClusterArgocdHook>;
let alertmanager: ReturnType<typeof makeSharedClusterAlertmanagerHook>;

function clusterSpec() {
  const { namespaces: _n, gitops: _g, ...dedicated } = validSpec('prod');
  return {
    ...dedicated,
    cluster: { ...dedicated.cluster, workers: { count: 3, instanceType: 'm6i.xlarge' } },
  };
}

const tenantSpec = (organization: string) => ({
  tier: 'prod',
  sharedCluster: cluster,
  namespaces: [{ name: 'web', quota: { cpu: '2', memory: '4Gi', pods: 20 } }],
  gitops: {
    repository: 'https://github.com/acme/platform-gitops.git',
    branch: 'main',
    path: `tenants/${organization}`,
  },
});

beforeAll(async () => {
  api = await startApiHarness();
  cluster = freshName('shared');
  const registered = await api.call('put-cluster', {
    identity: PLATFORM_ADMIN,
    path: { cluster },
    body: clusterSpec(),
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(202);
  await api.starter.settled();
  acme = await createOrganization(api, freshName('acme'));
  globex = await createOrganization(api, freshName('globex'));
  for (const organization of [acme, globex]) {
    const placed = await api.call('put-environment', {
      identity: member('org-admin', organization),
      path: { org: organization, env: 'prod' },
      body: tenantSpec(organization),
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
  }
  await api.starter.settled();
  const deps = {
    repository: api.repository,
    publisher: createAlertPublisher({ client: api.workflow.sns.client, topicArn: TOPIC_ARN }),
    secrets: staticHookSecrets({ argocd: ARGO_SECRET, alertmanager: AM_SECRET }),
    metrics: metricsRecorder(metrics),
  };
  argocd = makeSharedClusterArgocdHook(deps);
  alertmanager = makeSharedClusterAlertmanagerHook(deps);
});
afterAll(() => api?.stop());

const argoToken = (name = cluster, secret = ARGO_SECRET) =>
  deriveHookToken(secret, clusterTokenSubject(name));
const amBearer = (name = cluster) => ({
  authorization: `Bearer ${deriveHookToken(AM_SECRET, clusterTokenSubject(name))}`,
});

/** The body the app-sync-failed template renders on a shared cluster (context: cluster/<name>). */
function notification(organization: string, overrides: Record<string, unknown> = {}) {
  const app = `${organization}-prod-web`;
  return {
    event: 'sync.failed',
    organization: 'cluster',
    environment: cluster,
    app,
    project: organization,
    namespace: app,
    syncStatus: 'OutOfSync',
    healthStatus: 'Progressing',
    phase: 'Failed',
    message: 'one or more objects failed to apply',
    revision: '0123456789abcdef0123456789abcdef01234567',
    finishedAt: '2026-12-02T00:30:00Z',
    url: `https://argocd-server.argocd.svc/applications/argocd/${app}`,
    ...overrides,
  };
}

function quotaPayload(namespace: string, fingerprint: string) {
  return {
    version: '4',
    groupKey: '{}:{alertname="KubeQuotaExceeded"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'slipway',
    groupLabels: { alertname: 'KubeQuotaExceeded' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'KubeQuotaExceeded',
          namespace,
          resource: 'requests.memory',
          resourcequota: 'web-quota',
          severity: 'warning',
        },
        annotations: {
          description: `Namespace ${namespace} is using 112% of its requests.memory quota.`,
          runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubequotaexceeded',
        },
        startsAt: '2026-12-02T00:20:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint,
      },
    ],
  };
}

const postArgo = (body: unknown, headers: Record<string, string>, name = cluster) =>
  argocd(apiEvent(ARGO_ROUTE, { identity: null, path: { cluster: name }, headers, body }));
const postAm = (body: unknown, headers: Record<string, string>, name = cluster) =>
  alertmanager(apiEvent(AM_ROUTE, { identity: null, path: { cluster: name }, headers, body }));

async function tenantView(organization: string) {
  const response = await api.call('get-environment', {
    identity: member('viewer', organization),
    path: { org: organization, env: 'prod' },
  });
  return response.body as {
    cluster?: { applications?: Record<string, unknown>; alerts?: Record<string, unknown> };
  };
}

async function alertsOf(organization: string) {
  const response = await api.call('list-alerts', {
    identity: member('viewer', organization),
    path: { org: organization },
  });
  expect(response.status).toBe(200);
  return response.body.items as Array<{ kind: string; organization: string; environment: string }>;
}

describe('shared cluster hooks', () => {
  it('routes an Argo CD sync failure to the tenant owning the namespace: recorded and alerted there only', async () => {
    const response = await postArgo(notification(globex), { 'x-slipway-token': argoToken() });
    expect(response.statusCode, response.body).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ accepted: 1 });
    expect((await tenantView(globex)).cluster?.applications?.[`${globex}-prod-web`]).toMatchObject({
      syncStatus: 'OutOfSync',
      phase: 'Failed',
    });
    expect((await tenantView(acme)).cluster?.applications?.[`${globex}-prod-web`]).toBeUndefined();
    expect((await alertsOf(globex)).map((alert) => alert.kind)).toContain('sync.failed');
    expect(await alertsOf(acme)).toEqual([]);
    const published = api.workflow.sns.publishes.filter((p) => p.message.includes(`${globex}-prod-web`));
    expect(published).toHaveLength(1);
    expect(published[0]?.message).toContain(`${globex}/prod`);
  });

  it('routes an Alertmanager quota breach to the tenant owning the namespace', async () => {
    const response = await postAm(quotaPayload(`${acme}-prod-web`, 'feedfacecafe0001'), amBearer());
    expect(response.statusCode, response.body).toBe(202);
    expect((await tenantView(acme)).cluster?.alerts?.feedfacecafe0001).toBeDefined();
    expect((await tenantView(globex)).cluster?.alerts?.feedfacecafe0001).toBeUndefined();
    expect((await alertsOf(acme)).map((alert) => alert.kind)).toContain('quota.exceeded');
    expect((await alertsOf(globex)).map((alert) => alert.kind)).not.toContain('quota.exceeded');
  });

  it('refuses another cluster’s token, a tenant environment’s token and none (401), and a namespace of no tenant (403, counted as unrouted), recording nothing', async () => {
    const before = await api.scan();
    const publishes = api.workflow.sns.publishes.length;
    const marks = metrics.length;
    const tenantToken = deriveHookToken(ARGO_SECRET, environmentTokenSubject(acme, 'prod'));
    const refusals = [
      await postArgo(notification(acme), { 'x-slipway-token': argoToken(freshName('other')) }),
      await postArgo(notification(acme), { 'x-slipway-token': tenantToken }),
      await postArgo(notification(acme), {}),
      await postAm(quotaPayload(`${acme}-prod-web`, 'feedfacecafe0002'), amBearer(freshName('other'))),
    ];
    expect(refusals.map((r) => r.statusCode)).toEqual([401, 401, 401, 401]);
    // The right token, but a namespace no tenant of this cluster declares (an unknown org, or a
    // tenant's undeclared namespace): refused, counted, not recorded on anyone.
    const stranger = `${freshName('initech')}-prod-web`;
    const unrouted = [
      await postArgo(notification(acme, { app: stranger, namespace: stranger }), {
        'x-slipway-token': argoToken(),
      }),
      await postAm(quotaPayload(`${acme}-prod-api`, 'feedfacecafe0003'), amBearer()),
    ];
    expect(unrouted.map((r) => r.statusCode)).toEqual([403, 403]);
    expect(JSON.parse(unrouted[0]?.body ?? '{}').error.message).toContain('belongs to no tenant');
    // One payload about two tenants' namespaces: refused whole.
    const both = quotaPayload(`${acme}-prod-web`, 'feedfacecafe0004');
    both.alerts.push(...quotaPayload(`${globex}-prod-web`, 'feedfacecafe0005').alerts);
    expect((await postAm(both, amBearer())).statusCode).toBe(403);

    expect(await api.scan()).toEqual(before);
    expect(api.workflow.sns.publishes.length).toBe(publishes);
    const counted = metrics.slice(marks);
    expect(counted.filter((name) => name === 'HookRefused')).toHaveLength(4);
    expect(counted.filter((name) => name === 'UnroutedClusterEvents')).toHaveLength(2);
    expect(counted.filter((name) => name === 'ClusterEventsForeign')).toHaveLength(1);
  });

  it('refuses a tenant-routed Argo CD event whose context names another organization (403)', async () => {
    const before = await api.scan();
    const response = await postArgo(notification(acme, { organization: globex, environment: 'prod' }), {
      'x-slipway-token': argoToken(),
    });
    expect(response.statusCode).toBe(403);
    expect(await api.scan()).toEqual(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticHookSecrets } from '../../../functions/adapters/secrets/hook-secrets.js';
import { createAlertPublisher } from '../../../functions/adapters/sns/alert-publisher.js';
import { deriveHookToken, environmentTokenSubject } from '../../../functions/domain/hook-token.js';
import { CLUSTER_HOOK_ROUTES } from '../../../functions/handlers/api/routes.js';
import { makeArgocdHook } from '../../../functions/handlers/hooks/argocd.js';
import { apiEvent, routeById } from '../../support/api-events.js';
import { createOrganization, freshName, member, provision } from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';
import { TOPIC_ARN } from '../../support/workflow-harness.js';
import { metricsRecorder } from './hook-test-support.js';

/*
 * POST /v1/hooks/argocd/{org}/{env} with API Gateway v2 events carrying the body Slipway's Argo CD
 * template renders (gitops/kubernetes/argocd/components/slipway/argocd-notifications-cm.yaml),
 * against dynalite and the SNS wire protocol (test/support/fake-sns.ts).
 */
const SECRET = 'argocd-hook-secret-current';
const PREVIOUS = 'argocd-hook-secret-previous';
const ROUTE = routeById(CLUSTER_HOOK_ROUTES, 'argocd-hook');

let api: ApiHarness;
let organization: string;
const environment = 'prod';
const metrics: string[] = [];
let hook: ReturnType<typeof makeArgocdHook>;

beforeAll(async () => {
  api = await startApiHarness();
  organization = await createOrganization(api, freshName('argo'));
  await provision(api, organization, environment);
  hook = makeArgocdHook({
    repository: api.workflow.repository,
    publisher: createAlertPublisher({ client: api.workflow.sns.client, topicArn: TOPIC_ARN }),
    secrets: staticHookSecrets({ argocd: [SECRET, PREVIOUS] }),
    metrics: metricsRecorder(metrics),
  });
});
afterAll(() => api.stop());

const tokenOf = (org: string, env: string, secret = SECRET) =>
  deriveHookToken(secret, environmentTokenSubject(org, env));

/** The body the app-sync-failed / app-health-degraded templates render. */
function notification(overrides: Record<string, unknown> = {}) {
  const app = `${organization}-${environment}-payments`;
  return {
    event: 'sync.failed',
    organization,
    environment,
    app,
    project: organization,
    namespace: app,
    syncStatus: 'OutOfSync',
    healthStatus: 'Progressing',
    phase: 'Failed',
    message:
      'one or more objects failed to apply, reason: Deployment.apps "api" is invalid: "quotes" and \\ are kept',
    revision: 'f1d2d2f924e986ac86fdf7b36c94bcdf32beec15',
    finishedAt: '2026-12-01T22:00:00Z',
    url: `https://argocd-server.argocd.svc/applications/argocd/${app}`,
    ...overrides,
  };
}

function post(
  body: unknown,
  headers: Record<string, string>,
  path = { org: organization, env: environment },
) {
  return hook(apiEvent(ROUTE, { identity: null, path, headers, body }));
}

const publishedFor = (app: string) =>
  api.workflow.sns.publishes.filter(
    (publish) => publish.message.includes(`"${app}`) || publish.message.includes(app),
  );

async function environmentView() {
  const response = await api.call('get-environment', {
    identity: member('viewer', organization),
    path: { org: organization, env: environment },
  });
  return response.body as {
    cluster?: { applications: Record<string, Record<string, unknown>>; unrouted: Record<string, unknown> };
  };
}

describe('argocd hook: tokens', () => {
  it('refuses a missing, a wrong and another environment’s token (401), and a valid one about another organization (403), recording nothing', async () => {
    const stranger = await createOrganization(api, freshName('other'));
    const before = await api.scan();
    const publishes = api.workflow.sns.publishes.length;
    const cases: Array<{ headers: Record<string, string>; body?: unknown; status: number }> = [
      { headers: {}, status: 401 },
      { headers: { 'x-slipway-token': 'not-the-token' }, status: 401 },
      { headers: { 'x-slipway-token': tokenOf(organization, 'staging') }, status: 401 },
      {
        headers: { 'x-slipway-token': tokenOf(organization, environment, 'some-other-secret') },
        status: 401,
      },
      // This environment's own token, but the event is about another organization's namespace.
      {
        headers: { 'x-slipway-token': tokenOf(organization, environment) },
        body: notification({
          app: `${stranger}-prod-web`,
          namespace: `${stranger}-prod-web`,
          project: stranger,
        }),
        status: 403,
      },
      // … or names another organization in its context.
      {
        headers: { 'x-slipway-token': tokenOf(organization, environment) },
        body: notification({ organization: stranger }),
        status: 403,
      },
    ];
    for (const { headers, body, status } of cases) {
      const response = await post(body ?? notification(), headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(status);
    }
    expect(await api.scan()).toEqual(before);
    expect(api.workflow.sns.publishes.length).toBe(publishes);
    expect(metrics.filter((name) => name === 'HookRefused')).toHaveLength(4);
    expect(metrics.filter((name) => name === 'ClusterEventsForeign')).toHaveLength(2);
  });

  it('refuses a valid token replayed with a modified body about another environment (403), recording nothing', async () => {
    const before = await api.scan();
    const response = await post(
      notification({
        app: `${organization}-staging-payments`,
        namespace: `${organization}-staging-payments`,
      }),
      { 'x-slipway-token': tokenOf(organization, environment) },
    );
    expect(response.statusCode).toBe(403);
    expect(await api.scan()).toEqual(before);
  });

  it('accepts Basic auth with the token as password, and the token of the previous secret during a rotation', async () => {
    const basic = (token: string) => `Basic ${Buffer.from(`argocd:${token}`).toString('base64')}`;
    const healthy = notification({
      event: 'app.synced-healthy',
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
      phase: 'Succeeded',
      revision: 'aaaa',
    });
    expect(
      (await post(healthy, { authorization: basic(tokenOf(organization, environment)) })).statusCode,
    ).toBe(202);
    expect(
      (await post(healthy, { 'x-slipway-token': tokenOf(organization, environment, PREVIOUS) })).statusCode,
    ).toBe(202);
  });

  it('refuses a malformed body with 400 naming the field', async () => {
    const response = await post(
      { event: 'sync.failed' },
      { 'x-slipway-token': tokenOf(organization, environment) },
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({
      error: { code: 'validation.failed', details: [{ field: 'body.app' }] },
    });
    expect(
      (await post('{not json', { 'x-slipway-token': tokenOf(organization, environment) })).statusCode,
    ).toBe(400);
  });
});

describe('argocd hook: sync status and alerts', () => {
  const headers = () => ({ 'x-slipway-token': tokenOf(organization, environment) });

  it('records a sync failure on the environment and publishes one sync.failed alert per revision', async () => {
    const app = `${organization}-${environment}-payments`;
    const before = publishedFor(app).length;
    const first = await post(notification(), headers());
    const again = await post(notification(), headers());
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    const published = publishedFor(app).slice(before);
    expect(published).toHaveLength(1);
    expect(published[0]?.attributes).toMatchObject({
      kind: { value: 'sync.failed' },
      severity: { value: 'warning' },
      organization: { value: organization },
      environment: { value: environment },
    });
    const message = JSON.parse(published[0]?.message ?? '{}');
    expect(message.detail).toContain('"quotes" and \\ are kept');
    expect(message.links).toEqual([{ label: 'Argo CD application', url: expect.stringContaining(app) }]);
    const view = await environmentView();
    expect(view.cluster?.applications[app]).toMatchObject({
      syncStatus: 'OutOfSync',
      phase: 'Failed',
      revision: 'f1d2d2f924e986ac86fdf7b36c94bcdf32beec15',
    });
    expect(view.cluster?.applications[app]).not.toHaveProperty('failing');

    // Another revision fails: a new alert.
    await post(notification({ revision: 'b'.repeat(40) }), headers());
    expect(publishedFor(app).slice(before)).toHaveLength(2);
  });

  it('publishes sync.recovered and health.recovered once when the application is Synced and Healthy again', async () => {
    const app = `${organization}-${environment}-payments`;
    await post(
      notification({
        event: 'health.degraded',
        healthStatus: 'Degraded',
        phase: 'Succeeded',
        syncStatus: 'Synced',
        revision: 'c'.repeat(40),
      }),
      headers(),
    );
    await post(notification({ revision: 'c'.repeat(40) }), headers());
    const before = publishedFor(app).length;
    const healthy = notification({
      event: 'app.synced-healthy',
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
      phase: 'Succeeded',
      revision: 'c'.repeat(40),
    });
    await post(healthy, headers());
    await post(healthy, headers());
    const kinds = publishedFor(app)
      .slice(before)
      .map((publish) => publish.attributes.kind?.value)
      .sort();
    expect(kinds).toEqual(['health.recovered', 'sync.recovered']);
    expect((await environmentView()).cluster?.applications[app]).toMatchObject({
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
    });
    const alerts = await api.call('list-alerts', {
      identity: member('viewer', organization),
      path: { org: organization },
    });
    expect(
      (alerts.body.items as Array<{ kind: string; delivery: { status: string } }>).every(
        (alert) => alert.delivery.status === 'delivered',
      ),
    ).toBe(true);
  });

  it('accepts platform applications and records an unknown application of this environment as unrouted', async () => {
    const platform = notification({
      app: 'kube-prometheus-stack',
      project: 'slipway-platform',
      namespace: 'monitoring',
      revision: 'd'.repeat(40),
    });
    expect((await post(platform, headers())).statusCode).toBe(202);
    expect(publishedFor('kube-prometheus-stack')).toHaveLength(1);
    const removed = `${organization}-${environment}-removed`;
    const unknown = await post(notification({ app: removed, namespace: removed }), headers());
    expect(unknown.statusCode).toBe(202);
    expect(JSON.parse(unknown.body)).toMatchObject({ unrouted: 1, accepted: 0 });
    expect((await environmentView()).cluster?.unrouted[`argocd:${removed}`]).toMatchObject({
      source: 'argocd',
      application: removed,
    });
    expect(metrics).toContain('UnroutedClusterEvents');
  });
});

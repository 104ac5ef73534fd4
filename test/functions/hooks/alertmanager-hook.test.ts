import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticHookSecrets } from '../../../functions/adapters/secrets/hook-secrets.js';
import { createAlertPublisher } from '../../../functions/adapters/sns/alert-publisher.js';
import { deriveHookToken, environmentTokenSubject } from '../../../functions/domain/hook-token.js';
import { CLUSTER_HOOK_ROUTES } from '../../../functions/handlers/api/routes.js';
import { makeAlertmanagerHook } from '../../../functions/handlers/hooks/alertmanager.js';
import { apiEvent, routeById } from '../../support/api-events.js';
import { createOrganization, freshName, member, provision } from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';
import { TOPIC_ARN } from '../../support/workflow-harness.js';
import { metricsRecorder } from './hook-test-support.js';

/*
 * POST /v1/hooks/alertmanager/{org}/{env}: Alertmanager webhook payloads (version 4, as
 * kube-prometheus-stack's Alertmanager sends them for the kubernetes-mixin alerts), API Gateway v2
 * events, dynalite, the SNS wire protocol.
 */
const SECRET = 'alertmanager-hook-secret';
const ROUTE = routeById(CLUSTER_HOOK_ROUTES, 'alertmanager-hook');

let api: ApiHarness;
let organization: string;
const environment = 'prod';
const metrics: string[] = [];
let hook: ReturnType<typeof makeAlertmanagerHook>;

beforeAll(async () => {
  api = await startApiHarness();
  organization = await createOrganization(api, freshName('am'));
  await provision(api, organization, environment);
  hook = makeAlertmanagerHook({
    repository: api.workflow.repository,
    publisher: createAlertPublisher({ client: api.workflow.sns.client, topicArn: TOPIC_ARN }),
    secrets: staticHookSecrets({ alertmanager: SECRET }),
    metrics: metricsRecorder(metrics),
  });
});
afterAll(() => api.stop());

const bearer = (org = organization, env = environment, secret = SECRET) => ({
  authorization: `Bearer ${deriveHookToken(secret, environmentTokenSubject(org, env))}`,
});

function quotaAlert(
  status: 'firing' | 'resolved',
  overrides: Record<string, string> = {},
  fingerprint = 'a1b2c3d4e5f60718',
) {
  const namespace = overrides.namespace ?? `${organization}-${environment}-payments`;
  return {
    status,
    labels: {
      alertname: 'KubeQuotaExceeded',
      namespace,
      resource: 'requests.memory',
      resourcequota: 'payments-quota',
      severity: 'warning',
      organization,
      environment,
      ...overrides,
    },
    annotations: {
      description: `Namespace ${namespace} is using 112% of its requests.memory quota.`,
      runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubequotaexceeded',
      summary: 'Namespace quota has exceeded the limits.',
    },
    startsAt: '2026-12-01T21:45:00.000Z',
    endsAt: status === 'resolved' ? '2026-12-01T22:30:00.000Z' : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=kube_resourcequota',
    fingerprint,
  };
}

function payload(alerts: unknown[], status: 'firing' | 'resolved' = 'firing') {
  return {
    version: '4',
    groupKey: '{}/{alertname=~"KubeQuota..."}:{alertname="KubeQuotaExceeded", namespace="x"}',
    truncatedAlerts: 0,
    status,
    receiver: 'slipway',
    groupLabels: { alertname: 'KubeQuotaExceeded' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  };
}

const post = (body: unknown, headers: Record<string, string>) =>
  hook(apiEvent(ROUTE, { identity: null, path: { org: organization, env: environment }, headers, body }));

const publishedFor = (fingerprint: string) =>
  api.workflow.sns.publishes.filter((publish) => publish.message.includes(fingerprint));

async function clusterStatus() {
  const response = await api.call('get-environment', {
    identity: member('viewer', organization),
    path: { org: organization, env: environment },
  });
  return (
    response.body as {
      cluster?: { alerts: Record<string, Record<string, unknown>>; unrouted: Record<string, unknown> };
    }
  ).cluster;
}

describe('alertmanager hook', () => {
  it('refuses a missing, wrong, ArgoCD-style or other environment’s token, and another organization’s namespace, recording nothing', async () => {
    const before = await api.scan();
    const body = payload([quotaAlert('firing')]);
    expect((await post(body, {})).statusCode).toBe(401);
    expect((await post(body, { authorization: 'Bearer nope' })).statusCode).toBe(401);
    expect((await post(body, bearer(organization, 'dev'))).statusCode).toBe(401);
    expect((await post(body, { 'x-slipway-token': bearer().authorization.slice(7) })).statusCode).toBe(401);
    // A valid token, replayed with a body about another organization's namespace.
    const forged = payload([
      quotaAlert('firing'),
      quotaAlert('firing', { namespace: 'globex-prod-payments' }, 'ffff'),
    ]);
    expect((await post(forged, bearer())).statusCode).toBe(403);
    expect(await api.scan()).toEqual(before);
    expect(metrics).toContain('ClusterEventsForeign');
  });

  it('answers 400 to a malformed payload, naming the field (Alertmanager does not retry 4xx)', async () => {
    const response = await post({ ...payload([quotaAlert('firing')]), version: '3' }, bearer());
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { details: [{ field: 'body.version' }] } });
  });

  it('publishes one quota.exceeded alert for the same group delivered 3 times, records it, then quota.resolved', async () => {
    const fingerprint = 'a1b2c3d4e5f60718';
    for (let delivery = 0; delivery < 3; delivery += 1) {
      expect((await post(payload([quotaAlert('firing')]), bearer())).statusCode).toBe(202);
    }
    const firing = publishedFor(fingerprint);
    expect(firing).toHaveLength(1);
    expect(firing[0]?.attributes).toMatchObject({
      kind: { value: 'quota.exceeded' },
      // A dev environment: warning (prod: critical).
      severity: { value: 'warning' },
      organization: { value: organization },
      environment: { value: environment },
    });
    const message = JSON.parse(firing[0]?.message ?? '{}');
    expect(message.detail).toContain('requests.memory');
    expect(message.detail).toContain('payments-quota');
    expect(message.detail).toContain('using 112%');
    expect(message.links).toContainEqual({
      label: 'Runbook',
      url: expect.stringContaining('kubequotaexceeded'),
    });
    expect((await clusterStatus())?.alerts[fingerprint]).toMatchObject({
      status: 'firing',
      resource: 'requests.memory',
    });

    await post(payload([quotaAlert('resolved')], 'resolved'), bearer());
    await post(payload([quotaAlert('resolved')], 'resolved'), bearer());
    const resolved = publishedFor(fingerprint).slice(1);
    expect(resolved.map((publish) => publish.attributes.kind?.value)).toEqual(['quota.resolved']);
    expect((await clusterStatus())?.alerts[fingerprint]).toMatchObject({
      status: 'resolved',
      endsAt: '2026-12-01T22:30:00.000Z',
    });
  });

  it('maps almost-full and crash loops, ignores other alerts, and records unknown namespaces as unrouted', async () => {
    const response = await post(
      payload([
        quotaAlert('firing', { alertname: 'KubeQuotaAlmostFull', severity: 'info' }, '0a0a'),
        quotaAlert('firing', { alertname: 'KubePodCrashLooping', pod: 'api-7d9', container: 'api' }, '0b0b'),
        quotaAlert('firing', { alertname: 'KubeCPUOvercommit' }, '0c0c'),
        quotaAlert('firing', { namespace: `${organization}-${environment}-gone` }, '0d0d'),
      ]),
      bearer(),
    );
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ accepted: 2, unrouted: 1, ignored: 1 });
    expect(publishedFor('0a0a')[0]?.attributes).toMatchObject({
      kind: { value: 'quota.almost-full' },
      severity: { value: 'info' },
    });
    expect(publishedFor('0b0b')[0]?.attributes).toMatchObject({ kind: { value: 'pod.crashlooping' } });
    expect(publishedFor('0c0c')).toHaveLength(0);
    expect(publishedFor('0d0d')).toHaveLength(0);
    expect((await clusterStatus())?.unrouted['alertmanager:0d0d']).toMatchObject({
      source: 'alertmanager',
      namespace: `${organization}-${environment}-gone`,
    });
    expect(metrics).toContain('UnroutedClusterEvents');
  });
});

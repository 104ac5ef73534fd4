/**
 * What a cluster's reports do to an environment's recorded status and which alerts they raise:
 * Argo CD notifications (applyArgoEvent), Alertmanager alerts (fromAlertmanagerAlert) and the
 * bound on the status maps (clusterStatusEvictions). Pure rules; the hooks' tests drive them
 * through the API harness.
 */
import { describe, expect, it } from 'vitest';
import { alertIdFor } from '../../../functions/domain/alert.js';
import {
  type AlertmanagerAlert,
  AlertmanagerPayload,
  fromAlertmanagerAlert,
  isHandledAlert,
} from '../../../functions/domain/cluster-event-alertmanager.js';
import { ArgoNotification, applyArgoEvent } from '../../../functions/domain/cluster-event-argocd.js';
import {
  type ApplicationStatus,
  CLUSTER_STATUS_MAP_LIMIT,
  type ClusterAlertStatus,
  type ClusterStatus,
  clusterStatusEvictions,
  type UnroutedEvent,
} from '../../../functions/domain/cluster-event-status.js';

const REV = '0123456789abcdef0123';
const NOW = '2026-03-01T10:00:00.000Z';
const context = { organization: 'acme', environment: 'prod', tier: 'prod' as const, now: NOW };

describe('applyArgoEvent', () => {
  const event = (fields: Partial<ArgoNotification> = {}): ArgoNotification =>
    ArgoNotification.parse({ event: 'sync.running', app: 'acme-prod-web', ...fields });

  it('raises sync.failed once per Application and revision, and records the failing revision', () => {
    const failed = event({
      event: 'sync.failed',
      syncStatus: 'OutOfSync',
      healthStatus: 'Healthy',
      phase: 'Error',
      message: 'one or more objects failed to apply',
      revision: REV,
      finishedAt: '2026-03-01T09:59:00Z',
      url: 'https://argocd.example.com/applications/acme-prod-web',
    });
    const { status, alerts } = applyArgoEvent(undefined, failed, context);
    expect(alerts).toEqual([
      {
        id: alertIdFor(`sync.failed:acme/prod:acme-prod-web:${REV}`),
        kind: 'sync.failed',
        severity: 'critical',
        organization: 'acme',
        environment: 'prod',
        summary: 'Argo CD could not sync acme-prod-web of acme/prod to 0123456789ab',
        detail: [
          'Operation Error; sync status OutOfSync, health Healthy.',
          'one or more objects failed to apply',
          'Fix the manifests in the GitOps repository (or the cause Argo CD names); Argo CD retries on the next change.',
        ].join('\n'),
        links: [
          { label: 'Argo CD application', url: 'https://argocd.example.com/applications/acme-prod-web' },
        ],
        occurredAt: '2026-03-01T09:59:00Z',
        dedupKey: `sync.failed:acme/prod:acme-prod-web:${REV}`,
      },
    ]);
    expect(status).toEqual({
      syncStatus: 'OutOfSync',
      healthStatus: 'Healthy',
      phase: 'Error',
      revision: REV,
      message: 'one or more objects failed to apply',
      finishedAt: '2026-03-01T09:59:00Z',
      url: 'https://argocd.example.com/applications/acme-prod-web',
      updatedAt: NOW,
      failing: { sync: REV },
    });
  });

  it('fills what the notification leaves out, a non-prod tier warns, and a long message is cut', () => {
    const { status, alerts } = applyArgoEvent(
      undefined,
      event({ event: 'sync.failed', message: 'x'.repeat(1001) }),
      { ...context, tier: 'dev' },
    );
    expect(alerts[0]).toMatchObject({
      severity: 'warning',
      summary: 'Argo CD could not sync acme-prod-web of acme/prod to unknown',
      links: [],
      occurredAt: NOW,
      dedupKey: 'sync.failed:acme/prod:acme-prod-web:unknown',
    });
    expect(alerts[0]?.detail.split('\n')).toEqual([
      'Operation failed; sync status unknown, health unknown.',
      `${'x'.repeat(1000)}…`,
      'Fix the manifests in the GitOps repository (or the cause Argo CD names); Argo CD retries on the next change.',
    ]);
    expect(status).toEqual({ message: `${'x'.repeat(1000)}…`, updatedAt: NOW, failing: { sync: 'unknown' } });
    const silent = applyArgoEvent(undefined, event({ event: 'sync.failed' }), context);
    expect(silent.alerts[0]?.detail).toBe(
      'Operation failed; sync status unknown, health unknown.\nFix the manifests in the GitOps repository (or the cause Argo CD names); Argo CD retries on the next change.',
    );
    const exact = applyArgoEvent(
      undefined,
      event({ event: 'sync.failed', message: 'y'.repeat(1000) }),
      context,
    );
    expect(exact.status.message).toBe('y'.repeat(1000));
  });

  it('raises health.degraded at the time it is reported, and records the failing revision', () => {
    const { status, alerts } = applyArgoEvent(
      { updatedAt: 'earlier', failing: { sync: 'aaa' } },
      event({
        event: 'health.degraded',
        healthStatus: 'Degraded',
        syncStatus: 'Synced',
        phase: 'Failed',
        revision: REV,
        message: 'Deployment has timed out progressing',
        finishedAt: '2026-03-01T09:00:00Z',
      }),
      context,
    );
    expect(alerts).toEqual([
      {
        id: alertIdFor(`health.degraded:acme/prod:acme-prod-web:${REV}`),
        kind: 'health.degraded',
        severity: 'critical',
        organization: 'acme',
        environment: 'prod',
        summary: 'acme-prod-web of acme/prod is Degraded (revision 0123456789ab)',
        detail: 'Deployment has timed out progressing\nSync status Synced.',
        links: [],
        occurredAt: NOW,
        dedupKey: `health.degraded:acme/prod:acme-prod-web:${REV}`,
      },
    ]);
    // A failed last operation is not a recovered sync, even when Synced.
    expect(status.failing).toEqual({ sync: 'aaa', health: REV });
    const bare = applyArgoEvent(undefined, event({ event: 'health.degraded' }), context);
    expect(bare.alerts[0]?.detail).toBe('Sync status unknown.');
    expect(bare.alerts[0]?.summary).toBe('acme-prod-web of acme/prod is Degraded (revision unknown)');
  });

  it('raises sync.recovered once the Application is Synced again after a sync.failed', () => {
    const previous: ApplicationStatus = { updatedAt: 'earlier', failing: { sync: 'fedcba9876543210fedc' } };
    const { status, alerts } = applyArgoEvent(
      previous,
      event({ event: 'sync.succeeded', syncStatus: 'Synced', phase: 'Succeeded', revision: REV }),
      context,
    );
    expect(alerts).toEqual([
      {
        id: alertIdFor('sync.recovered:acme/prod:acme-prod-web:fedcba9876543210fedc'),
        kind: 'sync.recovered',
        severity: 'info',
        organization: 'acme',
        environment: 'prod',
        summary: 'acme-prod-web of acme/prod is Synced again (revision 0123456789ab)',
        detail: 'The sync failure at revision fedcba987654 is over.',
        links: [],
        occurredAt: NOW,
        dedupKey: 'sync.recovered:acme/prod:acme-prod-web:fedcba9876543210fedc',
      },
    ]);
    expect(status).toEqual({ syncStatus: 'Synced', phase: 'Succeeded', revision: REV, updatedAt: NOW });
    // The previous status is not changed in place.
    expect(previous.failing).toEqual({ sync: 'fedcba9876543210fedc' });
  });

  it('does not call a sync recovered while it is not Synced, its operation failed, or it fails again', () => {
    const previous: ApplicationStatus = { updatedAt: 'earlier', failing: { sync: 'old' } };
    for (const fields of [
      { syncStatus: 'OutOfSync' },
      { syncStatus: 'Synced', phase: 'Error' },
      { syncStatus: 'Synced', phase: 'Failed' },
      { event: 'sync.failed', syncStatus: 'Synced', revision: 'new' },
    ]) {
      const { alerts, status } = applyArgoEvent(previous, event(fields), context);
      expect(
        alerts.some((alert) => alert.kind === 'sync.recovered'),
        JSON.stringify(fields),
      ).toBe(false);
      expect(status.failing?.sync, JSON.stringify(fields)).toBeDefined();
    }
    expect(applyArgoEvent(undefined, event({ syncStatus: 'Synced' }), context).alerts).toEqual([]);
  });

  it('raises health.recovered once it is Healthy after a health.degraded, not while degraded', () => {
    const previous: ApplicationStatus = { updatedAt: 'earlier', failing: { health: 'fedcba9876543210fedc' } };
    const { status, alerts } = applyArgoEvent(previous, event({ healthStatus: 'Healthy' }), context);
    expect(alerts).toEqual([
      {
        id: alertIdFor('health.recovered:acme/prod:acme-prod-web:fedcba9876543210fedc'),
        kind: 'health.recovered',
        severity: 'info',
        organization: 'acme',
        environment: 'prod',
        summary: 'acme-prod-web of acme/prod is Healthy again',
        detail: 'It was Degraded at revision fedcba987654.',
        links: [],
        occurredAt: NOW,
        dedupKey: 'health.recovered:acme/prod:acme-prod-web:fedcba9876543210fedc',
      },
    ]);
    expect(status).toEqual({ healthStatus: 'Healthy', updatedAt: NOW });
    for (const fields of [
      { healthStatus: 'Progressing' },
      { event: 'health.degraded', healthStatus: 'Healthy' },
    ]) {
      const again = applyArgoEvent(previous, event(fields), context);
      expect(again.alerts.some((alert) => alert.kind === 'health.recovered')).toBe(false);
      expect(again.status.failing?.health).toBeDefined();
    }
    expect(applyArgoEvent(undefined, event({ healthStatus: 'Healthy' }), context).alerts).toEqual([]);
  });

  it('refuses a notification without an event or an Application name', () => {
    expect(ArgoNotification.safeParse({ event: '', app: 'a' }).success).toBe(false);
    expect(ArgoNotification.safeParse({ event: 'e', app: '' }).success).toBe(false);
    expect(ArgoNotification.safeParse({ event: 'e', app: 'a'.repeat(254) }).success).toBe(false);
    expect(ArgoNotification.safeParse({ event: 'e', app: 'a'.repeat(253), extra: 1 }).success).toBe(true);
  });
});

describe('fromAlertmanagerAlert', () => {
  const alert = (fields: Partial<AlertmanagerAlert> & { labels?: Record<string, string> } = {}) =>
    ({
      status: 'firing',
      annotations: {},
      startsAt: '2026-03-01T09:00:00Z',
      fingerprint: 'abc123',
      ...fields,
      labels: { alertname: 'KubeQuotaExceeded', namespace: 'acme-prod-web', ...fields.labels },
    }) as AlertmanagerAlert;

  it('turns a firing quota alert into quota.exceeded of the tenant, with its runbook and source', () => {
    const { alert: out, status } = fromAlertmanagerAlert(
      alert({
        labels: { resource: 'requests.cpu', resourcequota: 'tenant' },
        annotations: { description: 'CPU is at 105 %', runbook_url: 'https://runbooks.example.com/q' },
        generatorURL: 'https://prometheus.example.com/graph',
      }),
      context,
    );
    const dedupKey = 'quota.exceeded:acme/prod:abc123:2026-03-01T09:00:00Z';
    expect(out).toEqual({
      id: alertIdFor(dedupKey),
      kind: 'quota.exceeded',
      severity: 'critical',
      organization: 'acme',
      environment: 'prod',
      summary: 'Namespace acme-prod-web of acme/prod is over its quota: quota tenant (requests.cpu)',
      detail: [
        'CPU is at 105 %',
        'Resource: requests.cpu.',
        'ResourceQuota: tenant.',
        'Alertmanager alert KubeQuotaExceeded, fingerprint abc123, since 2026-03-01T09:00:00Z.',
      ].join('\n'),
      links: [
        { label: 'Runbook', url: 'https://runbooks.example.com/q' },
        { label: 'Prometheus', url: 'https://prometheus.example.com/graph' },
      ],
      occurredAt: '2026-03-01T09:00:00Z',
      dedupKey,
    });
    expect(status).toEqual({
      alertname: 'KubeQuotaExceeded',
      kind: 'quota.exceeded',
      status: 'firing',
      namespace: 'acme-prod-web',
      resource: 'requests.cpu',
      resourcequota: 'tenant',
      description: 'CPU is at 105 %',
      runbookUrl: 'https://runbooks.example.com/q',
      startsAt: '2026-03-01T09:00:00Z',
      updatedAt: NOW,
    });
  });

  it('a resolved alert is info, dated by its end, and its status keeps the firing kind', () => {
    const { alert: out, status } = fromAlertmanagerAlert(
      alert({ status: 'resolved', endsAt: '2026-03-01T09:30:00Z', labels: { resourcequota: 'tenant' } }),
      context,
    );
    expect(out).toMatchObject({
      kind: 'quota.resolved',
      severity: 'info',
      summary: 'Resolved: KubeQuotaExceeded in acme-prod-web of acme/prod, quota tenant',
      detail:
        'ResourceQuota: tenant.\nAlertmanager alert KubeQuotaExceeded, fingerprint abc123, since 2026-03-01T09:00:00Z, ended 2026-03-01T09:30:00Z.',
      links: [],
      occurredAt: '2026-03-01T09:30:00Z',
      dedupKey: 'quota.resolved:acme/prod:abc123:2026-03-01T09:00:00Z',
    });
    expect(status).toEqual({
      alertname: 'KubeQuotaExceeded',
      kind: 'quota.exceeded',
      status: 'resolved',
      namespace: 'acme-prod-web',
      resourcequota: 'tenant',
      startsAt: '2026-03-01T09:00:00Z',
      endsAt: '2026-03-01T09:30:00Z',
      updatedAt: NOW,
    });
    const noEnd = fromAlertmanagerAlert(alert({ status: 'resolved' }), context);
    expect(noEnd.alert.occurredAt).toBe('2026-03-01T09:00:00Z');
    expect(noEnd.status.endsAt).toBeUndefined();
    const firingWithEnd = fromAlertmanagerAlert(alert({ endsAt: '2026-03-01T09:30:00Z' }), context);
    expect(firingWithEnd.alert.occurredAt).toBe('2026-03-01T09:00:00Z');
    expect(firingWithEnd.alert.detail).not.toContain('ended');
    expect(firingWithEnd.status.endsAt).toBeUndefined();
  });

  it('maps each handled alert to its kind and severity', () => {
    const cases: [string, string, string, string, string][] = [
      ['KubeQuotaExceeded', 'quota.exceeded', 'critical', 'warning', 'is over its quota'],
      [
        'KubeQuotaFullyUsed',
        'quota.exceeded',
        'warning',
        'warning',
        'has used all of its quota: new requests are refused',
      ],
      ['KubeQuotaAlmostFull', 'quota.almost-full', 'info', 'info', 'has used over 90 % of its quota'],
      ['KubePodCrashLooping', 'pod.crashlooping', 'warning', 'warning', 'has a pod in a crash loop'],
    ];
    for (const [alertname, kind, prodSeverity, devSeverity, what] of cases) {
      const source = alert({ labels: { alertname } });
      expect(isHandledAlert(source)).toBe(true);
      const prod = fromAlertmanagerAlert(source, context);
      expect(prod.alert, alertname).toMatchObject({
        kind,
        severity: prodSeverity,
        summary: `Namespace acme-prod-web of acme/prod ${what}: ${alertname}`,
      });
      expect(fromAlertmanagerAlert(source, { ...context, tier: 'dev' }).alert.severity).toBe(devSeverity);
    }
    expect(
      fromAlertmanagerAlert(
        alert({ status: 'resolved', labels: { alertname: 'KubePodCrashLooping' } }),
        context,
      ).alert.kind,
    ).toBe('pod.recovered');
    expect(
      fromAlertmanagerAlert(
        alert({ status: 'resolved', labels: { alertname: 'KubeQuotaAlmostFull' } }),
        context,
      ).alert.kind,
    ).toBe('quota.resolved');
  });

  it('names a crash-looping pod and its container, and a summary annotation when there is no description', () => {
    const { alert: out, status } = fromAlertmanagerAlert(
      alert({
        labels: { alertname: 'KubePodCrashLooping', pod: 'web-1', container: 'app' },
        annotations: { summary: 'Pod is crash looping.' },
      }),
      context,
    );
    expect(out.summary).toBe(
      'Namespace acme-prod-web of acme/prod has a pod in a crash loop: pod web-1 (container app)',
    );
    expect(out.detail).toBe(
      'Pod is crash looping.\nAlertmanager alert KubePodCrashLooping, fingerprint abc123, since 2026-03-01T09:00:00Z.',
    );
    expect(status).toMatchObject({ pod: 'web-1', description: 'Pod is crash looping.' });
    const bare = fromAlertmanagerAlert(
      alert({ labels: { alertname: 'KubePodCrashLooping', pod: 'web-2' } }),
      context,
    );
    expect(bare.alert.summary).toBe(
      'Namespace acme-prod-web of acme/prod has a pod in a crash loop: pod web-2',
    );
    expect(bare.status).toEqual({
      alertname: 'KubePodCrashLooping',
      kind: 'pod.crashlooping',
      status: 'firing',
      namespace: 'acme-prod-web',
      pod: 'web-2',
      startsAt: '2026-03-01T09:00:00Z',
      updatedAt: NOW,
    });
  });

  it('cuts a description over 1000 characters', () => {
    const { alert: out, status } = fromAlertmanagerAlert(
      alert({ annotations: { description: 'd'.repeat(1001) } }),
      context,
    );
    expect(out.detail.split('\n')[0]).toBe(`${'d'.repeat(1000)}…`);
    expect(status.description).toBe(`${'d'.repeat(1000)}…`);
    const exact = fromAlertmanagerAlert(alert({ annotations: { description: 'e'.repeat(1000) } }), context);
    expect(exact.status.description).toBe('e'.repeat(1000));
  });

  it('refuses an alert Slipway does not handle, and tells which it handles', () => {
    const other = alert({ labels: { alertname: 'Watchdog' } });
    expect(isHandledAlert(other)).toBe(false);
    expect(isHandledAlert({ ...other, labels: {} })).toBe(false);
    expect(isHandledAlert({ ...other, labels: { alertname: 'toString' } })).toBe(false);
    expect(() => fromAlertmanagerAlert(other, context)).toThrow(
      new RangeError('alert Watchdog is not one Slipway handles'),
    );
    expect(() => fromAlertmanagerAlert({ ...other, labels: {} }, context)).toThrow(RangeError);
  });

  it('parses a version 4 payload, defaulting annotations, and refuses a malformed one', () => {
    const payload = {
      version: '4',
      status: 'firing',
      alerts: [{ status: 'firing', labels: {}, startsAt: '2026-03-01T09:00:00+01:00', fingerprint: 'ff' }],
    };
    expect(AlertmanagerPayload.parse(payload).alerts[0]?.annotations).toEqual({});
    for (const bad of [
      { ...payload, version: '3' },
      { ...payload, alerts: [{ ...payload.alerts[0], fingerprint: 'XYZ' }] },
      { ...payload, alerts: [{ ...payload.alerts[0], startsAt: 'yesterday' }] },
      { ...payload, alerts: Array.from({ length: 1001 }, () => payload.alerts[0]) },
    ]) {
      expect(AlertmanagerPayload.safeParse(bad).success).toBe(false);
    }
  });
});

describe('clusterStatusEvictions', () => {
  const app = (updatedAt: string, failing?: ApplicationStatus['failing']): ApplicationStatus => ({
    updatedAt,
    ...(failing ? { failing } : {}),
  });
  const firing = (updatedAt: string, status: 'firing' | 'resolved'): ClusterAlertStatus => ({
    alertname: 'KubeQuotaExceeded',
    kind: 'quota.exceeded',
    status,
    namespace: 'n',
    startsAt: updatedAt,
    updatedAt,
  });
  const unrouted = (receivedAt: string): UnroutedEvent => ({ source: 'argocd', reason: 'r', receivedAt });
  const empty: ClusterStatus = { applications: {}, alerts: {}, unrouted: {} };

  it('drops nothing while each map is within the limit (100 by default)', () => {
    const applications = Object.fromEntries(
      Array.from({ length: CLUSTER_STATUS_MAP_LIMIT }, (_, i) => [`a${i}`, app(`2026-01-01T00:00:${i}`)]),
    );
    expect(CLUSTER_STATUS_MAP_LIMIT).toBe(100);
    expect(clusterStatusEvictions({ ...empty, applications })).toEqual({
      applications: [],
      alerts: [],
      unrouted: [],
    });
    expect(
      clusterStatusEvictions({ ...empty, applications: { ...applications, extra: app('2025') } })
        .applications,
    ).toEqual(['extra']);
  });

  it('drops the oldest settled entries first, then active ones, never the ones just written', () => {
    const status: ClusterStatus = {
      applications: {
        old: app('2026-01-01'),
        failingOld: app('2025-01-01', { sync: 'r' }),
        degradedOld: app('2025-02-01', { health: 'r' }),
        newer: app('2026-02-01'),
        newest: app('2026-03-01'),
      },
      alerts: {
        firingOld: firing('2025-01-01', 'firing'),
        resolvedNew: firing('2026-03-01', 'resolved'),
        resolvedOld: firing('2026-01-01', 'resolved'),
      },
      unrouted: { u1: unrouted('2026-01-01'), u2: unrouted('2026-03-01'), u3: unrouted('2026-02-01') },
    };
    expect(clusterStatusEvictions(status, { limit: 3 })).toEqual({
      applications: ['newer', 'old'],
      alerts: [],
      unrouted: [],
    });
    expect(clusterStatusEvictions(status, { limit: 2 })).toEqual({
      applications: ['newest', 'newer', 'old'],
      alerts: ['resolvedOld'],
      unrouted: ['u1'],
    });
    expect(clusterStatusEvictions(status, { limit: 1, keep: new Set(['old', 'u1']) })).toEqual({
      applications: ['degradedOld', 'failingOld', 'newest', 'newer'],
      alerts: ['resolvedNew', 'resolvedOld'],
      unrouted: ['u2', 'u3'],
    });
  });
});

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { requireTool } from '../../support/tools.js';

/*
 * The Alertmanager configuration Slipway ships (gitops/kubernetes/monitoring/values.yaml), checked
 * with the real Alertmanager 0.25 tools (Debian prometheus-alertmanager): `amtool check-config`,
 * `amtool config routes test`, and a real alertmanager on 127.0.0.1 asked which alerts its
 * inhibition rules mute.
 */

const ROOT = path.resolve(import.meta.dirname, '../../..');
const VALUES = parse(readFileSync(path.join(ROOT, 'gitops/kubernetes/monitoring/values.yaml'), 'utf8')) as {
  alertmanager: { config: Record<string, unknown> };
};
const HOOK = 'https://api.example.com/v1/hooks/alertmanager/acme/prod';
const SLIPWAY_ALERTS = [
  'KubeQuotaAlmostFull',
  'KubeQuotaFullyUsed',
  'KubeQuotaExceeded',
  'KubePodCrashLooping',
];

/**
 * The keys kube-prometheus-stack 80.7.0's values.yaml sets in alertmanager.config (and in its
 * route). Helm merges maps key by key, so a key Slipway did not set would keep the chart's value.
 */
const CHART_DEFAULT_KEYS = ['global', 'inhibit_rules', 'route', 'receivers', 'templates'];
const CHART_DEFAULT_ROUTE_KEYS = [
  'group_by',
  'group_wait',
  'group_interval',
  'repeat_interval',
  'receiver',
  'routes',
];

const work = mkdtempSync(path.join(tmpdir(), 'slipway-alertmanager-'));

/** The configuration as the chart renders it with tplConfig: the one Helm template, the hook URL, filled in. */
function renderedConfig(): string {
  const text = stringify(VALUES.alertmanager.config, { lineWidth: 0 });
  const rendered = text.replace('{{ .Values.slipway.alertmanagerWebhookUrl }}', HOOK);
  expect(rendered).not.toContain('{{');
  return rendered;
}

let configFile = '';
beforeAll(() => {
  requireTool('amtool', 'apt-get install prometheus-alertmanager');
  requireTool('prometheus-alertmanager', 'apt-get install prometheus-alertmanager');
  configFile = path.join(work, 'alertmanager.yml');
  writeFileSync(configFile, renderedConfig());
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const amtool = (args: string[]) => spawnSync('amtool', args, { encoding: 'utf8', timeout: 30_000 });

describe('the shipped Alertmanager configuration', () => {
  it('overrides every key of the chart default, so none of its defaults survives unseen', () => {
    for (const key of CHART_DEFAULT_KEYS) expect(Object.keys(VALUES.alertmanager.config)).toContain(key);
    const route = VALUES.alertmanager.config.route as Record<string, unknown>;
    for (const key of CHART_DEFAULT_ROUTE_KEYS) expect(Object.keys(route)).toContain(key);
  });

  it('passes amtool check-config', () => {
    const result = amtool(['check-config', configFile]);
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS/);
    expect(result.stdout).toMatch(/- 2 receivers/);
  });

  it('gives amtool check-config teeth: a route to an unknown receiver is refused', () => {
    const broken = path.join(work, 'broken.yml');
    writeFileSync(broken, renderedConfig().replace('receiver: slipway', 'receiver: nowhere'));
    expect(amtool(['check-config', broken]).status).not.toBe(0);
  });

  it.each(
    SLIPWAY_ALERTS.flatMap((alert) => ['info', 'warning', 'critical'].map((severity) => [alert, severity])),
  )('routes %s (severity %s) to the slipway receiver (amtool config routes test)', (alert, severity) => {
    const result = amtool([
      'config',
      'routes',
      'test',
      `--config.file=${configFile}`,
      `alertname=${alert}`,
      `severity=${severity}`,
      'namespace=acme-prod-payments',
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('slipway');
  });

  it.each([['Watchdog'], ['KubeCPUOvercommit'], ['TargetDown']])(
    'sends %s nowhere (receiver "null")',
    (alert) => {
      const result = amtool([
        'config',
        'routes',
        'test',
        `--config.file=${configFile}`,
        `alertname=${alert}`,
        'severity=warning',
      ]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe('null');
    },
  );

  it('sends the slipway receiver to the hook with the bearer token file', () => {
    const config = parse(renderedConfig()) as {
      receivers: { name: string; webhook_configs?: { url: string; http_config: unknown }[] }[];
    };
    const slipway = config.receivers.find((receiver) => receiver.name === 'slipway');
    expect(slipway?.webhook_configs?.[0]).toMatchObject({
      url: HOOK,
      http_config: {
        authorization: {
          type: 'Bearer',
          credentials_file: '/etc/alertmanager/secrets/slipway-alertmanager/token',
        },
      },
    });
  });
});

/** A free TCP port on 127.0.0.1 (closed again before alertmanager binds it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('inhibition in a real Alertmanager (prometheus-alertmanager on 127.0.0.1)', () => {
  let alertmanager: ChildProcess | undefined;
  let base = '';

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    alertmanager = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${configFile}`,
        `--storage.path=${path.join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    // Bounded: 100 attempts of at most 100 ms each.
    for (let attempt = 0; attempt < 100; attempt++) {
      const ready = await fetch(`${base}/-/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`alertmanager did not become ready on ${base}`);
  });

  afterAll(() => {
    alertmanager?.kill();
  });

  it("does not let the chart's InfoInhibitor (or a critical alert) mute Slipway's alerts, and still mutes other info alerts", async () => {
    const namespace = 'acme-prod-payments';
    const alert = (alertname: string, severity: string) => ({
      labels: { alertname, severity, namespace, organization: 'acme', environment: 'prod' },
      annotations: {},
      startsAt: new Date().toISOString(),
    });
    const posted = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert('InfoInhibitor', 'none'),
        alert('KubeQuotaAlmostFull', 'info'),
        alert('KubeQuotaFullyUsed', 'info'),
        alert('KubeQuotaExceeded', 'warning'),
        alert('KubePodCrashLooping', 'warning'),
        alert('KubePodCrashLooping', 'critical'),
        alert('CPUThrottlingHigh', 'info'),
      ]),
    });
    expect(posted.status).toBe(200);
    const listed = (await (await fetch(`${base}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      status: { inhibitedBy: string[] };
    }[];
    const inhibited = (name: string, severity: string) =>
      listed.find((entry) => entry.labels.alertname === name && entry.labels.severity === severity)?.status
        .inhibitedBy;
    for (const [name, severity] of [
      ['KubeQuotaAlmostFull', 'info'],
      ['KubeQuotaFullyUsed', 'info'],
      ['KubeQuotaExceeded', 'warning'],
      ['KubePodCrashLooping', 'warning'],
    ] as const)
      expect(inhibited(name, severity), `${name} ${severity}`).toEqual([]);
    // The chart's rules still apply to everything else: proof the rules are live, not absent.
    expect(inhibited('CPUThrottlingHigh', 'info')).toHaveLength(1);
  });
});

/**
 * Local mode measured from outside, over HTTP on 127.0.0.1, in one run:
 *   - the first `npm start` to "ready at" on a fresh data folder, then a second start on the same
 *     folder (the cached state machine definition);
 *   - N environments provisioned at once (all READY, exactly one run each, wall time);
 *   - GET environment and a no-op PUT under 16 concurrent clients, side by side with a raw dynalite
 *     GetItem loop at the same concurrency; budget: p99(GET environment) ≤ 3 × p99(GetItem).
 * Every loop is bounded in count and time; the child process is killed by its pid at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { TABLE_DEFINITION } from '../functions/adapters/dynamodb/table-schema.js';
import { demoSpec } from '../local/demo/specs.js';
import { type Api, api, type LocalProcess, startLocalProcess, token } from '../test/e2e/local-process.js';
import { startDynalite } from '../test/support/dynalite.js';

const CLIENTS = 16;
const REQUESTS_PER_CLIENT = 50;
const LOAD_DEADLINE_MS = 120_000;
/**
 * How long N environments may take to leave PROVISIONING: 3 builds each, 4 at a time, a few seconds
 * per build on a quiet machine and several times that on a loaded one. The latency loops run after
 * it, so they never measure an API still busy provisioning (unless this deadline passed).
 */
const PROVISION_DEADLINE_MS = 1_800_000;

export interface LatencyRow {
  readonly name: string;
  /** The machine's 1-minute load average when the loop ended. */
  readonly load: number;
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface LocalModeReport {
  readonly firstStartSeconds: number;
  /** 1-minute load averages when each step ended (first start, second start, provisioning). */
  readonly loads: { readonly firstStart: number; readonly secondStart: number; readonly provision: number };
  readonly secondStartSeconds: number;
  readonly environments: number;
  readonly refused: number;
  readonly ready: number;
  readonly withOneRun: number;
  readonly provisionSeconds: number;
  /** Environments by the status they ended the provisioning wait in. */
  readonly byStatus: Readonly<Record<string, number>>;
  readonly latency: readonly LatencyRow[];
  readonly ratio: number;
  readonly ok: boolean;
}

function environmentSpec(index: number): Record<string, unknown> {
  const spec = demoSpec('staging', '100m');
  // A distinct /24 VPC per environment, inside 10.30.0.0/16 (clear of the pod and service ranges).
  // Small namespace quotas, so N of them fit the organization's ceiling.
  return {
    ...spec,
    network: { ...(spec.network as object), vpcCidr: `10.30.${index}.0/24` },
    namespaces: [{ name: 'payments', quota: { cpu: '100m', memory: '128Mi', pods: 5 } }],
  };
}

function loadNow(): number {
  return loadavg()[0] ?? Number.NaN;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** CLIENTS workers, each sending REQUESTS_PER_CLIENT requests back to back (or until the deadline). */
async function underLoad(name: string, request: () => Promise<boolean>): Promise<LatencyRow> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + LOAD_DEADLINE_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = 0; i < REQUESTS_PER_CLIENT && Date.now() < deadline; i++) {
        const before = performance.now();
        const ok = await request().catch(() => false);
        latencies.push(performance.now() - before);
        if (!ok) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    load: loadNow(),
    requests: latencies.length,
    errors,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function timedStart(dataDir: string): Promise<{ local: LocalProcess; seconds: number; load: number }> {
  const started = performance.now();
  const local = await startLocalProcess(dataDir);
  return { local, seconds: (performance.now() - started) / 1000, load: loadNow() };
}

async function stopChild(local: LocalProcess): Promise<void> {
  const { pid } = local.child;
  if (pid === undefined || local.child.exitCode !== null) return;
  process.kill(pid, 'SIGTERM');
  const killed = setTimeout(() => {
    if (local.child.exitCode === null) process.kill(pid, 'SIGKILL');
  }, 10_000);
  await local.ended;
  clearTimeout(killed);
}

async function provisionAtOnce(
  owner: Api,
  count: number,
): Promise<{
  refused: string[];
  ready: number;
  withOneRun: number;
  seconds: number;
  load: number;
  byStatus: Record<string, number>;
}> {
  const started = performance.now();
  const puts = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      owner('PUT', `/v1/orgs/acme/environments/e${i}`, environmentSpec(i)),
    ),
  );
  // A refused PUT is reported (and breaks the budget), not retried: it is what is being measured.
  const refused = puts.flatMap((put, i) =>
    put.status === 202 || put.status === 200 ? [] : [`e${i}: ${put.status} ${JSON.stringify(put.body)}`],
  );
  const pending = new Set(
    Array.from({ length: count }, (_, i) => i).filter(
      (i) => puts[i]?.status === 202 || puts[i]?.status === 200,
    ),
  );
  const statuses = new Map<number, string>();
  const deadline = Date.now() + PROVISION_DEADLINE_MS;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const i of [...pending]) {
      const { body } = await owner('GET', `/v1/orgs/acme/environments/e${i}`);
      const status = typeof body.status === 'string' ? body.status : 'UNKNOWN';
      statuses.set(i, status);
      if (status !== 'PROVISIONING') pending.delete(i);
    }
    if (pending.size > 0) await new Promise((wait) => setTimeout(wait, 500));
  }
  const seconds = (performance.now() - started) / 1000;
  const load = loadNow();
  let withOneRun = 0;
  for (let i = 0; i < count; i++) {
    const { body } = await owner('GET', `/v1/orgs/acme/environments/e${i}/runs`);
    if (Array.isArray(body.items) && body.items.length === 1 && body.cursor === undefined) withOneRun++;
  }
  const ready = [...statuses.values()].filter((status) => status === 'READY').length;
  const byStatus: Record<string, number> = {};
  for (const status of statuses.values()) byStatus[status] = (byStatus[status] ?? 0) + 1;
  return { refused, ready, withOneRun, seconds, load, byStatus };
}

async function rawGetItem(): Promise<LatencyRow> {
  const dynamo = await startDynalite('slipway-bench');
  try {
    const key = {
      [TABLE_DEFINITION.partitionKey.name]: { S: 'ORG#acme' },
      [TABLE_DEFINITION.sortKey.name]: { S: 'ENV#e0' },
    };
    await dynamo.client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: { ...key, spec: { S: JSON.stringify(environmentSpec(0)) } },
      }),
    );
    return await underLoad('raw dynalite GetItem', async () => {
      const { Item } = await dynamo.client.send(
        new GetItemCommand({ TableName: dynamo.tableName, Key: key }),
      );
      return Item !== undefined;
    });
  } finally {
    await dynamo.stop();
  }
}

export async function measureLocalMode(environments: number): Promise<LocalModeReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-bench-local-'));
  let local: LocalProcess | undefined;
  try {
    const first = await timedStart(dataDir);
    await stopChild(first.local);
    const second = await timedStart(dataDir);
    local = second.local;

    const admin = api(local.url, await token('platform-admin', []));
    const owner = api(local.url, await token('org-admin', ['acme']));
    const org = await admin('PUT', '/v1/orgs/acme', {
      displayName: 'Acme',
      quota: { cpu: '100', memory: '1000Gi', pods: 10_000 },
      maxEnvironments: 100,
    });
    if (org.status !== 200 && org.status !== 201) throw new Error(`PUT org: ${JSON.stringify(org)}`);

    const provisioned = await provisionAtOnce(owner, environments);
    if (provisioned.refused.length > 0) {
      // The server's own log says why (a 500 hides its cause from the client).
      process.stderr.write(`${provisioned.refused.join('\n')}\n--- local mode output (last 60 lines) ---\n`);
      process.stderr.write(`${local.output().split('\n').slice(-60).join('\n')}\n`);
    }

    const getEnvironment = await underLoad('GET environment', async () => {
      const { status } = await owner('GET', '/v1/orgs/acme/environments/e0');
      return status === 200;
    });
    const noOpPut = await underLoad('no-op PUT environment', async () => {
      const { status } = await owner('PUT', '/v1/orgs/acme/environments/e0', environmentSpec(0));
      return status === 200;
    });
    const getItem = await rawGetItem();
    const ratio = getEnvironment.p99Ms / getItem.p99Ms;
    const ok =
      provisioned.refused.length === 0 &&
      provisioned.ready === environments &&
      provisioned.withOneRun === environments &&
      getEnvironment.errors === 0 &&
      noOpPut.errors === 0 &&
      ratio <= 3;
    return {
      firstStartSeconds: first.seconds,
      loads: { firstStart: first.load, secondStart: second.load, provision: provisioned.load },
      secondStartSeconds: second.seconds,
      environments,
      refused: provisioned.refused.length,
      ready: provisioned.ready,
      withOneRun: provisioned.withOneRun,
      provisionSeconds: provisioned.seconds,
      byStatus: provisioned.byStatus,
      latency: [getEnvironment, noOpPut, getItem],
      ratio,
      ok,
    };
  } finally {
    if (local) await stopChild(local);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function localModeMarkdown(report: LocalModeReport): string {
  const lines = [
    '| start | to "ready at" (s) | load average (1 min) |',
    '| --- | ---: | ---: |',
    `| first \`npm start\` (fresh data folder: synthesis, bundling) | ${report.firstStartSeconds.toFixed(1)} | ${report.loads.firstStart.toFixed(1)} |`,
    `| second start (same folder, cached definition) | ${report.secondStartSeconds.toFixed(1)} | ${report.loads.secondStart.toFixed(1)} |`,
    '',
    `${report.environments} environments provisioned at once: ${report.refused} PUTs refused, ${report.ready} READY, ${report.withOneRun} with exactly one run, ${report.provisionSeconds.toFixed(1)} s wall time (load average ${report.loads.provision.toFixed(1)}); by status: ${Object.entries(
      report.byStatus,
    )
      .map(([status, count]) => `${status} ${count}`)
      .join(', ')}`,
    '',
    `| ${CLIENTS} concurrent clients × ${REQUESTS_PER_CLIENT} requests | requests | errors | per second | p50 (ms) | p99 (ms) | load average (1 min) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.latency.map(
      (row) =>
        `| ${row.name} | ${row.requests} | ${row.errors} | ${row.perSecond.toFixed(0)} | ${row.p50Ms.toFixed(1)} | ${row.p99Ms.toFixed(1)} | ${row.load.toFixed(1)} |`,
    ),
    '',
    `Budget (all READY, one run each, p99 GET environment ≤ 3 × p99 GetItem): ratio ${report.ratio.toFixed(2)}× — ${report.ok ? 'met' : 'BROKEN'}`,
  ];
  return lines.join('\n');
}

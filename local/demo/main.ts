/**
 * `npm run demo`: local mode on a free port with a temporary data folder, driven through the API
 * with the `slipway` CLI as a user would: an organization, `acme/prod` provisioned with live
 * per-phase progress, a quota-only change that runs the ArgoCD phase alone, an injected Ansible
 * failure on `acme/staging` with its alert, a resume to READY, and a summary. Exits 0 only when
 * every step did what it should; any surprise exits 1 naming the step.
 */
import './../function-environment.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveDevSecret, signLocalToken } from '../auth/index.js';
import { type LocalControlPlane, localSettingsFromEnv, startLocalControlPlane } from '../control-plane.js';
import { demoSpec } from './specs.js';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
/** The `slipway` bin, run with this process's Node (22) whatever PATH holds. */
const CLI = [
  process.execPath,
  join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
  join(REPO_ROOT, 'local', 'cli', 'main.ts'),
];

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

function fail(why: string): never {
  throw new Error(`demo: ${why}`);
}

/** Runs the CLI with the demo's endpoint and token, streaming its output; resolves with its exit code and stdout. */
function slipway(plane: LocalControlPlane, token: string, args: string[], show = true) {
  return new Promise<{ code: number; stdout: string }>((done, reject) => {
    const [command = process.execPath, ...prefix] = CLI;
    const child = spawn(command, [...prefix, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SLIPWAY_ENDPOINT: plane.url,
        SLIPWAY_TOKEN: token,
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (show) process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => done({ code: code ?? 1, stdout }));
  });
}

async function expectCode(
  plane: LocalControlPlane,
  token: string,
  args: string[],
  code: number,
  show = true,
): Promise<string> {
  const result = await slipway(plane, token, args, show);
  if (result.code !== code) fail(`slipway ${args.join(' ')} exited ${result.code}, expected ${code}`);
  return result.stdout;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-demo-'));
  const settings = { ...localSettingsFromEnv({ ...process.env, SLIPWAY_DATA_DIR: dataDir, PORT: '0' }) };
  const plane = await startLocalControlPlane(settings);
  const files = mkdtempSync(join(tmpdir(), 'slipway-demo-specs-'));
  try {
    process.stdout.write(`slipway demo: local mode at ${plane.url}, data in ${dataDir}\n`);
    for (const tool of plane.tools.filter((t) => !t.real)) {
      process.stdout.write(`  [simulated] ${tool.tool}: ${tool.simulated}\n`);
    }
    // The demo signs its own tokens with the data folder's key, as `npm run token` would.
    const { key } = await resolveDevSecret({ dataDir });
    const admin = await signLocalToken(key, {
      subject: 'demo-admin',
      role: 'platform-admin',
      organizations: [],
    });
    const owner = await signLocalToken(key, {
      subject: 'demo-owner',
      role: 'org-admin',
      organizations: ['acme'],
    });

    step('1. A platform admin registers the organization acme (quota ceiling 32 CPU, 64Gi, 300 pods)');
    const org = join(files, 'acme.json');
    writeFileSync(
      org,
      JSON.stringify({
        displayName: 'Acme',
        quota: { cpu: '32', memory: '64Gi', pods: 300 },
        maxEnvironments: 5,
      }),
    );
    await expectCode(plane, admin, ['orgs', 'put', 'acme', '-f', org], 0);

    step('2. acme provisions acme/prod: terraform → ansible → argocd-bootstrap, live progress');
    const prod = join(files, 'prod.json');
    writeFileSync(prod, JSON.stringify(demoSpec('prod', '4')));
    await expectCode(plane, owner, ['provision', 'acme/prod', '-f', prod, '--watch', '--interval', '1s'], 0);

    step('3. Only a namespace quota changes: the plan runs the ArgoCD phase alone');
    writeFileSync(prod, JSON.stringify(demoSpec('prod', '6')));
    const quota = await expectCode(
      plane,
      owner,
      ['provision', 'acme/prod', '-f', prod, '--watch', '--interval', '1s'],
      0,
    );
    if (!/terraform SKIPPED/.test(quota) || !/ansible SKIPPED/.test(quota))
      fail('the quota change ran more than the ArgoCD phase');

    step('4. acme/staging with an injected Ansible failure (POST /local/faults)');
    const faults = await fetch(`${plane.url}/local/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phase: 'ansible', count: 1 }),
    });
    if (faults.status !== 200) fail(`POST /local/faults answered ${faults.status}`);
    const staging = join(files, 'staging.json');
    writeFileSync(staging, JSON.stringify(demoSpec('staging', '2')));
    await expectCode(
      plane,
      owner,
      ['provision', 'acme/staging', '-f', staging, '--watch', '--interval', '1s'],
      1,
    );

    step('5. The alert it raised (alerts.jsonl and GET /v1/orgs/acme/alerts)');
    await plane.alerts.settled();
    // Delivery is durable, not synchronous: an alert whose first publish did not go through is
    // published again by the retrier (SLIPWAY_LOCAL_ALERT_RETRY_SECONDS), so wait a bounded while.
    const alert = await stagingAlert(plane.alerts.alertsFile, Date.now() + 90_000);
    if (!alert) fail('no phase.failed alert for acme/staging in alerts.jsonl after 90 s');
    process.stdout.write(`alerts.jsonl: ${alert.message.kind} — ${alert.message.summary}\n`);
    await expectCode(plane, owner, ['alerts', 'acme'], 0);

    step('6. Resume acme/staging: terraform is skipped, the run starts at the failed phase');
    const resumed = await expectCode(
      plane,
      owner,
      ['resume', 'acme/staging', '--watch', '--interval', '1s'],
      0,
    );
    if (!/terraform SKIPPED/.test(resumed)) fail('the resume ran terraform again');

    step('7. Summary');
    await expectCode(plane, owner, ['status', 'acme'], 0);
    for (const env of ['prod', 'staging']) {
      const runs = await plane.repository.listRuns('acme', env);
      for (const run of [...runs.items].reverse()) {
        const phases = run.phaseOrder.map((phase) => `${phase}:${run.phases[phase].status}`).join('  ');
        process.stdout.write(
          `  acme/${env.padEnd(8)} ${run.runId.padEnd(30)} ${run.trigger.padEnd(7)} ${run.status.padEnd(10)} ${phases}\n`,
        );
      }
    }
    process.stdout.write('\nslipway demo: done\n');
  } finally {
    await plane.stop();
    rmSync(files, { recursive: true, force: true });
    if (!process.env.SLIPWAY_DEMO_KEEP) rmSync(dataDir, { recursive: true, force: true });
  }
}

interface JsonlAlert {
  readonly message: { readonly kind: string; readonly environment?: string; readonly summary: string };
}

/** The phase.failed alert of acme/staging in alerts.jsonl, polled every 500 ms until `deadline`. */
async function stagingAlert(file: string, deadline: number): Promise<JsonlAlert | undefined> {
  for (;;) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
    const found = lines
      .map((line) => JSON.parse(line) as JsonlAlert)
      .find((line) => line.message.environment === 'staging' && line.message.kind === 'phase.failed');
    if (found || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

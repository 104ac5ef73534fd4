/**
 * Measures Slipway's budgets (listed in docs/measurements.md) and prints them as Markdown, side by side in one run:
 *   - state transitions, DynamoDB writes and control-plane cost of one run (success and failure);
 *   - each Lambda bundle's size and cold import time (against a DynamoDB-client-only bundle);
 *   - `cdk synth` wall time;
 *   - local mode (`npm start` over HTTP), `npm ci` in a fresh clone and a full `npm run demo`.
 * Exits 1 when a budget is broken (or the demo or `npm ci` fails).
 *
 *   npm run bench               # everything
 *   npm run bench -- workflow   # one part: workflow | clusters | bundles | synth | local | install | demo
 *   npm run bench -- local --envs 20   # local mode with fewer environments at once (default 50)
 *   npm run bench -- mutation [chunk…]  # mutation testing in chunks (bench/mutation-score.ts); only when named
 */
import { spawnSync } from 'node:child_process';
import { reportBundles } from './bundle-sizes.js';
import { measureOnboarding, onboardingMarkdown } from './clusters-onboarding.js';
import { measureDemo, measureNpmCi, type TimedStep, timedStepsMarkdown } from './install-and-demo.js';
import { localModeMarkdown, measureLocalMode } from './local-mode.js';
import { measureWorkflow } from './workflow-budget.js';

const args = process.argv.slice(2);
const envsAt = args.indexOf('--envs');
const envs = envsAt === -1 ? 50 : Number(args[envsAt + 1]);
if (!Number.isInteger(envs) || envs < 1 || envs > 100)
  throw new Error('--envs must be an integer from 1 to 100');
const parts = new Set(args.filter((arg, i) => !arg.startsWith('-') && (envsAt === -1 || i !== envsAt + 1)));
const wants = (part: string) => parts.size === 0 || parts.has(part);
let broken = false;

if (parts.has('mutation')) {
  const { chunks, runMutation } = await import('./mutation-score.js');
  await runMutation(
    args.filter((arg) => arg === '--list' || arg === '--aggregate' || chunks.some((c) => c.name === arg)),
  );
  process.exit(0);
}

if (wants('workflow')) {
  const runs = await measureWorkflow();
  console.log('\n## One provisioning run (synthesized ASL, real handlers, dynalite)\n');
  console.log(
    '| path | status | state transitions | DynamoDB writes | with Idempotency-Key | write units | control-plane cost (USD) |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const run of runs) {
    console.log(
      `| ${run.path} | ${run.status} | ${run.transitions} | ${run.dynamoWrites} | ${run.dynamoWritesWithKey} | ${run.writeUnits} | ${run.costUsd.toFixed(6)} |`,
    );
  }
  const success = runs.find((run) => run.path === 'success');
  const ok =
    success !== undefined &&
    success.transitions <= 12 &&
    success.dynamoWritesWithKey <= 10 &&
    success.costUsd < 0.001;
  broken ||= !ok;
  console.log(
    `\nBudget (success path ≤ 12 transitions, ≤ 10 writes from the PUT to READY, < $0.001): ${ok ? 'met' : 'BROKEN'}`,
  );
}

if (wants('clusters')) {
  const rows = await measureOnboarding();
  console.log('\n## Onboarding: dedicated environment vs tenant of a READY shared cluster (fake builds)\n');
  console.log(onboardingMarkdown(rows));
  broken ||= rows.some((row) => row.status !== 'READY');
}

if (wants('bundles')) {
  const report = await reportBundles();
  console.log('\n## Lambda bundles (minified ESM, esbuild; AWS SDK v3 from the runtime)\n');
  console.log(report.markdown);
  broken ||= !report.ok;
}

if (wants('synth')) {
  const started = performance.now();
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', 'cdk.out.bench'], {
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
  const seconds = (performance.now() - started) / 1000;
  spawnSync('rm', ['-rf', 'cdk.out.bench']);
  if (result.status !== 0) {
    broken = true;
    console.error(result.stderr);
  }
  console.log(
    `\n## cdk synth\n\n\`npx cdk synth --quiet\` (with bundling and cdk-nag): ${seconds.toFixed(1)} s`,
  );
}

if (wants('local')) {
  const report = await measureLocalMode(envs);
  console.log('\n## Local mode (`npm start` as a child process, HTTP on 127.0.0.1)\n');
  console.log(localModeMarkdown(report));
  broken ||= !report.ok;
}

const steps: TimedStep[] = [];
if (wants('install')) steps.push(await measureNpmCi());
if (wants('demo')) steps.push(await measureDemo());
if (steps.length > 0) {
  console.log("\n## A new user's first steps\n");
  console.log(timedStepsMarkdown(steps));
  for (const step of steps.filter((failed) => failed.exitCode !== 0)) {
    broken = true;
    console.error(`\n${step.command} exited ${step.exitCode ?? 'killed'}; its last lines:\n${step.tail}`);
  }
}

process.exitCode = broken ? 1 : 0;

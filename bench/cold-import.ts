/**
 * Cold import cost of Lambda bundles, against a bundle holding only the DynamoDB client.
 *
 * Each sample is a fresh Node 22 process that times one `import()` of the bundle file — module
 * evaluation, which is what a cold start adds on top of the runtime's own boot — twice: wall time
 * and CPU time (`process.cpuUsage()`, user + system, around the import). On a loaded machine the
 * wall time mostly measures how long the process waited for a core; the CPU time is the work the
 * import does, which the load barely changes, so the budget is judged on it and the wall ratio is
 * printed beside it. The bundles leave the AWS SDK v3 out (the nodejs22.x runtime ships it), so
 * each one is copied into a scratch directory whose `node_modules` links to the repository's:
 * `@aws-sdk/*` resolves there as it resolves from /var/runtime/node_modules on Lambda (the same
 * CommonJS packages; the version is the lockfile's, not necessarily the runtime's).
 *
 * Baseline and candidate are interleaved: every sample of a bundle is paired with a baseline
 * sample taken just before or after it (the order alternating by round), and a bundle's ratio is
 * the median of its pairs' ratios, so a load that changes during the run changes both sides of a
 * pair alike. Rounds are bounded by a count and a time limit. Budget (docs/measurements.md): each
 * bundle's CPU ratio at most 1.5×.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { REPO_ROOT } from '../infra/constructs/handler-function.js';

export const COLD_IMPORT_BUDGET_RATIO = 1.5;
export const BASELINE_NAME = 'baseline: @aws-sdk/client-dynamodb only';

export interface BundleFile {
  readonly name: string;
  /** The bundle's entry file (`index.mjs` of its asset). */
  readonly file: string;
}

export interface ColdImport {
  readonly name: string;
  /** Medians over this bundle's samples, in milliseconds. */
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Medians of the ratios to the baseline sample paired with each sample (1 for the baseline). */
  readonly wallRatio: number;
  readonly cpuRatio: number;
  readonly samples: number;
}

export interface ColdImports {
  readonly imports: readonly ColdImport[];
  readonly rounds: number;
  /** 1-minute load average before and after the measurement (`os.loadavg()`). */
  readonly loadBefore: number;
  readonly loadAfter: number;
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Timed in the child: wall and CPU time (user + system) from just before `import()` to its settling. */
const PROBE = [
  'const cpu = process.cpuUsage(); const started = performance.now();',
  'await import(process.argv[1]);',
  'const wall = performance.now() - started; const used = process.cpuUsage(cpu);',
  'process.stdout.write(JSON.stringify({ wallMs: wall, cpuMs: (used.user + used.system) / 1000 }));',
].join(' ');

/**
 * The baseline, bundled with the settings of `HandlerFunction` (minified ESM for node22, the SDK
 * external, the same require banner): a handler that creates a DynamoDB client on first use, as
 * Slipway's handlers do.
 */
async function buildBaseline(dir: string): Promise<string> {
  const entry = path.join(dir, 'baseline.ts');
  writeFileSync(
    entry,
    [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      'let client: DynamoDBClient | undefined;',
      'export const handler = async () => {',
      '  client ??= new DynamoDBClient({});',
      '  return client.config.serviceId;',
      '};',
    ].join('\n'),
  );
  const outfile = path.join(dir, 'baseline', 'index.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    banner: {
      js: "import { createRequire as __slipwayRequire } from 'node:module'; const require = __slipwayRequire(import.meta.url);",
    },
    logLevel: 'silent',
    absWorkingDir: REPO_ROOT,
  });
  return outfile;
}

/** Only what the bundles read at import time; never the caller's whole environment. */
const CHILD_ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_METRICS_NAMESPACE: 'Slipway',
  POWERTOOLS_SERVICE_NAME: 'slipway-bench',
};

function importOnce(file: string): Sample {
  const output = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', PROBE, pathToFileURL(file).href],
    {
      encoding: 'utf8',
      env: CHILD_ENV,
      cwd: path.dirname(file),
      timeout: 30_000,
    },
  );
  const sample: unknown = JSON.parse(output);
  if (
    typeof sample !== 'object' ||
    sample === null ||
    !('wallMs' in sample) ||
    !('cpuMs' in sample) ||
    typeof sample.wallMs !== 'number' ||
    typeof sample.cpuMs !== 'number'
  ) {
    throw new Error(`cold import of ${file} printed ${JSON.stringify(output)}`);
  }
  return { wallMs: sample.wallMs, cpuMs: sample.cpuMs };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * Cold imports of every bundle, each sample paired with a baseline sample (see the module
 * comment), in this process's Node (Node 22 under `npm run bench`): at most `rounds` rounds, and no
 * new round once `limitMs` has passed after the third.
 */
export async function measureColdImports(
  bundles: readonly BundleFile[],
  rounds = 11,
  limitMs = 8 * 60_000,
): Promise<ColdImports> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 22)
    throw new Error(`cold imports are measured on Node 22 (the Lambda runtime), not ${process.version}`);
  const scratch = mkdtempSync(path.join(tmpdir(), 'slipway-cold-import-'));
  try {
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
    const baselineFile = await buildBaseline(scratch);
    const files: BundleFile[] = bundles.map((bundle, index) => {
      const dir = path.join(scratch, `bundle-${index}`);
      mkdirSync(dir);
      const file = path.join(dir, path.basename(bundle.file));
      copyFileSync(bundle.file, file);
      return { name: bundle.name, file };
    });
    const loadBefore = loadavg()[0] ?? 0;
    // One warm-up pass fills the OS file cache for node_modules, which a Lambda host has warm too.
    importOnce(baselineFile);
    for (const bundle of files) importOnce(bundle.file);
    const baseline: Sample[] = [];
    const pairs = files.map(() => [] as { sample: Sample; base: Sample }[]);
    const started = performance.now();
    let done = 0;
    while (done < rounds && (done < 3 || performance.now() - started < limitMs)) {
      files.forEach((bundle, index) => {
        const baseFirst = (done + index) % 2 === 0;
        const base = baseFirst ? importOnce(baselineFile) : undefined;
        const sample = importOnce(bundle.file);
        const paired = base ?? importOnce(baselineFile);
        baseline.push(paired);
        pairs[index]?.push({ sample, base: paired });
      });
      done += 1;
    }
    const loadAfter = loadavg()[0] ?? 0;
    const imports: ColdImport[] = [
      {
        name: BASELINE_NAME,
        wallMs: median(baseline.map((s) => s.wallMs)),
        cpuMs: median(baseline.map((s) => s.cpuMs)),
        wallRatio: 1,
        cpuRatio: 1,
        samples: baseline.length,
      },
      ...files.map((bundle, index) => {
        const own = pairs[index] ?? [];
        return {
          name: bundle.name,
          wallMs: median(own.map((p) => p.sample.wallMs)),
          cpuMs: median(own.map((p) => p.sample.cpuMs)),
          wallRatio: median(own.map((p) => p.sample.wallMs / p.base.wallMs)),
          cpuRatio: median(own.map((p) => p.sample.cpuMs / p.base.cpuMs)),
          samples: own.length,
        };
      }),
    ];
    return { imports, rounds: done, loadBefore, loadAfter };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

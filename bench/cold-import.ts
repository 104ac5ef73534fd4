/**
 * Cold import time of Lambda bundles, against a bundle holding only the DynamoDB client.
 *
 * Each sample is a fresh Node 22 process that times one `import()` of the bundle file — module
 * evaluation, which is what a cold start adds on top of the runtime's own boot. The bundles leave
 * the AWS SDK v3 out (the nodejs22.x runtime ships it), so each one is copied into a scratch
 * directory whose `node_modules` links to the repository's: `@aws-sdk/*` resolves there as it
 * resolves from /var/runtime/node_modules on Lambda (the same CommonJS packages; the version is the
 * lockfile's, not necessarily the runtime's). Samples are taken round-robin, every bundle and the
 * baseline once per round, so a machine slowing down mid-run slows all of them alike. Budget
 * (docs/measurements.md): each bundle's median at most 1.5× the baseline's.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  readonly medianMs: number;
  readonly samples: readonly number[];
}

/** Timed in the child: from just before `import()` to its settling, in milliseconds. */
const PROBE =
  'const started = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - started));';

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

function importOnce(file: string): number {
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
  const ms = Number(output);
  if (!Number.isFinite(ms)) throw new Error(`cold import of ${file} printed ${JSON.stringify(output)}`);
  return ms;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * Medians of `runs` cold imports of every bundle and of the DynamoDB-only baseline (listed first),
 * measured side by side in this process's Node (Node 22 under `npm run bench`).
 */
export async function measureColdImports(bundles: readonly BundleFile[], runs = 15): Promise<ColdImport[]> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 22)
    throw new Error(`cold imports are measured on Node 22 (the Lambda runtime), not ${process.version}`);
  const scratch = mkdtempSync(path.join(tmpdir(), 'slipway-cold-import-'));
  try {
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
    const files: BundleFile[] = [{ name: BASELINE_NAME, file: await buildBaseline(scratch) }];
    bundles.forEach((bundle, index) => {
      const dir = path.join(scratch, `bundle-${index}`);
      mkdirSync(dir);
      const file = path.join(dir, path.basename(bundle.file));
      copyFileSync(bundle.file, file);
      files.push({ name: bundle.name, file });
    });
    const samples = files.map(() => [] as number[]);
    // One warm-up pass fills the OS file cache for node_modules, which a Lambda host has warm too.
    for (const bundle of files) importOnce(bundle.file);
    for (let round = 0; round < runs; round++) {
      files.forEach((bundle, index) => {
        samples[index]?.push(importOnce(bundle.file));
      });
    }
    return files.map((bundle, index) => ({
      name: bundle.name,
      samples: samples[index] ?? [],
      medianMs: median(samples[index] ?? []),
    }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Measures every Lambda bundle of the stack exactly as `cdk deploy` would upload it: synthesizes
 * the stack with bundling on (local esbuild, minified ESM, tree-shaken, AWS SDK v3 left to the
 * runtime), reads the size of every function's asset, and times its cold import against a bundle
 * holding only the DynamoDB client (bench/cold-import.ts). Budget (docs/measurements.md): under 250 KB each,
 * cold import at most 1.5× the baseline's.
 *
 *   npm run bench -- bundles
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { SlipwayStack } from '../infra/slipway-stack.js';
import { BASELINE_NAME, COLD_IMPORT_BUDGET_RATIO, measureColdImports } from './cold-import.js';

export const BUNDLE_BUDGET_BYTES = 250 * 1024;

export interface BundleSize {
  /** The handler, named after its construct: `acquire-lock`, `api/list-organizations`. */
  readonly function: string;
  readonly bytes: number;
  /** The bundle's entry file, while the synthesized assembly still exists. */
  readonly file: string;
}

function directoryBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const full = path.join(dir, entry.name);
    return sum + (entry.isDirectory() ? directoryBytes(full) : statSync(full).size);
  }, 0);
}

/** `Slipway/Api/ListOrganizationsFunction/Resource` → `api/list-organizations`. */
function functionName(constructPath: string): string {
  return constructPath
    .split('/')
    .slice(1, -1)
    .map((part) =>
      part
        .replace(/Function$/, '')
        .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
        .toLowerCase(),
    )
    .join('/');
}

/** Synthesizes with bundling, hands every function's bundle to `use`, then removes the assembly. */
export async function withBundles<T>(use: (bundles: BundleSize[]) => T | Promise<T>): Promise<T> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'slipway-bundles-'));
  try {
    // Asset and path metadata (what the CLI turns on) map each function to its bundle and construct.
    const app = new App({
      outdir,
      context: { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true },
    });
    const stack = new SlipwayStack(app, 'Slipway', { env: { account: '123456789012', region: 'eu-west-1' } });
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const bundles = Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([logicalId, resource]) => {
        const assetPath = resource.Metadata?.['aws:asset:path'];
        const constructPath = resource.Metadata?.['aws:cdk:path'];
        if (!assetPath || !constructPath) throw new Error(`${logicalId} has no bundled asset`);
        const dir = path.join(outdir, assetPath);
        const file = path.join(dir, 'index.mjs');
        if (!existsSync(file))
          throw new Error(`${logicalId} is not an ESM bundle (no index.mjs in ${assetPath})`);
        return { function: functionName(constructPath), bytes: directoryBytes(dir), file };
      });
    return await use(bundles);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface BundleReport {
  readonly markdown: string;
  readonly ok: boolean;
}

/**
 * The bundles table (size; wall and CPU cold import with their ratios to the baseline) as
 * Markdown, with the verdict: under 250 KB and a CPU ratio of at most 1.5×.
 */
export async function reportBundles(rounds = 11): Promise<BundleReport> {
  return withBundles(async (bundles) => {
    const measured = await measureColdImports(
      bundles.map((bundle) => ({ name: bundle.function, file: bundle.file })),
      rounds,
    );
    const baseline = measured.imports.find((entry) => entry.name === BASELINE_NAME);
    if (!baseline) throw new Error('the baseline was not measured');
    const lines = [
      `Cold imports: ${measured.rounds} rounds, each sample paired with a baseline sample; load average (1 min) ${measured.loadBefore.toFixed(1)} before, ${measured.loadAfter.toFixed(1)} after, on ${cpus().length} cores.`,
      '',
      `| function | size (KB) | wall median (ms) | wall ratio | CPU median (ms) | CPU ratio | budget (< 250 KB, CPU ≤ ${COLD_IMPORT_BUDGET_RATIO}×) |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
      `| ${BASELINE_NAME} | – | ${baseline.wallMs.toFixed(1)} | 1.00 | ${baseline.cpuMs.toFixed(1)} | 1.00 | – |`,
    ];
    let ok = true;
    for (const bundle of bundles) {
      const cold = measured.imports.find((entry) => entry.name === bundle.function);
      if (!cold) throw new Error(`${bundle.function} was not measured`);
      const met = bundle.bytes < BUNDLE_BUDGET_BYTES && cold.cpuRatio <= COLD_IMPORT_BUDGET_RATIO;
      ok &&= met;
      lines.push(
        `| ${bundle.function} | ${(bundle.bytes / 1024).toFixed(1)} | ${cold.wallMs.toFixed(1)} | ${cold.wallRatio.toFixed(2)} | ${cold.cpuMs.toFixed(1)} | ${cold.cpuRatio.toFixed(2)} | ${met ? 'met' : 'BROKEN'} |`,
      );
    }
    return { markdown: lines.join('\n'), ok };
  });
}

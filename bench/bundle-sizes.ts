/**
 * Measures each Lambda bundle exactly as `cdk deploy` would upload it: synthesizes the stack with
 * bundling on (local esbuild, minified ESM, AWS SDK v3 included and tree-shaken) and reads the size
 * of every function's asset. Budget (DESIGN.md): under 250 KB each. Exits 1 when over budget.
 *
 *   npm run bench -- bundles
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { SlipwayStack } from '../infra/slipway-stack.js';

export const BUNDLE_BUDGET_BYTES = 250 * 1024;

export interface BundleSize {
  readonly function: string;
  readonly bytes: number;
}

function directoryBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const full = path.join(dir, entry.name);
    return sum + (entry.isDirectory() ? directoryBytes(full) : statSync(full).size);
  }, 0);
}

export function measureBundles(): BundleSize[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'slipway-bundles-'));
  try {
    // Asset metadata (aws:asset:path) is what the CLI turns on; it maps each function to its bundle.
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new SlipwayStack(app, 'Slipway', { env: { account: '123456789012', region: 'eu-west-1' } });
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    return Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([logicalId, resource]) => {
        const assetPath = resource.Metadata?.['aws:asset:path'];
        if (!assetPath) throw new Error(`${logicalId} has no bundled asset`);
        return { function: logicalId, bytes: directoryBytes(path.join(outdir, assetPath)) };
      });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

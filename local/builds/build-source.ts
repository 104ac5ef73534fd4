import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** The repository root (local/builds is two levels down). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Paths never shipped to CodeBuild (kept in step with infra/constructs/gitops-source.ts): local
 * Terraform caches, state and plans, and what a phase run on a laptop leaves behind.
 */
const EXCLUDED = new Set([
  '.terraform',
  'terraform.tfstate',
  'terraform.tfstate.backup',
  'tfplan',
  'node_modules',
  'slipway.auto.tfvars.json',
  'terraform-outputs.json',
  '.phase-exports.env',
  '.phase',
  'collections',
]);

/**
 * Prepares the CodeBuild source of local builds under `<dataDir>/builds/source`: this
 * repository's `buildspecs/` and `gitops/` (what the phase projects' S3 asset holds), plus the
 * tenant renderer bundled to `dist/render-tenants.mjs` as `cdk synth` bundles it. Rebuilt at each
 * call, so a started local mode runs the buildspecs and scripts of the checkout it started from;
 * every build then copies this folder into its own work folder. `bundleRenderer: false` skips the
 * bundle (tests of the terraform phase, which does not use it).
 */
export async function prepareBuildSource(
  dataDir: string,
  options: { root?: string; bundleRenderer?: boolean } = {},
): Promise<string> {
  const root = options.root ?? REPO_ROOT;
  const dir = join(dataDir, 'builds', 'source');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const folder of ['buildspecs', 'gitops']) {
    cpSync(join(root, folder), join(dir, folder), {
      recursive: true,
      filter: (source) => !EXCLUDED.has(basename(source)),
    });
  }
  if (
    options.bundleRenderer !== false &&
    existsSync(join(root, 'gitops', 'kubernetes', 'tenants', 'cli.ts'))
  ) {
    // Loaded on demand: the bundler pulls in esbuild and the CDK construct module.
    const { bundleTenantRenderer } = await import('../../infra/constructs/gitops-source.js');
    bundleTenantRenderer(join(dir, 'dist'));
  }
  return dir;
}

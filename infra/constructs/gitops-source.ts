import { copyFileSync, cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { REPO_ROOT } from './handler-function.js';

/**
 * Paths never shipped to CodeBuild: local Terraform caches, state and plans, and what a phase run on
 * a laptop leaves behind (rendered tfvars, outputs, exports, Ansible's phase folder and collections,
 * which may hold a kubeconfig).
 */
const EXCLUDED = [
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
];

/**
 * The source every phase project builds from: `buildspecs/` and `gitops/` of this repository, plus
 * the tenant renderer bundled by esbuild into `dist/render-tenants.mjs` so the argocd-bootstrap
 * phase runs it with plain `node` (no npm install inside the build). Bundled at synth time on this
 * machine (no Docker), hashed by its output so any change to a buildspec or manifest re-uploads it.
 */
export class GitopsSource extends Construct {
  readonly asset: s3assets.Asset;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.asset = new s3assets.Asset(this, 'Asset', {
      path: path.join(REPO_ROOT, 'buildspecs'),
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('local-bundling-only'),
        local: { tryBundle: (outputDir) => bundleGitopsSource(outputDir) },
      },
    });
  }
}

/** Copies the phase payload of `root` into `outputDir` and bundles the tenant renderer; exported for tests. */
export function bundleGitopsSource(outputDir: string, root: string = REPO_ROOT): boolean {
  const keep = (source: string) => !EXCLUDED.includes(path.basename(source));
  for (const folder of ['buildspecs', 'gitops']) {
    cpSync(path.join(root, folder), path.join(outputDir, folder), { recursive: true, filter: keep });
  }
  bundleTenantRenderer(path.join(outputDir, 'dist'));
  return true;
}

/**
 * Bundles `gitops/kubernetes/tenants/cli.ts` into `<distDir>/render-tenants.mjs`, runnable with
 * plain `node` and no node_modules. kubernetes-models validates with re2-wasm, whose loader reads
 * `re2.wasm` beside it through `__dirname`: the banner defines `__dirname` for the ESM bundle and
 * the wasm file is shipped next to it.
 */
export function bundleTenantRenderer(distDir: string): string {
  mkdirSync(distDir, { recursive: true });
  const outfile = path.join(distDir, 'render-tenants.mjs');
  buildSync({
    entryPoints: [path.join(REPO_ROOT, 'gitops', 'kubernetes', 'tenants', 'cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    logLevel: 'error',
    banner: {
      js: [
        "import { createRequire as __slipwayRequire } from 'node:module';",
        "import { fileURLToPath as __slipwayPath } from 'node:url';",
        "import { dirname as __slipwayDirname } from 'node:path';",
        'const require = __slipwayRequire(import.meta.url);',
        'const __filename = __slipwayPath(import.meta.url);',
        'const __dirname = __slipwayDirname(__filename);',
      ].join(' '),
    },
  });
  const re2 = createRequire(import.meta.url).resolve('re2-wasm/build/wasm/re2.wasm');
  copyFileSync(re2, path.join(distDir, 're2.wasm'));
  return outfile;
}

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { ManifestFile } from './render.js';

/** One file's objects as multi-document YAML, each object validated against its schema first. */
export function toYaml(file: ManifestFile): string {
  return file.objects
    .map((object) => {
      object.validate();
      return stringify(object.toJSON(), { lineWidth: 0 });
    })
    .join('---\n');
}

/**
 * Writes the bundle into `outDir` plus a kustomization.yaml listing every file, so ArgoCD (and
 * `kubectl kustomize`) builds it as one unit. The directory must be new or empty: a file left from
 * an earlier render would keep a removed namespace alive.
 */
export function writeBundle(outDir: string, files: readonly ManifestFile[]): string[] {
  mkdirSync(outDir, { recursive: true });
  if (readdirSync(outDir).length > 0) throw new Error(`output directory ${outDir} is not empty`);
  const names = files.map((file) => file.file);
  for (const file of files) writeFileSync(path.join(outDir, file.file), toYaml(file));
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...names].sort(),
  };
  writeFileSync(path.join(outDir, 'kustomization.yaml'), stringify(kustomization));
  return [...names, 'kustomization.yaml'];
}

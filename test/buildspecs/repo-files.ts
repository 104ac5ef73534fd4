import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const BUILDSPEC_DIR = join(REPO_ROOT, 'buildspecs');
export const SCRIPTS_DIR = join(BUILDSPEC_DIR, 'scripts');

/** Files under `dir` (recursively) whose name ends with `suffix`, as paths relative to the repository. */
export function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)))
    .toSorted();
}

/** The buildspec files: `buildspecs/*.yml` (scripts live one level down). */
export function buildspecFiles(): string[] {
  return readdirSync(BUILDSPEC_DIR, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yml'))
    .map((entry) => relative(REPO_ROOT, join(BUILDSPEC_DIR, entry.name)))
    .toSorted();
}

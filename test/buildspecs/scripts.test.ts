import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../support/tools.js';
import { filesUnder, REPO_ROOT, SCRIPTS_DIR } from './repo-files.js';

const scripts = filesUnder(SCRIPTS_DIR, '.sh');

/** The script's source text. */
const textOf = (script: string): string => readFileSync(join(REPO_ROOT, script), 'utf8');

/**
 * Sourced helper libraries: everything under scripts/lib/, and any script another script sources
 * (`source ".../name.sh"`). They run inside a script that already set `set -euo pipefail`, so
 * they must not set shell options of their own.
 */
const sourcedNames = new Set(
  scripts.flatMap((script) =>
    [...textOf(script).matchAll(/^\s*(?:source|\.)\s+.*?([\w.-]+\.sh)"?\s*$/gm)].map((match) => match[1]),
  ),
);
const isLibrary = (script: string): boolean =>
  script.startsWith('buildspecs/scripts/lib/') || sourcedNames.has(basename(script));

/** The script's code lines: comments and blank lines dropped (a comment may say "no sleep"). */
function codeLines(script: string): string[] {
  return textOf(script)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

describe('buildspec scripts', () => {
  beforeAll(() => {
    requireTool('shellcheck', 'apt-get install shellcheck');
  });

  it('exist, with the shared helpers recognised as sourced libraries', () => {
    expect(scripts.length).toBeGreaterThan(0);
    expect(isLibrary('buildspecs/scripts/lib/common.sh')).toBe(true);
    expect(scripts.filter((script) => !isLibrary(script)).length).toBeGreaterThan(0);
  });

  it.each(scripts)('%s is shellcheck clean (following sourced files)', (script) => {
    const result = spawnSync('shellcheck', ['--external-sources', '--source-path=SCRIPTDIR', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });

  it.each(scripts.filter((script) => !isLibrary(script)))('%s starts with set -euo pipefail', (script) => {
    expect(codeLines(script)[0]).toBe('set -euo pipefail');
  });

  it.each(scripts)('%s neither swallows failures with || true nor sleeps', (script) => {
    const lines = codeLines(script);
    expect(lines.filter((line) => /\|\|\s*(true|:)(\s|;|$)/.test(line))).toEqual([]);
    expect(lines.filter((line) => /(^|[\s;&|(])sleep(\s|$)/.test(line))).toEqual([]);
  });
});

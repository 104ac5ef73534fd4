import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, normalize } from 'node:path';
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

const COMMON = 'buildspecs/scripts/lib/common.sh';

/** Files a script sources relative to itself (`source "$(dirname "${BASH_SOURCE[0]}")/x.sh"`), transitively. */
function sourcedFiles(script: string, seen = new Set<string>()): Set<string> {
  for (const match of textOf(script).matchAll(
    /^\s*(?:source|\.)\s+"\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/([\w./-]+\.sh)"\s*$/gm,
  )) {
    const file = normalize(join(dirname(script), match[1] ?? ''));
    if (!seen.has(file)) {
      seen.add(file);
      sourcedFiles(file, seen);
    }
  }
  return seen;
}

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

  it.each(scripts.filter((script) => !isLibrary(script)))(
    '%s sources lib/common.sh (and with it inherit_errexit) right after set -euo pipefail',
    (script) => {
      expect(codeLines(script)[1]).toMatch(/^source "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/[\w./-]+\.sh"$/);
      expect([...sourcedFiles(script)]).toContain(COMMON);
    },
  );

  it('lib/common.sh keeps errexit on inside command substitutions', () => {
    // Without inherit_errexit bash runs `$(...)` without errexit: the check below would go on
    // after its failing command and hand back a made-up value.
    const result = spawnSync(
      'bash',
      [
        '-c',
        [
          'set -euo pipefail',
          `source ${COMMON}`,
          'shopt -q inherit_errexit',
          'check() { false; printf made-up; }',
          'value="$(check)"',
          'printf "reached with %s" "$value"',
        ].join('\n'),
      ],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
  });

  it('lib/common.sh require_json refuses an empty file, garbage, two documents and the wrong shape', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-require-json-'));
    const check = (content: string) => {
      const file = join(dir, 'report.json');
      writeFileSync(file, content);
      return spawnSync(
        'bash',
        [
          '-c',
          `set -euo pipefail; source ${COMMON}; require_json "$1" 'type == "object" and (.items | type == "array")' 'a list'`,
          'bash',
          file,
        ],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      );
    };
    try {
      const valid = check('{"items": []}');
      expect(valid.status, valid.stderr).toBe(0);
      for (const content of ['', 'garbage', '{"items": []}{"items": []}', '{"items": 3}', '[]']) {
        const result = check(content);
        expect(result.status, JSON.stringify(content)).not.toBe(0);
        expect(result.stderr).toMatch(/^ERROR - .*report\.json is not a list$/m);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(scripts)('%s neither swallows failures with || true nor sleeps', (script) => {
    const lines = codeLines(script);
    expect(lines.filter((line) => /\|\|\s*(true|:)(\s|;|$)/.test(line))).toEqual([]);
    expect(lines.filter((line) => /(^|[\s;&|(])sleep(\s|$)/.test(line))).toEqual([]);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { PHASES } from '../../functions/domain/model.js';
import { PHASE_EXPORTS } from './phase-exports.js';
import { BUILDSPEC_DIR, buildspecFiles, REPO_ROOT } from './repo-files.js';
import { TEARDOWN_EXPORTS } from './teardown-exports.js';

const TOP_LEVEL_KEYS = [
  'version',
  'run-as',
  'env',
  'proxy',
  'batch',
  'phases',
  'reports',
  'artifacts',
  'cache',
];
const PHASE_NAMES = ['install', 'pre_build', 'build', 'post_build'];

const Phase = z
  .object({
    commands: z.array(z.string().min(1)).min(1),
    finally: z.array(z.string().min(1)).optional(),
    'on-failure': z.enum(['ABORT', 'RETRY', 'CONTINUE']).optional(),
    'runtime-versions': z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    'run-as': z.string().optional(),
  })
  .strict();
const Buildspec = z
  .object({
    version: z.literal(0.2),
    env: z
      .object({ 'exported-variables': z.array(z.string().regex(/^[A-Z][A-Z0-9_]*$/)).min(1) })
      .catchall(z.unknown()),
    phases: z.record(z.string(), Phase),
  })
  .catchall(z.unknown());

const TEARDOWN_DIR = join(BUILDSPEC_DIR, 'teardown');
/** The teardown buildspecs: `buildspecs/teardown/*.yml`, one per phase (the lead's BuildspecOverride). */
const teardownFiles = readdirSync(TEARDOWN_DIR, { withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.yml'))
  .map((entry) => relative(REPO_ROOT, join(TEARDOWN_DIR, entry.name)))
  .toSorted();
const files = [...buildspecFiles(), ...teardownFiles];
const hasExportContract = (name: string): name is keyof typeof PHASE_EXPORTS => name in PHASE_EXPORTS;
const hasTeardownContract = (name: string): name is keyof typeof TEARDOWN_EXPORTS => name in TEARDOWN_EXPORTS;

function load(file: string): unknown {
  return parse(readFileSync(join(REPO_ROOT, file), 'utf8'));
}

describe('buildspecs', () => {
  it('exist for every phase of the workflow', () => {
    for (const phase of PHASES) {
      expect(existsSync(join(BUILDSPEC_DIR, `${phase}.yml`)), `buildspecs/${phase}.yml`).toBe(true);
    }
  });

  it('have a teardown buildspec for every phase, and no other', () => {
    expect(teardownFiles).toEqual(PHASES.map((phase) => `buildspecs/teardown/${phase}.yml`).toSorted());
  });

  describe.each(files)('%s', (file) => {
    it('is a version 0.2 buildspec with only known top-level keys', () => {
      const document = z.record(z.string(), z.unknown()).parse(load(file));
      expect(Object.keys(document).filter((key) => !TOP_LEVEL_KEYS.includes(key))).toEqual([]);
      expect(document.version).toBe(0.2);
    });

    it('has only known phases, each with a list of commands, exporting a non-empty list of variables', () => {
      const buildspec = Buildspec.safeParse(load(file));
      expect(buildspec.error?.issues ?? []).toEqual([]);
      expect(
        Object.keys(buildspec.data?.phases ?? {}).filter((phase) => !PHASE_NAMES.includes(phase)),
      ).toEqual([]);
    });

    it('never continues past a failed phase', () => {
      const buildspec = Buildspec.parse(load(file));
      const continuing = Object.entries(buildspec.phases)
        .filter(([, phase]) => phase['on-failure'] === 'CONTINUE')
        .map(([name]) => name);
      expect(continuing).toEqual([]);
    });

    it('calls only scripts that exist', () => {
      const buildspec = Buildspec.parse(load(file));
      const scripts = Object.values(buildspec.phases)
        .flatMap((phase) => [...phase.commands, ...(phase.finally ?? [])])
        .flatMap((command) =>
          [...command.matchAll(/buildspecs\/scripts\/[\w./-]+\.sh/g)].map((match) => match[0]),
        );
      for (const script of scripts) {
        expect(existsSync(join(REPO_ROOT, script)), script).toBe(true);
      }
    });
  });

  const contracted = buildspecFiles().filter((file) => hasExportContract(basename(file, '.yml')));
  it.each(contracted)('%s exports exactly the variables of docs/phase-contract.md', (file) => {
    const phase = basename(file, '.yml');
    if (!hasExportContract(phase)) throw new Error(`${phase} has no export contract`);
    const exported = Buildspec.parse(load(file)).env['exported-variables'];
    expect(exported.toSorted()).toEqual([...PHASE_EXPORTS[phase]].toSorted());
  });

  it.each(teardownFiles)(
    '%s exports exactly the variables of the Teardown section of docs/phase-contract.md',
    (file) => {
      const phase = basename(file, '.yml');
      if (!hasTeardownContract(phase)) throw new Error(`${phase} has no teardown export contract`);
      const exported = Buildspec.parse(load(file)).env['exported-variables'];
      expect(exported.toSorted()).toEqual([...TEARDOWN_EXPORTS[phase]].toSorted());
    },
  );
});

/** The rows `| phase | `A`, `B` |` of the table under the `## <heading>` of docs/phase-contract.md. */
function exportTable(heading: string): Record<string, (string | undefined)[]> {
  const contract = readFileSync(join(REPO_ROOT, 'docs/phase-contract.md'), 'utf8');
  const section = contract.split(/^## /m).find((part) => part.startsWith(heading)) ?? '';
  const rows = [...section.matchAll(/^\| *([a-z-]+) *\| *(`[^|]+`) *\|$/gm)].map((match) => [
    match[1],
    [...(match[2] ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((name) => name[1]),
  ]);
  return Object.fromEntries(rows);
}

describe('TEARDOWN_EXPORTS', () => {
  it('matches the exported variables table of the "Teardown" section of docs/phase-contract.md', () => {
    expect(exportTable('Teardown')).toEqual(TEARDOWN_EXPORTS);
  });

  it('covers every phase of the workflow', () => {
    expect(Object.keys(TEARDOWN_EXPORTS).toSorted()).toEqual([...PHASES].toSorted());
  });
});

describe('PHASE_EXPORTS', () => {
  it('matches the "Exported variables" table of docs/phase-contract.md', () => {
    expect(exportTable('Exported variables')).toEqual(PHASE_EXPORTS);
  });

  it('covers every phase of the workflow', () => {
    expect(Object.keys(PHASE_EXPORTS).toSorted()).toEqual([...PHASES].toSorted());
  });
});

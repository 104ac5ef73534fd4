/**
 * The state machine local mode runs is the one the CDK app synthesizes — never a hand-written copy.
 * Synthesizing takes seconds, so the resolved definition is cached in the data folder, keyed by a
 * hash of everything that shapes it: the CDK app (infra/), every repository file it imports,
 * directly or not (the workflow's domain contracts, the API route table that wires handlers, the
 * table schema), cdk.json and the locked dependency versions. Change any of them and the next
 * start synthesizes again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { REPO_ROOT } from '../builds/build-source.js';
import { type CfnTemplate, definitionFromTemplate } from './definition.js';

/** Where the CDK app lives, and the files outside it that shape every synthesis. */
const APP_DIR = 'infra';
const SETTINGS = ['cdk.json', 'package-lock.json'];
const CACHE_FILE = 'state-machine.json';

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  const entries = readdirSync(path, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.[cm]?ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The source file a relative import names (`./x.js` is written for `./x.ts`), inside the root. */
function resolveImport(root: string, from: string, specifier: string): string | undefined {
  const target = resolve(dirname(from), specifier);
  if (!target.startsWith(root + sep) || target.includes(`${sep}node_modules${sep}`)) return undefined;
  const candidates = [
    target.replace(/\.([cm]?)js$/, '.$1ts'),
    target,
    `${target}.ts`,
    join(target, 'index.ts'),
  ];
  return candidates.find((candidate) => statSync(candidate, { throwIfNoEntry: false })?.isFile());
}

/**
 * The files the definition is synthesized from, sorted: every TypeScript file under infra/, every
 * repository file those import (followed transitively), and the settings files that exist.
 */
export function definitionSources(root = REPO_ROOT): string[] {
  const seen = new Set<string>();
  const pending = filesUnder(join(root, APP_DIR));
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const imported = resolveImport(root, file, match[1] as string);
      if (imported && !seen.has(imported)) pending.push(imported);
    }
  }
  const settings = SETTINGS.map((name) => join(root, name)).filter(existsSync);
  return [...seen, ...settings].map((file) => relative(root, file)).sort();
}

/** Hash of the files the definition is synthesized from (names and contents). */
export function definitionSourceHash(root = REPO_ROOT): string {
  const hash = createHash('sha256');
  for (const file of definitionSources(root)) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(root, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

/** Synthesizes the stack in-process without bundling (the template is all this needs). */
async function synthesize(): Promise<StateMachineDefinition> {
  const [{ App }, { SlipwayStack }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../infra/slipway-stack.js'),
  ]);
  // No bundling and none of the CDK's own template validation (about 20 s of CPU on a loaded
  // 2-core machine): `cdk synth` and the infra tests validate the template; this needs its ASL.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new SlipwayStack(app, 'Slipway', { env: { account: '123456789012', region: 'us-east-1' } });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  return definitionFromTemplate(template);
}

export interface LoadedDefinition {
  readonly definition: StateMachineDefinition;
  /** Whether it came from the cache (false: synthesized now). */
  readonly cached: boolean;
}

export interface LoadDefinitionOptions {
  /** The checkout whose CDK app is hashed (tests point it at a small copy). */
  readonly sourceRoot?: string;
  /** Produces the definition when the cache misses (default: synthesize the CDK app). */
  readonly synthesize?: () => Promise<StateMachineDefinition>;
}

export async function loadDefinition(
  dataDir: string,
  options: LoadDefinitionOptions = {},
): Promise<LoadedDefinition> {
  const file = join(dataDir, CACHE_FILE);
  const key = definitionSourceHash(options.sourceRoot ?? REPO_ROOT);
  if (existsSync(file)) {
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown; definition?: unknown };
      if (stored.key === key && stored.definition) {
        return { definition: stored.definition as StateMachineDefinition, cached: true };
      }
    } catch {
      // An unreadable cache is synthesized again.
    }
  }
  const definition = await (options.synthesize ?? synthesize)();
  writeDefinition(file, key, definition);
  return { definition, cached: false };
}

function writeDefinition(file: string, key: string, definition: StateMachineDefinition): void {
  writeFileSync(file, JSON.stringify({ key, definition }));
}

/**
 * Stores `definition` as the data folder's cached one for the checkout at `sourceRoot`, as a start
 * that synthesized it would: the next start in that folder loads it instead of synthesizing. For a
 * caller that already holds the synthesized template (the tests share one synth per run).
 */
export function storeDefinition(
  dataDir: string,
  definition: StateMachineDefinition,
  sourceRoot = REPO_ROOT,
): void {
  writeDefinition(join(dataDir, CACHE_FILE), definitionSourceHash(sourceRoot), definition);
}

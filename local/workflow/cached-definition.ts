/**
 * The state machine local mode runs is the one the CDK app synthesizes — never a hand-written copy.
 * Synthesizing takes seconds, so the resolved definition is cached in the data folder, keyed by a
 * hash of everything that shapes it (the CDK app, the workflow's domain contracts and the locked
 * dependency versions): change the CDK app and the next start synthesizes again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { REPO_ROOT } from '../builds/build-source.js';
import { type CfnTemplate, definitionFromTemplate } from './definition.js';

const INPUTS = ['infra', 'functions/domain', 'cdk.json', 'package-lock.json'];
const CACHE_FILE = 'state-machine.json';

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  const entries = readdirSync(path, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Hash of the files the definition is synthesized from. */
export function definitionSourceHash(root = REPO_ROOT): string {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    const absolute = join(root, input);
    const files = existsSync(absolute) && !absolute.endsWith('.json') ? filesUnder(absolute) : [absolute];
    for (const file of files.filter(existsSync)) {
      hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** Synthesizes the stack in-process without bundling (the template is all this needs). */
async function synthesize(): Promise<StateMachineDefinition> {
  const [{ App }, { SlipwayStack }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../infra/slipway-stack.js'),
  ]);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SlipwayStack(app, 'Slipway', { env: { account: '123456789012', region: 'us-east-1' } });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  return definitionFromTemplate(template);
}

export interface LoadedDefinition {
  readonly definition: StateMachineDefinition;
  /** Whether it came from the cache (false: synthesized now). */
  readonly cached: boolean;
}

export async function loadDefinition(dataDir: string): Promise<LoadedDefinition> {
  const file = join(dataDir, CACHE_FILE);
  const key = definitionSourceHash();
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
  const definition = await synthesize();
  writeFileSync(file, JSON.stringify({ key, definition }));
  return { definition, cached: false };
}

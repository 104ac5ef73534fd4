import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../local/builds/build-source.js';
import {
  definitionSources,
  loadDefinition,
  storeDefinition,
} from '../../../local/workflow/cached-definition.js';

/**
 * The cached state machine definition is reused while nothing that shapes it changed, and
 * synthesized again when the CDK app or a file it imports changes. A small source tree stands in
 * for the checkout and a counting function for the synthesis (the subject is the cache key; the
 * real synthesis is exercised by the first start in test/e2e/local-mode.test.ts).
 */
let root = '';
let dataDir = '';
let syntheses = 0;

const FILES: Record<string, string> = {
  'infra/app.ts': "import { SlipwayStack } from './slipway-stack.js';\nnew SlipwayStack();\n",
  'infra/slipway-stack.ts':
    "import { API_ROUTES } from '../functions/handlers/api/routes.js';\n" +
    "import type { Phase } from '../functions/domain/model.js';\n" +
    'export class SlipwayStack {}\n',
  'functions/handlers/api/routes.ts': "export * from './route-list.js';\n",
  'functions/handlers/api/route-list.ts': "export const API_ROUTES = ['GET /v1/orgs'];\n",
  'functions/domain/model.ts': "export type Phase = 'terraform';\n",
  'functions/handlers/api/environment-get.ts': 'export const handler = () => 200;\n',
  'local/main.ts': "import '../infra/app.js';\n",
  'cdk.json': '{"app": "npx tsx infra/app.ts"}\n',
  'package-lock.json': '{"lockfileVersion": 3}\n',
};

function write(file: string, text: string) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

async function load() {
  return loadDefinition(dataDir, {
    sourceRoot: root,
    synthesize: async () => {
      syntheses++;
      return {
        StartAt: 'Done',
        States: { Done: { Type: 'Succeed', Comment: `synthesis ${syntheses}` } },
      } as StateMachineDefinition;
    },
  });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'slipway-definition-cache-'));
  dataDir = join(root, '.slipway');
  mkdirSync(dataDir);
  for (const [file, text] of Object.entries(FILES)) write(file, text);
  syntheses = 0;
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the cached state machine definition', () => {
  it('is synthesized on a fresh data folder and reused while nothing changed', async () => {
    const first = await load();
    const second = await load();
    expect(first.cached).toBe(false);
    expect(second).toEqual({ cached: true, definition: first.definition });
    expect(syntheses).toBe(1);
  });

  it.each([
    ['a CDK app source changes', () => appendFileSync(join(root, 'infra/slipway-stack.ts'), '// x\n')],
    ['a file is added to the CDK app', () => write('infra/constructs/alerts.ts', 'export {};\n')],
    [
      'a handler-wiring file the app imports (transitively) changes',
      () =>
        write(
          'functions/handlers/api/route-list.ts',
          "export const API_ROUTES = ['GET /v1/orgs', 'PUT /x'];\n",
        ),
    ],
    [
      'a domain contract the app imports changes',
      () => appendFileSync(join(root, 'functions/domain/model.ts'), '\n'),
    ],
    ['cdk.json changes', () => write('cdk.json', '{"app": "npx tsx infra/app.ts", "context": {}}\n')],
    [
      'the locked dependency versions change',
      () => write('package-lock.json', '{"lockfileVersion": 3, "x": 1}\n'),
    ],
  ])('is synthesized again when %s', async (_, change) => {
    await load();
    change();
    const after = await load();
    expect(after.cached).toBe(false);
    expect(after.definition.States.Done).toMatchObject({ Comment: 'synthesis 2' });
    expect((await load()).cached).toBe(true);
    expect(syntheses).toBe(2);
  });

  it('is reused when only files the CDK app does not import change', async () => {
    await load();
    appendFileSync(join(root, 'functions/handlers/api/environment-get.ts'), '// a handler body\n');
    appendFileSync(join(root, 'local/main.ts'), '// local mode\n');
    write('docs/new.md', '# new\n');
    expect((await load()).cached).toBe(true);
    expect(syntheses).toBe(1);
  });

  it('is loaded, not synthesized, from a definition stored for the checkout', async () => {
    const stored = { StartAt: 'Seeded', States: { Seeded: { Type: 'Succeed' } } } as StateMachineDefinition;
    storeDefinition(dataDir, stored, root);
    expect(await load()).toEqual({ cached: true, definition: stored });
    expect(syntheses).toBe(0);
    appendFileSync(join(root, 'infra/slipway-stack.ts'), '// x\n');
    expect((await load()).cached).toBe(false);
  });

  it('is synthesized again when the cache file is unreadable', async () => {
    await load();
    writeFileSync(join(dataDir, 'state-machine.json'), '{ not json');
    expect((await load()).cached).toBe(false);
    expect(syntheses).toBe(2);
  });

  it('is keyed, in this checkout, on infra/ and the functions/ files it imports, not on local/', () => {
    const sources = definitionSources(REPO_ROOT);
    expect(sources).toEqual(
      expect.arrayContaining([
        'infra/slipway-stack.ts',
        'infra/constructs/provisioning-workflow.ts',
        'functions/domain/model.ts',
        'functions/handlers/api/routes.ts',
        'functions/adapters/dynamodb/table-schema.ts',
        'cdk.json',
        'package-lock.json',
      ]),
    );
    expect(sources.filter((file) => file.startsWith('local/') || file.startsWith('test/'))).toEqual([]);
  });
});

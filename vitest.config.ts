import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/sequencer.js';

/**
 * The in-process tests — the domain, the adapters, the handlers, the API and hooks over dynalite —
 * share workers (no per-file isolation): a fresh worker per file cost each of them its start-up and
 * imports again (dynalite, the SDK, zod schemas), about half their CPU. They keep no global state
 * between files, except those kept isolated here: they read the environment as their modules load,
 * and the fan-out, the longest of them, has a worker to itself anyway.
 */
const NEEDS_ISOLATION = new Set([
  'test/functions/shared/powertools.test.ts',
  'test/functions/api/entry-points.test.ts',
  'test/functions/handlers/entry-points.test.ts',
  'test/functions/hooks/push-fanout.test.ts',
]);
const IN_PROCESS = ['test/functions', 'test/domain'].flatMap((folder) =>
  readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => `${folder}/${file.split('\\').join('/')}`)
    .filter((file) => !NEEDS_ISOLATION.has(file)),
);

export default defineConfig({
  test: {
    environment: 'node',
    // Generous: the real-tool tests (ansible, terraform, the phase scripts) take seconds on a quiet
    // 2-core machine and minutes on a loaded one; a test that hangs still ends, at this bound.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A folder for the run's shared synthesized template (test/support/shared-synth.ts).
    globalSetup: ['test/support/global-setup.ts'],
    // Vitest's default is one worker less than the cores: a single worker on a 2-core CI machine.
    // Most files spend their time waiting on child processes (terraform, ansible, the CLI, local
    // mode), dynalite or sockets, so three workers keep both cores busy.
    maxWorkers: 3,
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default'],
    projects: [
      { test: { name: 'in-process', include: IN_PROCESS, isolate: false } },
      { test: { name: 'isolated', include: ['test/**/*.test.ts'], exclude: IN_PROCESS } },
    ],
  },
});

import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
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
  },
});

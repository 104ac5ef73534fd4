/**
 * Vitest global setup: a folder for this run's shared synthesized templates
 * (test/support/shared-synth.ts), removed when the run ends. Each test project (vitest.config.ts)
 * runs it, in the one main process: they share the folder, so the template is synthesized once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

const shared = globalThis as { slipwaySynth?: { dir: string; users: number } };

export default function setup(project: TestProject) {
  shared.slipwaySynth ??= { dir: mkdtempSync(join(tmpdir(), 'slipway-synth-')), users: 0 };
  const synth = shared.slipwaySynth;
  synth.users += 1;
  project.provide('slipwaySynthDir', synth.dir);
  return () => {
    synth.users -= 1;
    if (synth.users === 0) {
      rmSync(synth.dir, { recursive: true, force: true });
      shared.slipwaySynth = undefined;
    }
  };
}

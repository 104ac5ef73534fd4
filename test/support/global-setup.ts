/**
 * Vitest global setup: a folder for this run's shared synthesized templates
 * (test/support/shared-synth.ts), removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-synth-'));
  project.provide('slipwaySynthDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

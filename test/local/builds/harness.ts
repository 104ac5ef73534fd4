import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { LocalBuild } from '../../../local/builds/build-record.js';
import { LocalBuildRunner, type LocalBuildRunnerOptions } from '../../../local/builds/runner.js';

export const FIXTURES = resolve(import.meta.dirname, 'fixtures');

/** A data folder and a source root whose buildspecs/ holds the fixtures (`<name>.yml` per "phase"). */
export function fixtureWorkspace(): {
  dataDir: string;
  sourceDir: string;
  trace: string;
  remove: () => void;
} {
  const root = mkdtempSync(join(tmpdir(), 'slipway-local-builds-'));
  const sourceDir = join(root, 'source');
  mkdirSync(sourceDir, { recursive: true });
  cpSync(FIXTURES, join(sourceDir, 'buildspecs'), { recursive: true });
  return {
    dataDir: join(root, 'data'),
    sourceDir,
    trace: join(root, 'trace.log'),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function fixtureRunner(
  workspace: { dataDir: string; sourceDir: string },
  options: Partial<LocalBuildRunnerOptions> = {},
): LocalBuildRunner {
  return new LocalBuildRunner({ dataDir: workspace.dataDir, sourceDir: workspace.sourceDir, ...options });
}

export const plain = (Name: string, Value: string) => ({ Name, Value, Type: 'PLAINTEXT' });

/** StartBuild parameters of a fixture build that appends what it does to `trace`. */
export function parameters(trace: string, more: Array<{ Name: string; Value: string; Type: string }> = []) {
  return { ProjectName: 'FixtureProject', EnvironmentVariablesOverride: [plain('TRACE', trace), ...more] };
}

/** The Build a failed build task carried, after checking it failed the way Step Functions reports it. */
export async function failedBuild(pending: Promise<unknown>): Promise<{ build: LocalBuild; cause: string }> {
  const error = await pending.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  const failure = error as Error;
  expect(failure.name).toBe('States.TaskFailed');
  const parsed = JSON.parse(failure.message) as { Build: LocalBuild };
  return { build: parsed.Build, cause: failure.message };
}

export function traceLines(trace: string): string[] {
  return readFileSync(trace, 'utf8').trim().split('\n');
}

export function logOf(build: LocalBuild): string {
  return readFileSync(fileURLToPath(build.Logs.DeepLink), 'utf8');
}

/** The buildspec phases of a build, as `TYPE:STATUS`. */
export function phaseStatuses(build: LocalBuild): string[] {
  return build.Phases.filter((phase) =>
    ['INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD'].includes(phase.PhaseType),
  ).map((phase) => `${phase.PhaseType}:${phase.PhaseStatus}`);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT } from './repo-files.js';

/*
 * What the teardown tests share: a teardown buildspec read from buildspecs/teardown/, turned into
 * the bash script CodeBuild would run, and the exported variables read back from that script's
 * output. The tests run it against the labelled stubs of test/buildspecs/stubs-teardown.
 */

export const TEARDOWN_STUBS = join(REPO_ROOT, 'test/buildspecs/stubs-teardown');

export const TeardownBuildspec = z.object({
  env: z.object({
    variables: z.record(z.string(), z.string()),
    'secrets-manager': z.record(z.string(), z.string()).optional(),
    'exported-variables': z.array(z.string()),
  }),
  phases: z.record(z.string(), z.object({ commands: z.array(z.string()) })),
});
export type TeardownBuildspec = z.infer<typeof TeardownBuildspec>;

export function loadTeardownBuildspec(phase: string): TeardownBuildspec {
  return TeardownBuildspec.parse(
    parseYaml(readFileSync(join(REPO_ROOT, 'buildspecs/teardown', `${phase}.yml`), 'utf8')),
  );
}

/**
 * CodeBuild's phase rules in one bash shell: a failed pre_build command ends the build (no build,
 * no post_build, no exports); a failed build command skips the rest of build, and post_build still
 * runs with CODEBUILD_BUILD_SUCCEEDING=0; the exported variables are read at the end of post_build.
 * `PHASE <name>` lines mark where each phase starts.
 */
export function codebuildScript(buildspec: TeardownBuildspec): string {
  const commands = (phase: string) => buildspec.phases[phase]?.commands ?? [];
  return [
    'export CODEBUILD_BUILD_SUCCEEDING=1',
    "printf 'PHASE pre_build\\n'",
    ...commands('pre_build').map(
      (command) => `{ ${command}\n} || { echo "CODEBUILD - pre_build failed" >&2; exit 1; }`,
    ),
    "printf 'PHASE build\\n'",
    ...commands('build').map(
      (command) =>
        `if [[ "$CODEBUILD_BUILD_SUCCEEDING" == 1 ]]; then { ${command}\n} || { echo "CODEBUILD - build failed" >&2; CODEBUILD_BUILD_SUCCEEDING=0; }; fi`,
    ),
    "printf 'PHASE post_build\\n'",
    ...commands('post_build').map(
      (command) => `{ ${command}\n} || { echo "CODEBUILD - post_build failed" >&2; exit 1; }`,
    ),
    `for name in ${buildspec.env['exported-variables'].join(' ')}; do printf 'EXPORT %s=%s\\n' "$name" "\${!name-}"; done`,
    '[[ "$CODEBUILD_BUILD_SUCCEEDING" == 1 ]]',
  ].join('\n');
}

/** The `EXPORT NAME=value` lines of a run's stdout. */
export function exportsOf(stdout: string): Record<string, string> {
  return Object.fromEntries(
    [...stdout.matchAll(/^EXPORT (\w+)=(.*)$/gm)].map(([, key = '', value = '']) => [key, value]),
  );
}

/** The indexes of `needles` in `lines` (first line that includes each), -1 when absent. */
export function positionsOf(lines: readonly string[], needles: readonly string[]): number[] {
  return needles.map((needle) => lines.findIndex((line) => line.includes(needle)));
}

/** The workflow's overrides for a teardown build (docs/phase-contract.md). */
export function teardownOverrides(runId: string, spec: unknown, previousOutputs: unknown) {
  return {
    SLIPWAY_ORGANIZATION: 'acme',
    SLIPWAY_ENVIRONMENT: 'prod',
    SLIPWAY_RUN_ID: runId,
    SLIPWAY_COMMIT: '',
    SLIPWAY_TRIGGER: 'teardown',
    SLIPWAY_SPEC: JSON.stringify(spec),
    SLIPWAY_PREVIOUS_OUTPUTS: JSON.stringify(previousOutputs),
  };
}

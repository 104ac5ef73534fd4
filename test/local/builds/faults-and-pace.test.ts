import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFailureCause } from '../../../functions/domain/failure-cause.js';
import { PhaseFaultCounter, parseFaultSpec } from '../../../local/builds/faults.js';
import { FAULT_COMMAND } from '../../../local/builds/runner.js';
import { localBuildSettingsFromEnv } from '../../../local/builds/settings.js';
import {
  failedBuild,
  fixtureRunner,
  fixtureWorkspace,
  logOf,
  parameters,
  phaseStatuses,
  traceLines,
} from './harness.js';

/**
 * Fault injection (SLIPWAY_LOCAL_FAULTS / POST /local/faults) fails the next builds of a phase on a
 * real failing command; the configurable pace holds the BUILD phase; the build timeout stops a
 * build that runs too long.
 */
let workspace: ReturnType<typeof fixtureWorkspace>;
beforeEach(() => {
  workspace = fixtureWorkspace();
});
afterEach(() => workspace.remove());

describe('fault injection', () => {
  it('fails the next N builds of the phase in BUILD, with post_build still run, then lets builds succeed', async () => {
    const faults = new PhaseFaultCounter();
    faults.set('ansible', 1);
    const faulted = fixtureRunner(workspace, { faults, buildspecFor: () => 'buildspecs/phases.yml' });

    const { build, cause } = await failedBuild(faulted.build('ansible', parameters(workspace.trace)));
    await faulted.build('ansible', parameters(workspace.trace));

    expect(phaseStatuses(build)).toEqual([
      'INSTALL:SUCCEEDED',
      'PRE_BUILD:SUCCEEDED',
      'BUILD:FAILED',
      'POST_BUILD:SUCCEEDED',
    ]);
    expect(parseFailureCause('ansible', { Error: 'States.TaskFailed', Cause: cause }).cause).toBe(
      `Build ${build.Id} FAILED in build phase BUILD: COMMAND_EXECUTION_ERROR: Error while executing command: ${FAULT_COMMAND} ansible. Reason: exit status 2`,
    );
    expect(logOf(build)).toContain('[simulated] injected fault: this ansible build fails here');
    // The faulted build skipped its BUILD commands; the next build ran them.
    expect(traceLines(workspace.trace).filter((line) => line.startsWith('post_build'))).toEqual([
      'post_build plain= child=unset dir=sub',
      'post_build plain=plain-shell-variable child=yes dir=sub',
    ]);
    expect(faults.pending()).toEqual({});
  });

  it('leaves other phases alone', async () => {
    const faults = new PhaseFaultCounter();
    faults.set('ansible', 2);
    const runner = fixtureRunner(workspace, { faults, buildspecFor: () => 'buildspecs/phases.yml' });

    await runner.build('terraform', parameters(workspace.trace));

    expect(faults.pending()).toEqual({ ansible: 2 });
  });

  it('reads SLIPWAY_LOCAL_FAULTS and the other settings, refusing bad values by name', () => {
    expect(parseFaultSpec('ansible:1, terraform:2')).toEqual([
      { phase: 'ansible', count: 1 },
      { phase: 'terraform', count: 2 },
    ]);
    expect(() => parseFaultSpec('helm:1')).toThrow(/SLIPWAY_LOCAL_FAULTS entry 'helm:1'/);
    const settings = localBuildSettingsFromEnv({
      SLIPWAY_LOCAL_FAULTS: 'argocd-bootstrap:3',
      SLIPWAY_LOCAL_PHASE_SECONDS: '0.5',
    });
    expect(settings.faults.pending()).toEqual({ 'argocd-bootstrap': 3 });
    expect(settings).toMatchObject({ concurrency: 4, phaseSeconds: 0.5, realTools: 'all' });
    expect(() => localBuildSettingsFromEnv({ SLIPWAY_LOCAL_BUILD_CONCURRENCY: '0' })).toThrow(
      /SLIPWAY_LOCAL_BUILD_CONCURRENCY/,
    );
    expect(() => localBuildSettingsFromEnv({ SLIPWAY_LOCAL_PHASE_SECONDS: 'slow' })).toThrow(
      /SLIPWAY_LOCAL_PHASE_SECONDS/,
    );
    expect(() => localBuildSettingsFromEnv({ SLIPWAY_LOCAL_REAL_TOOLS: 'some' })).toThrow(
      /SLIPWAY_LOCAL_REAL_TOOLS/,
    );
  });
});

describe('pace and timeout', () => {
  it('holds the BUILD phase for phaseSeconds', async () => {
    const runner = fixtureRunner(workspace, { phaseSeconds: 1 });

    const { Build } = await runner.build('environment', parameters(workspace.trace));

    const phase = Build.Phases.find((entry) => entry.PhaseType === 'BUILD');
    expect((phase?.EndTime ?? 0) - (phase?.StartTime ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(logOf(Build)).toContain('holding the BUILD phase for 1s');
  });

  it('stops a build that outlives its timeout and reports TIMED_OUT', async () => {
    const runner = fixtureRunner(workspace, { timeoutSeconds: 0.2 });

    const { build } = await failedBuild(runner.build('timestamps', parameters(workspace.trace)));

    expect(build.BuildStatus).toBe('TIMED_OUT');
    const timedOut = build.Phases.find((phase) => phase.PhaseStatus === 'TIMED_OUT');
    expect(timedOut?.Contexts?.[0]?.StatusCode).toBe('BUILD_TIMED_OUT');
    expect(
      parseFailureCause('terraform', { Error: 'States.TaskFailed', Cause: JSON.stringify({ Build: build }) })
        .retryable,
    ).toBe(true);
  });

  it('stops running builds on shutdown, and ends later ones STOPPED without running them', async () => {
    const runner = fixtureRunner(workspace, { phaseSeconds: 30 });
    const running = failedBuild(runner.build('environment', parameters(workspace.trace)));
    // The build holds its BUILD phase for 30 s; stop it once it has written its trace.
    while (!existsSync(workspace.trace)) await sleep(20);
    runner.shutdown();
    const { build } = await running;
    const later = await failedBuild(runner.build('phases', parameters(`${workspace.trace}.later`)));

    expect(build.BuildStatus).toBe('STOPPED');
    expect(build.EndTime - build.StartTime).toBeLessThan(10_000);
    expect(later.build.BuildStatus).toBe('STOPPED');
    expect(existsSync(`${workspace.trace}.later`)).toBe(false);
  });
});

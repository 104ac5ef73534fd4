import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFailureCause } from '../../../functions/domain/failure-cause.js';
import { localProjectVariables } from '../../../local/builds/project-variables.js';
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
 * The local build runner against small buildspec fixtures (test/local/builds/fixtures): phases run
 * in CodeBuild's order and with its transitions, in one shell whose state carries from command to
 * command, and the Build it returns (or fails with) is the shape the workflow reads.
 */
let workspace: ReturnType<typeof fixtureWorkspace>;
beforeEach(() => {
  workspace = fixtureWorkspace();
});
afterEach(() => workspace.remove());

describe('LocalBuildRunner', () => {
  it('runs install, pre_build, build and post_build in order, carrying the shell state between commands', async () => {
    const runner = fixtureRunner(workspace);
    const { Build } = await runner.build('phases', parameters(workspace.trace));

    expect(traceLines(workspace.trace)).toEqual([
      'install succeeding=1 number=3',
      'pre_build dir=sub',
      // Arrays are not carried from one command to the next (as in CodeBuild).
      'build finally array=none',
      'post_build plain=plain-shell-variable child=yes dir=sub',
    ]);
    expect(Build.BuildStatus).toBe('SUCCEEDED');
    expect(phaseStatuses(Build)).toEqual([
      'INSTALL:SUCCEEDED',
      'PRE_BUILD:SUCCEEDED',
      'BUILD:SUCCEEDED',
      'POST_BUILD:SUCCEEDED',
    ]);
    expect(Build.Phases.map((phase) => phase.PhaseType)).toEqual([
      'SUBMITTED',
      'QUEUED',
      'PROVISIONING',
      'DOWNLOAD_SOURCE',
      'INSTALL',
      'PRE_BUILD',
      'BUILD',
      'POST_BUILD',
      'UPLOAD_ARTIFACTS',
      'FINALIZING',
      'COMPLETED',
    ]);
  });

  it('exports the variables as they are at the end of post_build, unset ones empty', async () => {
    const { Build } = await fixtureRunner(workspace).build('phases', parameters(workspace.trace));

    expect(Build.ExportedEnvironmentVariables).toEqual([
      { Name: 'GREETING', Value: 'changed in post_build' },
      { Name: 'FROM_BUILD', Value: 'plain-shell-variable' },
      { Name: 'FROM_POST_BUILD', Value: 'set in post_build' },
      { Name: 'NEVER_SET', Value: '' },
    ]);
  });

  it('gives the build a clearly local id, a file:// log link to its log and a work folder copy of the source', async () => {
    const runner = fixtureRunner(workspace, { keepWorkFolders: 'always' });
    const { Build } = await runner.build('phases', parameters(workspace.trace));

    expect(Build.Id).toMatch(/^FixtureProject:local-[0-9a-f-]{36}$/);
    expect(Build.Arn).toBe(`arn:aws:codebuild:us-east-1:123456789012:build/${Build.Id}`);
    expect(Build.Logs.DeepLink).toBe(`file://${runner.logFile(Build.Id)}`);
    expect(runner.logFile(Build.Id)).toBe(`${workspace.dataDir}/builds/${Build.Id}.log`);
    const log = logOf(Build);
    expect(log).toContain('Entering phase POST_BUILD');
    expect(log).toContain('Running command mkdir -p sub && cd sub');
    expect(log).toContain(`Build ${Build.Id} SUCCEEDED`);
    expect(existsSync(`${runner.workFolder(Build.Id)}/buildspecs/phases.yml`)).toBe(true);
    expect(existsSync(`${runner.workFolder(Build.Id)}/sub`)).toBe(true);
  });

  it('fails the build on a failing command, runs finally and post_build, and reports the cause as CodeBuild does', async () => {
    const { build, cause } = await failedBuild(
      fixtureRunner(workspace).build('failing-build', parameters(workspace.trace)),
    );

    expect(traceLines(workspace.trace)).toEqual([
      'build first',
      'build finally succeeding=0',
      'post_build succeeding=0',
    ]);
    expect(build.BuildStatus).toBe('FAILED');
    expect(phaseStatuses(build)).toEqual([
      'INSTALL:SUCCEEDED',
      'PRE_BUILD:SUCCEEDED',
      'BUILD:FAILED',
      'POST_BUILD:SUCCEEDED',
    ]);
    const failed = build.Phases.find((phase) => phase.PhaseType === 'BUILD');
    expect(failed?.Contexts).toEqual([
      {
        StatusCode: 'COMMAND_EXECUTION_ERROR',
        Message: 'Error while executing command: echo "about to fail"; exit 3. Reason: exit status 3',
      },
    ]);
    // Values set in post_build of a failed build are still exported.
    expect(build.ExportedEnvironmentVariables).toEqual([{ Name: 'AFTER_FAILURE', Value: 'recorded' }]);
    // What the workflow's RecordFailure makes of it.
    expect(parseFailureCause('ansible', { Error: 'States.TaskFailed', Cause: cause })).toEqual({
      phase: 'ansible',
      buildId: build.Id,
      logLink: build.Logs.DeepLink,
      cause: `Build ${build.Id} FAILED in build phase BUILD: COMMAND_EXECUTION_ERROR: Error while executing command: echo "about to fail"; exit 3. Reason: exit status 3`,
      retryable: false,
    });
    expect(logOf(build)).toContain(
      'Command did not exit successfully echo "about to fail"; exit 3 exit status 3',
    );
    expect(logOf(build)).toContain('about to fail\n');
  });

  it('skips build and post_build after a failed pre_build, but runs its finally block', async () => {
    const { build } = await failedBuild(
      fixtureRunner(workspace).build('failing-pre-build', parameters(workspace.trace)),
    );

    expect(traceLines(workspace.trace)).toEqual(['install', 'pre_build finally']);
    expect(phaseStatuses(build)).toEqual(['INSTALL:SUCCEEDED', 'PRE_BUILD:FAILED']);
    expect(build.Phases.map((phase) => phase.PhaseType)).not.toContain('UPLOAD_ARTIFACTS');
  });

  it('runs nothing after a failed install', async () => {
    const { build } = await failedBuild(
      fixtureRunner(workspace).build('install-fails', parameters(workspace.trace)),
    );

    expect(existsSync(workspace.trace)).toBe(false);
    expect(phaseStatuses(build)).toEqual(['INSTALL:FAILED']);
  });

  it('honours on-failure: CONTINUE goes on to the next phase, ABORT skips post_build', async () => {
    const { build } = await failedBuild(
      fixtureRunner(workspace).build('on-failure', parameters(workspace.trace)),
    );

    expect(traceLines(workspace.trace)).toEqual(['pre_build', 'build succeeding=0']);
    expect(build.BuildStatus).toBe('FAILED');
    expect(phaseStatuses(build)).toEqual(['INSTALL:SUCCEEDED', 'PRE_BUILD:FAILED', 'BUILD:FAILED']);
    // The first failure is the one the cause reports.
    const cause = parseFailureCause('terraform', {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify({ Build: build }),
    });
    expect(cause.cause).toContain('in build phase PRE_BUILD: COMMAND_EXECUTION_ERROR');
    expect(cause.cause).toContain('Reason: exit status 4');
  });

  it('fails a build whose buildspec CodeBuild would refuse in DOWNLOAD_SOURCE, naming the key', async () => {
    const { build } = await failedBuild(
      fixtureRunner(workspace).build('broken', parameters(workspace.trace)),
    );

    const download = build.Phases.find((phase) => phase.PhaseType === 'DOWNLOAD_SOURCE');
    expect(download?.PhaseStatus).toBe('FAILED');
    expect(download?.Contexts?.[0]?.StatusCode).toBe('YAML_FILE_ERROR');
    expect(download?.Contexts?.[0]?.Message).toContain('phases.build.on-failure');
    expect(phaseStatuses(build)).toEqual([]);
  });

  it('refuses StartBuild parameters without a project name before any build starts', async () => {
    const runner = fixtureRunner(workspace);
    const error = await runner
      .build('phases', { EnvironmentVariablesOverride: [] })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('CodeBuild.InvalidInputException');
    expect((error as Error).message).toContain('ProjectName');
    expect(existsSync(`${workspace.dataDir}/builds`)).toBe(false);
  });

  it('lets StartBuild overrides win over project variables, which win over the buildspec', async () => {
    const runner = fixtureRunner(workspace, {
      projectVariables: () => ({ NUMBER: 'from-project', GREETING: 'from-project' }),
    });
    const { Build } = await runner.build(
      'phases',
      parameters(workspace.trace, [{ Name: 'NUMBER', Value: 'from-override', Type: 'PLAINTEXT' }]),
    );

    expect(traceLines(workspace.trace)[0]).toBe('install succeeding=1 number=from-override');
    // GREETING is reassigned in post_build; before that the project's value held.
    expect(Build.ExportedEnvironmentVariables[0]).toEqual({
      Name: 'GREETING',
      Value: 'changed in post_build',
    });
  });

  it('forwards nothing of its own process environment to the build', async () => {
    process.env.SLIPWAY_TEST_LEAK = 'must-not-reach-the-build';
    try {
      await fixtureRunner(workspace).build('environment', parameters(workspace.trace));
    } finally {
      delete process.env.SLIPWAY_TEST_LEAK;
    }

    const names = traceLines(workspace.trace);
    expect(names).not.toContain('SLIPWAY_TEST_LEAK');
    expect(names).toEqual(
      expect.arrayContaining([
        'PATH',
        'HOME',
        'TMPDIR',
        'FROM_BUILDSPEC',
        'TRACE',
        'CODEBUILD_BUILD_ID',
        'CODEBUILD_SRC_DIR',
        'CODEBUILD_BUILD_SUCCEEDING',
        'AWS_REGION',
      ]),
    );
    // Everything else a command sees is the runner's own, documented set.
    const expected = new Set([
      'PATH',
      'HOME',
      'TMPDIR',
      'LANG',
      'PWD',
      'SHLVL',
      '_',
      'OLDPWD',
      'FROM_BUILDSPEC',
      'TRACE',
    ]);
    const unexpected = names.filter(
      (name) => !expected.has(name) && !/^(CODEBUILD_|AWS_|SLIPWAY_)/.test(name),
    );
    expect(unexpected).toEqual([]);
  });

  it("gives project variables the build's own folders, which local projects use for fixed /tmp paths", async () => {
    const seen: Array<{ id: string; workDir: string; tempDir: string }> = [];
    const runner = fixtureRunner(workspace, {
      projectVariables: (_phase, _project, build) => {
        seen.push(build);
        return {};
      },
    });
    const { Build } = await runner.build('phases', parameters(workspace.trace));

    expect(seen).toEqual([
      {
        id: Build.Id,
        workDir: runner.workFolder(Build.Id),
        tempDir: expect.stringContaining('slipway-build-'),
      },
    ]);
    // The build's TMPDIR is gone with the build.
    expect(existsSync(seen[0]?.tempDir ?? '')).toBe(false);
    const local = localProjectVariables({ dataDir: workspace.dataDir, gitopsRepository: '/srv/gitops.git' });
    expect(local('argocd-bootstrap', 'Project', { tempDir: '/tmp/b1' })).toMatchObject({
      ARGOCD_PHASE_DIR: '/tmp/b1/argocd-phase',
      SLIPWAY_GITOPS_REPOSITORY: '/srv/gitops.git',
    });
    expect(local('ansible', 'Project', { tempDir: '/tmp/b2' })).toMatchObject({
      ANSIBLE_HOME: '/tmp/b2/ansible-home',
    });
    expect(local('terraform')).toHaveProperty('SLIPWAY_NODE_PERMISSIONS_BOUNDARY');
  });

  it('runs the buildspec StartBuild names in BuildspecOverride, as a path or inline', async () => {
    const runner = fixtureRunner(workspace);
    const byPath = await runner.build('ignored', {
      ...parameters(workspace.trace),
      BuildspecOverride: 'buildspecs/environment.yml',
    });
    const inline = await runner.build('ignored', {
      ...parameters(workspace.trace),
      BuildspecOverride:
        'version: 0.2\nenv:\n  exported-variables: [WHO]\nphases:\n  build:\n    commands:\n      - WHO=inline\n',
    });

    expect(traceLines(workspace.trace)).toContain('FROM_BUILDSPEC');
    expect(byPath.Build.BuildStatus).toBe('SUCCEEDED');
    expect(inline.Build.ExportedEnvironmentVariables).toEqual([{ Name: 'WHO', Value: 'inline' }]);
  });

  it('removes the shell state a killed process left behind when it starts', () => {
    const stale = `${workspace.dataDir}/builds/agent/Project:local-killed`;
    mkdirSync(stale, { recursive: true });
    writeFileSync(`${stale}/state.env`, "declare -x SECRET='left by a killed build'\n");

    fixtureRunner(workspace);

    expect(existsSync(stale)).toBe(false);
  });
});

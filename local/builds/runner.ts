import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { buildEnvironment } from './build-environment.js';
import { BuildLog } from './build-log.js';
import { BuildQueue } from './build-queue.js';
import {
  type BuildPhaseType,
  type BuildResult,
  type BuildStatus,
  commandError,
  type ExportedVariable,
  type LocalBuild,
  type PhaseContext,
  PhaseTimeline,
  taskFailed,
} from './build-record.js';
import { BUILD_PHASES, type BuildspecPhase, type BuildspecPhaseName, parseBuildspec } from './buildspec.js';
import type { BuildFaults } from './faults.js';
import { LocalSecretStore } from './secret-store.js';
import { ShellSession } from './shell-session.js';
import { parseStartBuildParameters, type StartBuildParameters } from './start-build-parameters.js';

/** The simulators shipped with the repository (local/simulators), first on every build's PATH. */
export const SIMULATORS_DIR = resolve(import.meta.dirname, '..', 'simulators');
/** The command an injected fault runs in place of the BUILD phase's first command. */
export const FAULT_COMMAND = 'slipway-local-fault';

export interface LocalBuildRunnerOptions {
  /** `$SLIPWAY_DATA_DIR`: logs, work folders, the secret store and the simulated S3 live under it. */
  readonly dataDir: string;
  /** The CodeBuild source: a folder copied into every build's work folder (see prepareBuildSource). */
  readonly sourceDir: string;
  /**
   * Which buildspec a project runs, relative to the source root, unless StartBuild names one in
   * `BuildspecOverride`. @default `buildspecs/<phase>.yml`
   */
  readonly buildspecFor?: (phase: string, projectName: string) => string;
  /**
   * The project's own variables (CDK sets them on each CodeBuild project); `build` names the
   * build's own folders, for values that must differ between builds sharing this machine.
   * @default none
   */
  readonly projectVariables?: (
    phase: string,
    projectName: string,
    build: BuildContext,
  ) => Readonly<Record<string, string>>;
  /** Builds running at once; more wait in the queue, first in first out. @default 4 */
  readonly concurrency?: number;
  /** Seconds the BUILD phase is held after its commands, so a demo is watchable. @default 0 */
  readonly phaseSeconds?: number;
  /** A build still running after this is stopped and ends TIMED_OUT. @default 3600 */
  readonly timeoutSeconds?: number;
  /** Asked once per build; `true` makes that build fail on a failing command. @default no faults */
  readonly faults?: BuildFaults;
  /** @default SIMULATORS_DIR */
  readonly simulatorsDir?: string;
  /** PATH after the simulators. @default this process's PATH */
  readonly toolPath?: string;
  /** `none`: simulators never hand work to real tools (fast, fully simulated builds). @default 'all' */
  readonly realTools?: 'all' | 'none';
  /** The hashicorp provider mirror terraform init uses (see findTerraformProviderMirror). @default none */
  readonly terraformProviderMirror?: string;
  /** More variables of the "build image" (lowest precedence). */
  readonly imageVariables?: Readonly<Record<string, string>>;
  /** @default 'us-east-1' (the region local mode's state machine definition uses) */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** Which work folders survive their build (logs always do). @default 'failed' */
  readonly keepWorkFolders?: 'always' | 'failed' | 'never';
}

/** What a build has to itself on this machine (CodeBuild gives every build its own container). */
export interface BuildContext {
  readonly id: string;
  /** CODEBUILD_SRC_DIR. */
  readonly workDir: string;
  /** The build's private TMPDIR, removed when it ends. */
  readonly tempDir: string;
}

interface PhaseOutcome {
  readonly status: BuildStatus;
  readonly context?: PhaseContext;
}

const PHASE_TYPES: Record<BuildspecPhaseName, BuildPhaseType> = {
  install: 'INSTALL',
  pre_build: 'PRE_BUILD',
  build: 'BUILD',
  post_build: 'POST_BUILD',
};

/**
 * The local stand-in for CodeBuild behind the workflow's `codebuild:startBuild.sync` states:
 * `build(phase, parameters)` runs the project's real buildspec with bash in a fresh work folder
 * and resolves with `{ Build }`, or throws `States.TaskFailed` with the failed Build as JSON.
 * What the runner honours of buildspec v0.2, and what it simulates, is in docs/local-builds.md.
 */
export class LocalBuildRunner {
  readonly secrets: LocalSecretStore;
  readonly queue: BuildQueue;
  private readonly numbers = new Map<string, number>();
  private readonly sessions = new Set<ShellSession>();
  private readonly aborts = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: LocalBuildRunnerOptions) {
    this.secrets = new LocalSecretStore(join(options.dataDir, 'secrets'));
    this.queue = new BuildQueue(options.concurrency ?? 4);
    // Agent folders hold running builds' shell state, secrets included. Any found now belong to
    // builds of a process that was killed: they will never finish, so their state goes.
    rmSync(join(options.dataDir, 'builds', 'agent'), { recursive: true, force: true });
    for (const [name, value] of [
      ['phaseSeconds', options.phaseSeconds ?? 0],
      ['timeoutSeconds', options.timeoutSeconds ?? 3600],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
    }
  }

  /** The log file of a build id. */
  logFile(buildId: string): string {
    return join(this.options.dataDir, 'builds', `${buildId}.log`);
  }

  /** The per-build work folder (the build's CODEBUILD_SRC_DIR). */
  workFolder(buildId: string): string {
    return join(this.options.dataDir, 'builds', 'work', buildId);
  }

  /** Runs one build of `phase` with StartBuild's `parameters` (the workflow's build handler). */
  readonly build = async (phase: string, parameters: unknown): Promise<BuildResult> => {
    const start = parseStartBuildParameters(parameters);
    const number = (this.numbers.get(start.ProjectName) ?? 0) + 1;
    this.numbers.set(start.ProjectName, number);
    const id = `${start.ProjectName}:local-${randomUUID()}`;
    const faulted = this.options.faults?.take(phase) ?? false;
    const timeline = new PhaseTimeline();
    const startTime = Date.now();
    timeline.instant('SUBMITTED');
    timeline.start('QUEUED');
    const log = new BuildLog(this.logFile(id));
    log.agent(
      `Build ${id} of project ${start.ProjectName} (phase ${phase}) submitted to the local build runner`,
    );
    if (this.queue.active >= this.queue.limit) {
      log.agent(`Queued: ${this.queue.active} builds running, limit ${this.queue.limit}`);
    }
    const build = await this.queue.run(() =>
      this.execute({ phase, start, id, number, faulted, timeline, startTime, log }),
    );
    if (build.BuildStatus !== 'SUCCEEDED') throw taskFailed(build);
    return { Build: build };
  };

  /** Stops every running build (they end STOPPED); queued builds then fail fast. */
  shutdown(): void {
    this.closed = true;
    for (const abort of this.aborts) abort.abort();
    for (const session of this.sessions) session.kill();
  }

  private async execute(run: {
    phase: string;
    start: StartBuildParameters;
    id: string;
    number: number;
    faulted: boolean;
    timeline: PhaseTimeline;
    startTime: number;
    log: BuildLog;
  }): Promise<LocalBuild> {
    const { phase, start, id, timeline, log } = run;
    timeline.end('SUCCEEDED');
    const region = this.options.region ?? 'us-east-1';
    const arn = `arn:aws:codebuild:${region}:${this.options.accountId ?? '123456789012'}:build/${id}`;
    const workDir = this.workFolder(id);
    const agentDir = join(this.options.dataDir, 'builds', 'agent', id);
    // TMPDIR is short on purpose: Terraform providers listen on a Unix socket in it, and a socket
    // path longer than 108 bytes cannot be created.
    const tempDir = mkdtempSync(join(tmpdir(), 'slipway-build-'));
    const abort = new AbortController();
    this.aborts.add(abort);
    let session: ShellSession | undefined;
    // Mutable from the timeout callback, hence an object rather than a narrowed local.
    const outcome: { status: BuildStatus } = { status: 'SUCCEEDED' };
    let exported: ExportedVariable[] = [];
    let ranBuildPhase = false;
    if (this.closed) abort.abort();
    const timer = setTimeout(
      () => {
        outcome.status = 'TIMED_OUT';
        abort.abort();
        session?.kill();
      },
      (this.options.timeoutSeconds ?? 3600) * 1000,
    );
    timer.unref();
    try {
      timeline.start('PROVISIONING');
      log.agent('Running on the Slipway local build runner (this machine; see docs/local-builds.md)');
      rmSync(agentDir, { recursive: true, force: true });
      mkdirSync(join(agentDir, 'home'), { recursive: true, mode: 0o700 });
      timeline.end('SUCCEEDED');

      timeline.start('DOWNLOAD_SOURCE');
      let prepared: ReturnType<LocalBuildRunner['prepare']>;
      try {
        prepared = this.prepare({ run, arn, region, workDir, agentDir, tempDir });
      } catch (error) {
        // The source copy itself failed (disk full, permissions): CodeBuild's CLIENT_ERROR.
        prepared = { error: { StatusCode: 'CLIENT_ERROR', Message: (error as Error).message } };
      }
      if ('error' in prepared) {
        log.agent(`Phase complete: DOWNLOAD_SOURCE State: FAILED`);
        log.agent(
          `Phase context status code: ${prepared.error.StatusCode} Message: ${prepared.error.Message}`,
        );
        timeline.end('FAILED', [prepared.error]);
        outcome.status = 'FAILED';
      } else {
        timeline.end('SUCCEEDED');
        const { buildspec, variables, secretValues } = prepared;
        log.addSecrets(secretValues);
        session = new ShellSession({
          agentDir,
          cwd: workDir,
          shell: buildspec.shell,
          environment: variables,
          onOutput: (chunk) => log.output(chunk),
        });
        this.sessions.add(session);
        let succeeding = true;
        for (const name of BUILD_PHASES) {
          if (abort.signal.aborted) break;
          const type = PHASE_TYPES[name];
          const spec = withFault(buildspec.phases[name], name, run.faulted, phase);
          timeline.start(type);
          log.agent(`Entering phase ${type}`);
          const result = await this.runPhase(session, spec, log, succeeding, abort.signal);
          if (name === 'build') {
            ranBuildPhase = true;
            await this.hold(log, abort.signal);
          }
          const final: PhaseOutcome =
            outcome.status === 'TIMED_OUT'
              ? {
                  status: 'TIMED_OUT',
                  context: { StatusCode: 'BUILD_TIMED_OUT', Message: 'Build has timed out.' },
                }
              : abort.signal.aborted
                ? {
                    status: 'STOPPED',
                    context: { StatusCode: 'BUILD_STOPPED', Message: 'Build was stopped.' },
                  }
                : result;
          log.agent(`Phase complete: ${type} State: ${final.status}`);
          log.agent(
            `Phase context status code: ${final.context?.StatusCode ?? ''} Message: ${final.context?.Message ?? ''}`,
          );
          timeline.end(final.status, final.context ? [final.context] : undefined);
          if (final.status === 'SUCCEEDED') continue;
          succeeding = false;
          if (outcome.status === 'SUCCEEDED') outcome.status = final.status;
          if (final.status !== 'FAILED') break;
          // CodeBuild's transitions: a failed INSTALL or PRE_BUILD ends the build, a failed BUILD
          // still runs POST_BUILD; `on-failure` overrides that (ABORT ends it, CONTINUE goes on).
          const onFailure = spec?.onFailure ?? (name === 'build' ? 'CONTINUE' : 'ABORT');
          if (onFailure === 'ABORT') break;
        }
        // Stopped between two phases (shutdown, or before the first one): not a success.
        if (abort.signal.aborted && outcome.status === 'SUCCEEDED') outcome.status = 'STOPPED';
        // Exported variables are frozen where post_build ends (or where the build stopped).
        const values = await session.variables(buildspec.exportedVariables);
        exported = buildspec.exportedVariables.map((Name) => ({ Name, Value: values[Name] ?? '' }));
      }
      if (ranBuildPhase) timeline.instant('UPLOAD_ARTIFACTS');
      timeline.instant('FINALIZING');
      log.agent(`Build ${id} ${outcome.status}`);
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
      if (session) this.sessions.delete(session);
      log.close();
      // The agent folder holds the shell state, secrets included: never left behind.
      rmSync(agentDir, { recursive: true, force: true });
      rmSync(tempDir, { recursive: true, force: true });
      const keep = this.options.keepWorkFolders ?? 'failed';
      if (keep === 'never' || (keep === 'failed' && outcome.status === 'SUCCEEDED')) {
        rmSync(workDir, { recursive: true, force: true });
      }
    }
    return {
      Id: id,
      Arn: arn,
      BuildNumber: run.number,
      ProjectName: start.ProjectName,
      BuildStatus: outcome.status,
      BuildComplete: true,
      CurrentPhase: 'COMPLETED',
      Initiator: 'slipway-local',
      StartTime: run.startTime,
      EndTime: Date.now(),
      Phases: timeline.complete(),
      Logs: {
        DeepLink: pathToFileURL(this.logFile(id)).href,
        GroupName: `local/builds/${start.ProjectName}`,
        StreamName: id,
      },
      ExportedEnvironmentVariables: exported,
    };
  }

  /** DOWNLOAD_SOURCE: the source copy, the buildspec and the variables (secrets resolved). */
  private prepare(input: {
    run: { phase: string; start: StartBuildParameters; id: string; number: number; log: BuildLog };
    arn: string;
    region: string;
    workDir: string;
    agentDir: string;
    tempDir: string;
  }):
    | {
        buildspec: ReturnType<typeof parseBuildspec>;
        variables: Record<string, string>;
        secretValues: string[];
      }
    | { error: PhaseContext } {
    const { run, workDir, agentDir } = input;
    const { phase, start, log } = run;
    // StartBuild's BuildspecOverride (the teardown builds) wins over the project's buildspec; like
    // CodeBuild's, it is a path relative to the source root or an inline buildspec.
    const override = start.BuildspecOverride;
    const inline = override !== undefined && /\n|^\s*version\s*:/.test(override);
    const buildspecPath =
      override && !inline
        ? override
        : (this.options.buildspecFor ?? ((name) => `buildspecs/${name}.yml`))(phase, start.ProjectName);
    rmSync(workDir, { recursive: true, force: true });
    cpSync(this.options.sourceDir, workDir, { recursive: true });
    log.agent(`CODEBUILD_SRC_DIR=${workDir}`);
    const file = join(workDir, buildspecPath);
    log.agent(inline ? 'Using the inline buildspec of BuildspecOverride' : `YAML location is ${file}`);
    if (!inline && !existsSync(file)) {
      return { error: { StatusCode: 'YAML_FILE_ERROR', Message: `stat ${file}: no such file or directory` } };
    }
    let buildspec: ReturnType<typeof parseBuildspec>;
    try {
      buildspec = inline
        ? parseBuildspec(override, 'BuildspecOverride')
        : parseBuildspec(readFileSync(file, 'utf8'), buildspecPath);
    } catch (error) {
      return { error: { StatusCode: 'YAML_FILE_ERROR', Message: (error as Error).message } };
    }
    for (const key of buildspec.ignored) log.agent(`Ignoring ${key}: it has no effect in a local build`);
    log.agent('Processing environment variables');
    const simulators = this.options.simulatorsDir ?? SIMULATORS_DIR;
    try {
      const { variables, secretValues } = buildEnvironment({
        base: {
          PATH: `${simulators}:${this.options.toolPath ?? process.env.PATH ?? '/usr/bin:/bin'}`,
          HOME: join(agentDir, 'home'),
          TMPDIR: input.tempDir,
          LANG: 'C.UTF-8',
          SLIPWAY_DATA_DIR: resolve(this.options.dataDir),
          SLIPWAY_SIMULATORS_DIR: simulators,
          SLIPWAY_LOCAL_REAL_TOOLS: this.options.realTools ?? 'all',
          ...(this.options.terraformProviderMirror
            ? { SLIPWAY_TF_PLUGIN_DIR: this.options.terraformProviderMirror }
            : {}),
          ...this.options.imageVariables,
        },
        buildspec,
        project:
          this.options.projectVariables?.(phase, start.ProjectName, {
            id: run.id,
            workDir,
            tempDir: input.tempDir,
          }) ?? {},
        overrides: start.EnvironmentVariablesOverride,
        codebuild: {
          AWS_REGION: input.region,
          AWS_DEFAULT_REGION: input.region,
          CODEBUILD_BUILD_ID: run.id,
          CODEBUILD_BUILD_ARN: input.arn,
          CODEBUILD_BUILD_NUMBER: String(run.number),
          CODEBUILD_INITIATOR: 'slipway-local',
          CODEBUILD_SRC_DIR: workDir,
          CODEBUILD_START_TIME: String(Date.now()),
          CODEBUILD_BUILD_IMAGE: 'slipway-local',
          CODEBUILD_LOG_PATH: run.id.slice(run.id.lastIndexOf(':') + 1),
          ...(start.SourceVersion ? { CODEBUILD_SOURCE_VERSION: start.SourceVersion } : {}),
        },
        secrets: this.secrets,
      });
      log.agent(`Moving to directory ${workDir}`);
      return { buildspec, variables, secretValues };
    } catch (error) {
      return { error: { StatusCode: 'CLIENT_ERROR', Message: (error as Error).message } };
    }
  }

  /** One phase: its commands until one fails, then its `finally` commands (which run regardless). */
  private async runPhase(
    session: ShellSession,
    spec: BuildspecPhase | undefined,
    log: BuildLog,
    succeeding: boolean,
    signal: AbortSignal,
  ): Promise<PhaseOutcome> {
    let failure: PhaseContext | undefined;
    const runBlock = async (commands: readonly string[]) => {
      for (const command of commands) {
        if (signal.aborted) return;
        log.agent(`Running command ${command}`);
        const { exitCode } = await session.run(command, succeeding && failure === undefined);
        log.flushOutput();
        if (exitCode !== 0) {
          log.agent(`Command did not exit successfully ${command} exit status ${exitCode}`);
          failure ??= commandError(command, exitCode);
          return;
        }
      }
    };
    await runBlock(spec?.commands ?? []);
    await runBlock(spec?.finally ?? []);
    return failure ? { status: 'FAILED', context: failure } : { status: 'SUCCEEDED' };
  }

  /** Local mode's watchable pace: the BUILD phase lasts at least `phaseSeconds`. */
  private async hold(log: BuildLog, signal: AbortSignal): Promise<void> {
    const seconds = this.options.phaseSeconds ?? 0;
    if (seconds <= 0 || signal.aborted) return;
    log.agent(`Local pace: holding the BUILD phase for ${seconds}s (SLIPWAY_LOCAL_PHASE_SECONDS)`);
    await sleep(seconds * 1000, undefined, { signal }).catch(() => undefined);
  }
}

/** An injected fault is a real failing command at the start of the BUILD phase. */
function withFault(
  spec: BuildspecPhase | undefined,
  name: BuildspecPhaseName,
  faulted: boolean,
  phase: string,
): BuildspecPhase | undefined {
  if (!faulted || name !== 'build') return spec;
  return {
    commands: [`${FAULT_COMMAND} ${phase}`, ...(spec?.commands ?? [])],
    finally: spec?.finally ?? [],
    ...(spec?.onFailure ? { onFailure: spec.onFailure } : {}),
  };
}

/**
 * The Build object of a local build, shaped like the one Step Functions returns for a
 * `codebuild:startBuild.sync` task (PascalCase, epoch-millisecond times): `{ Build: {...} }` on
 * success; on failure the task fails with `States.TaskFailed` and that JSON as the cause, which is
 * what the workflow's RecordFailure parses (functions/domain/failure-cause.ts).
 */

export type BuildPhaseType =
  | 'SUBMITTED'
  | 'QUEUED'
  | 'PROVISIONING'
  | 'DOWNLOAD_SOURCE'
  | 'INSTALL'
  | 'PRE_BUILD'
  | 'BUILD'
  | 'POST_BUILD'
  | 'UPLOAD_ARTIFACTS'
  | 'FINALIZING'
  | 'COMPLETED';

export type BuildStatus = 'SUCCEEDED' | 'FAILED' | 'FAULT' | 'TIMED_OUT' | 'STOPPED';

export interface PhaseContext {
  readonly StatusCode: string;
  readonly Message: string;
}

export interface BuildPhaseRecord {
  readonly PhaseType: BuildPhaseType;
  readonly PhaseStatus?: BuildStatus;
  readonly StartTime: number;
  readonly EndTime?: number;
  readonly DurationInSeconds?: number;
  readonly Contexts?: readonly PhaseContext[];
}

export interface ExportedVariable {
  readonly Name: string;
  readonly Value: string;
}

export interface LocalBuild {
  readonly Id: string;
  readonly Arn: string;
  readonly BuildNumber: number;
  readonly ProjectName: string;
  readonly BuildStatus: BuildStatus;
  readonly BuildComplete: true;
  readonly CurrentPhase: 'COMPLETED';
  readonly Initiator: string;
  readonly StartTime: number;
  readonly EndTime: number;
  readonly Phases: readonly BuildPhaseRecord[];
  readonly Logs: { readonly DeepLink: string; readonly GroupName: string; readonly StreamName: string };
  readonly ExportedEnvironmentVariables: readonly ExportedVariable[];
}

/** What `build()` resolves with: the Step Functions task result. */
export interface BuildResult {
  readonly Build: LocalBuild;
}

/** Records phases as they start and end, the way CodeBuild lists them on the build. */
export class PhaseTimeline {
  private readonly phases: BuildPhaseRecord[] = [];
  private current: { type: BuildPhaseType; start: number } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  start(type: BuildPhaseType, at: number = this.now()): void {
    this.current = { type, start: at };
  }

  end(status: BuildStatus, contexts: readonly PhaseContext[] = [{ StatusCode: '', Message: '' }]): void {
    if (!this.current) throw new Error('no phase is running');
    const end = this.now();
    this.phases.push({
      PhaseType: this.current.type,
      PhaseStatus: status,
      StartTime: this.current.start,
      EndTime: end,
      DurationInSeconds: Math.round((end - this.current.start) / 1000),
      Contexts: contexts,
    });
    this.current = undefined;
  }

  /** A phase that takes no time (SUBMITTED, UPLOAD_ARTIFACTS with nothing to upload). */
  instant(type: BuildPhaseType, status: BuildStatus = 'SUCCEEDED'): void {
    this.start(type);
    this.end(status);
  }

  complete(): readonly BuildPhaseRecord[] {
    return [...this.phases, { PhaseType: 'COMPLETED', StartTime: this.now() }];
  }
}

/** The error a failed build task throws, as Step Functions reports it to the Catch. */
export function taskFailed(build: LocalBuild): Error {
  const error = new Error(JSON.stringify({ Build: build }));
  error.name = 'States.TaskFailed';
  return error;
}

/** CodeBuild's message for a failing command. */
export function commandError(command: string, exitCode: number): PhaseContext {
  return {
    StatusCode: 'COMMAND_EXECUTION_ERROR',
    Message: `Error while executing command: ${command}. Reason: exit status ${exitCode}`,
  };
}

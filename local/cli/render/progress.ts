/**
 * Live per-phase progress of a run, as pure functions of what the API showed: a frame redrawn in
 * place on a terminal, and the lines to print when something changed otherwise (CI logs, pipes),
 * so a log shows each transition once. Both show the phase status, elapsed time, skip reasons,
 * build ids, and on failure the cause and the log link; the frame also names the environment's
 * CloudWatch Logs group.
 */
import type { Colors } from 'picocolors/types.js';
import { CLUSTER_ORGANIZATION } from '../../../functions/domain/cluster.js';
import type { EnvironmentView, PhaseView, PlanView, RunView } from '../api-shapes.js';
import { formatElapsed } from '../duration.js';

export interface Snapshot {
  readonly environment: EnvironmentView;
  /** The run being watched (the environment's current run, unless another one replaced it). */
  readonly run?: RunView;
}

export interface RenderOptions {
  readonly colors: Colors;
  /** Epoch milliseconds of the observation (elapsed times of running phases count to it). */
  readonly now: number;
}

export const TERMINAL_RUN_STATUSES = ['SUCCEEDED', 'FAILED', 'INTERRUPTED'];
/** Environment statuses a run passes through; any other is where a run lands. */
export const TRANSITIONAL_ENVIRONMENT_STATUSES = ['PENDING', 'PROVISIONING', 'DELETING'];

const ICONS: Record<string, string> = {
  SUCCEEDED: '✓',
  RUNNING: '▶',
  FAILED: '✗',
  SKIPPED: '↷',
  PENDING: '·',
  INTERRUPTED: '⊘',
};

function paint(colors: Colors, status: string, text: string): string {
  switch (status) {
    case 'SUCCEEDED':
    case 'READY':
    case 'DELETED':
      return colors.green(text);
    case 'RUNNING':
    case 'PROVISIONING':
    case 'DELETING':
      return colors.cyan(text);
    case 'FAILED':
    case 'DELETE_FAILED':
    case 'INTERRUPTED':
      return colors.red(text);
    case 'SKIPPED':
      return colors.yellow(text);
    default:
      return colors.dim(text);
  }
}

function epoch(timestamp: string | undefined): number | undefined {
  if (timestamp === undefined) return undefined;
  const ms = Date.parse(timestamp);
  return Number.isFinite(ms) ? ms : undefined;
}

/** How long a phase took, or has been running so far; undefined before it started. */
export function phaseElapsedMs(phase: PhaseView, now: number): number | undefined {
  if (phase.durationSeconds !== undefined) return phase.durationSeconds * 1000;
  const started = epoch(phase.startedAt);
  if (started === undefined) return undefined;
  return (epoch(phase.endedAt) ?? (phase.status === 'RUNNING' ? now : started)) - started;
}

/**
 * Where a run's clock stops: at its end once it ended (an API from before INTERRUPTED phases shows
 * an INTERRUPTED run's phase still RUNNING, so its time must stop there too), at `now` while it runs.
 */
export function runClock(run: RunView, now: number): number {
  return epoch(run.endedAt) ?? now;
}

export function runElapsedMs(run: RunView, now: number): number | undefined {
  const started = epoch(run.startedAt);
  if (started === undefined) return undefined;
  return (epoch(run.endedAt) ?? now) - started;
}

function label(environment: EnvironmentView): string {
  return `${environment.organization}/${environment.environment}`;
}

function phaseDetail(phase: PhaseView): string {
  if (phase.status === 'SKIPPED') {
    const handedOn = phase.handedOnFrom ? ` (outputs of ${phase.handedOnFrom} handed on)` : '';
    return `${phase.reason ?? ''}${handedOn}`;
  }
  return phase.buildId ? `build ${phase.buildId}` : '';
}

function errorLines(snapshot: Snapshot, colors: Colors): string[] {
  const { run } = snapshot;
  if (!run?.error) return [];
  const { error } = run;
  const lines = [colors.red(`${error.phase} failed: ${error.cause}`)];
  if (error.logLink) lines.push(`  log: ${error.logLink}`);
  // A shared cluster's run is resumed by sending its spec again (there is no resume route for it).
  const resume =
    snapshot.environment.organization === CLUSTER_ORGANIZATION
      ? `slipway clusters put ${snapshot.environment.environment} -f <its spec>`
      : `slipway resume ${label(snapshot.environment)}`;
  lines.push(
    error.retryable === true ? `  retry with: ${resume}` : `  after fixing the cause, resume with: ${resume}`,
  );
  return lines;
}

/** The whole picture, for a terminal that redraws it in place. */
export function progressFrame(snapshot: Snapshot, { colors, now }: RenderOptions): string {
  const { environment, run } = snapshot;
  const head = [colors.bold(label(environment)), paint(colors, environment.status, environment.status)];
  if (!run) return [...head, colors.dim('no run')].join('  ');
  const elapsed = runElapsedMs(run, now);
  head.push(
    `run ${run.runId}${run.trigger ? ` (${run.trigger})` : ''}`,
    paint(colors, run.status, run.status),
  );
  if (elapsed !== undefined) head.push(formatElapsed(elapsed));
  const width = Math.max(...run.phases.map((phase) => phase.phase.length), 5);
  const statusWidth = Math.max(...run.phases.map((phase) => phase.status.length), 9);
  const rows = run.phases.map((phase) => {
    const took = phaseElapsedMs(phase, runClock(run, now));
    const cells = [
      paint(colors, phase.status, ICONS[phase.status] ?? '?'),
      phase.phase.padEnd(width),
      paint(colors, phase.status, phase.status.padEnd(statusWidth)),
      (took === undefined ? '' : formatElapsed(took)).padEnd(7),
      colors.dim(phaseDetail(phase)),
    ];
    return `  ${cells.join(' ')}`.trimEnd();
  });
  return [head.join('  '), ...rows, ...errorLines(snapshot, colors), ...logLines(environment, colors)].join(
    '\n',
  );
}

/** The environment's log group, under the phases (whose CodeBuild links are the builds' logs). */
function logLines(environment: EnvironmentView, colors: Colors): string[] {
  const { logs } = environment;
  if (!logs) return [];
  const retention = logs.retentionDays === undefined ? '' : `, ${logs.retentionDays} days`;
  return [colors.dim(`  logs: ${logs.logGroup}${retention}`), colors.dim(`        ${logs.link}`)];
}

function prefix(run: RunView | undefined, now: number, colors: Colors): string {
  const elapsed = run ? runElapsedMs(run, now) : undefined;
  return colors.dim(`+${formatElapsed(elapsed ?? 0)}`.padStart(7));
}

function phaseLine(phase: PhaseView, now: number): string {
  const took = phaseElapsedMs(phase, now);
  switch (phase.status) {
    case 'RUNNING':
      return `${phase.phase} RUNNING${phase.buildId ? ` (build ${phase.buildId})` : ''}`;
    case 'SUCCEEDED':
      return `${phase.phase} SUCCEEDED${took === undefined ? '' : ` in ${formatElapsed(took)}`}`;
    case 'SKIPPED':
      return `${phase.phase} SKIPPED: ${phaseDetail(phase) || 'no reason given'}`;
    case 'INTERRUPTED':
      return `${phase.phase} INTERRUPTED${took === undefined ? '' : ` after ${formatElapsed(took)}`}`;
    case 'FAILED':
      return `${phase.phase} FAILED${took === undefined ? '' : ` after ${formatElapsed(took)}`}${
        phase.buildId ? ` (build ${phase.buildId})` : ''
      }`;
    default:
      return `${phase.phase} ${phase.status}`;
  }
}

function phaseKey(phase: PhaseView): string {
  return `${phase.status}|${phase.buildId ?? ''}`;
}

/**
 * What changed from `previous` to `next`, one line each: the run starting, a phase moving (or
 * getting its build id), the environment's status, the run ending with its cause and log link.
 */
export function progressChanges(
  previous: Snapshot | undefined,
  next: Snapshot,
  { colors, now }: RenderOptions,
): string[] {
  const { environment, run } = next;
  const at = prefix(run, now, colors);
  const lines: string[] = [];
  const sameRun = previous?.run !== undefined && previous.run.runId === run?.runId;
  if (!run) {
    if (!previous || previous.environment.status !== environment.status) {
      lines.push(
        `${at} ${label(environment)} ${paint(colors, environment.status, environment.status)}, no run`,
      );
    }
    return lines;
  }
  if (!sameRun) {
    lines.push(
      `${at} ${label(environment)} run ${run.runId}${run.trigger ? ` (${run.trigger})` : ''} ${run.status}, environment ${environment.status}`,
    );
  } else if (previous?.environment.status !== environment.status) {
    lines.push(`${at} ${label(environment)} ${paint(colors, environment.status, environment.status)}`);
  }
  const before = new Map((sameRun ? (previous?.run?.phases ?? []) : []).map((phase) => [phase.phase, phase]));
  for (const phase of run.phases) {
    const old = before.get(phase.phase);
    const changed = old ? phaseKey(old) !== phaseKey(phase) : phase.status !== 'PENDING';
    if (changed) lines.push(`${at} ${paint(colors, phase.status, phaseLine(phase, runClock(run, now)))}`);
  }
  const ended = TERMINAL_RUN_STATUSES.includes(run.status);
  const endedBefore = sameRun && TERMINAL_RUN_STATUSES.includes(previous?.run?.status ?? '');
  if (ended && !endedBefore) {
    const elapsed = runElapsedMs(run, now);
    // The environment record may lag the run's by a poll; its status then follows on its own line.
    const landed = TRANSITIONAL_ENVIRONMENT_STATUSES.includes(environment.status)
      ? ''
      : `, environment ${environment.status}`;
    lines.push(
      `${at} ${paint(colors, run.status, `run ${run.status}`)}${elapsed === undefined ? '' : ` in ${formatElapsed(elapsed)}`}${landed}`,
    );
    lines.push(...errorLines(next, colors).map((line) => `${' '.repeat(7)} ${line}`));
  }
  return lines;
}

/** The phase plan of a 202: which phases run, which are skipped, and why. */
export function planLines(plan: PlanView, colors: Colors): string[] {
  return plan.phases.map((entry) => {
    const action = entry.action === 'run' ? colors.cyan('run ') : colors.yellow('skip');
    return `  ${action} ${entry.phase}${entry.reason ? colors.dim(` — ${entry.reason}`) : ''}`;
  });
}

/**
 * `--watch`: shows a run's progress until it ends and turns the end into the exit code. On a
 * terminal the frame is redrawn in place (log-update); anywhere else (CI, a pipe, a file, or a
 * terminal that reports no size, such as `script` or some CI ptys) each change is printed once,
 * on its own line. With `--output json` progress lines go to stderr and
 * stdout gets one JSON document at the end: `{ environment, run, exitCode }`.
 */
import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import { parseDurationMs } from './duration.js';
import { EXIT, type ExitCode, UsageError } from './exit-codes.js';
import { progressChanges, progressFrame, type Snapshot } from './render/progress.js';
import type { OutputStream, Session } from './session.js';
import type { EnvironmentTarget } from './target.js';
import { exitCodeOf, watchRun } from './watch.js';

export interface WatchFlags {
  readonly watch?: boolean;
  readonly interval: string;
  readonly deadline: string;
}

export const DEFAULT_INTERVAL = '2s';
/** Longer than the workflow's own execution timeout (5 h), so a run ends before the watch gives up. */
export const DEFAULT_DEADLINE = '6h';

function duration(flag: string, value: string): number {
  try {
    return parseDurationMs(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Checked before any request is sent, so a bad flag never leaves a run started and unwatched. */
export function watchTimings(flags: WatchFlags): { intervalMs: number; deadlineMs: number } {
  return {
    intervalMs: duration('--interval', flags.interval),
    deadlineMs: duration('--deadline', flags.deadline),
  };
}

/**
 * A frame is redrawn only on a terminal that reports its size: log-update clips a frame to
 * `rows` and writes nothing at all when a pty says 0 rows (a `script` session, some CI runners),
 * so such a terminal gets one line per change instead.
 */
export function canRedraw(stream: OutputStream): boolean {
  const positive = (value: number | undefined) => typeof value === 'number' && value > 0;
  return stream.isTTY === true && positive(stream.rows) && positive(stream.columns);
}

export async function follow(
  session: Session,
  target: EnvironmentTarget,
  runId: string | undefined,
  timings: { intervalMs: number; deadlineMs: number },
): Promise<ExitCode> {
  const { io, json } = session;
  const redraw = !json && canRedraw(io.stdout);
  const lines = json ? io.stderr : io.stdout;
  const lineColors = json ? pc.createColors(false) : session.colors;
  const frame = redraw ? createLogUpdate(io.stdout) : undefined;
  let previous: Snapshot | undefined;
  const onSnapshot = (snapshot: Snapshot, now: number) => {
    if (frame) frame(progressFrame(snapshot, { colors: session.colors, now }));
    else {
      for (const line of progressChanges(previous, snapshot, { colors: lineColors, now }))
        lines.write(`${line}\n`);
    }
    previous = snapshot;
  };
  // While the terminal shows a frame, redraw it every second so running times tick between polls.
  const ticker = frame
    ? setInterval(
        () => previous && frame(progressFrame(previous, { colors: session.colors, now: io.clock.now() })),
        1000,
      )
    : undefined;
  try {
    const result = await watchRun({
      client: session.client,
      target,
      ...(runId ? { runId } : {}),
      ...timings,
      clock: io.clock,
      onSnapshot,
    });
    const code = result.ended ? exitCodeOf(result.snapshot) : EXIT.deadline;
    if (!result.ended) {
      io.stderr.write(`watch deadline reached after ${timings.deadlineMs / 1000}s; the run is still going\n`);
    }
    if (json)
      session.printJson({
        environment: result.snapshot.environment,
        run: result.snapshot.run ?? null,
        exitCode: code,
      });
    return code;
  } finally {
    if (ticker) clearInterval(ticker);
    frame?.done();
  }
}

/**
 * Follows a run until it ends: polls the environment (and the run itself when the environment's
 * current run is another one) every `intervalMs`, hands each observation to `onSnapshot`, and
 * stops by itself when the run has ended or the deadline has passed — never an endless loop.
 * A poll that fails transiently (5xx, connection lost) is retried at the next interval; three
 * failures in a row end the watch with that error.
 */
import { type ApiClient, ApiConnectionError, ApiRequestError, apiPath } from './api-client.js';
import { EnvironmentView, RunView } from './api-shapes.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import {
  type Snapshot,
  TERMINAL_RUN_STATUSES,
  TRANSITIONAL_ENVIRONMENT_STATUSES as TRANSITIONAL,
} from './render/progress.js';
import type { EnvironmentTarget } from './target.js';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface WatchOptions {
  readonly client: ApiClient;
  readonly target: EnvironmentTarget;
  /** The run to follow; without it, the environment's current run. */
  readonly runId?: string;
  readonly intervalMs: number;
  readonly deadlineMs: number;
  readonly clock: Clock;
  readonly onSnapshot: (snapshot: Snapshot, observedAt: number) => void;
}

export interface WatchResult {
  readonly snapshot: Snapshot;
  /** False when the deadline passed with the run still going. */
  readonly ended: boolean;
}

/** Consecutive failed polls tolerated before the watch gives up. */
export const MAX_FAILED_POLLS = 3;

function isTransient(error: unknown): boolean {
  return error instanceof ApiConnectionError || (error instanceof ApiRequestError && error.status >= 500);
}

/** The run ended and the environment shows where it landed (READY, FAILED, DELETED …). */
export function hasSettled({ environment, run }: Snapshot): boolean {
  if (!run) return !TRANSITIONAL.includes(environment.status) || environment.activeRunId === undefined;
  return TERMINAL_RUN_STATUSES.includes(run.status) && !TRANSITIONAL.includes(environment.status);
}

/**
 * Polls after the run ended while the environment still shows a transitional status: the run
 * and the environment are separate records, so one poll can fall between their writes. After
 * this many the watch ends on the run's status alone.
 */
export const SETTLE_POLLS = 3;

/** 0 on READY or DELETED, 1 when the run or the environment ended in failure. */
export function exitCodeOf({ environment, run }: Snapshot): ExitCode {
  if (run && run.status !== 'SUCCEEDED' && TERMINAL_RUN_STATUSES.includes(run.status)) return EXIT.runFailed;
  if (environment.status === 'FAILED' || environment.status === 'DELETE_FAILED') return EXIT.runFailed;
  return EXIT.ok;
}

export async function observe(
  client: ApiClient,
  target: EnvironmentTarget,
  runId?: string,
): Promise<Snapshot> {
  const envPath = apiPath('orgs', target.organization, 'environments', target.environment);
  const { body: environment } = await client.read(EnvironmentView, 'GET', envPath);
  let run = environment.currentRun;
  if (runId !== undefined && run?.runId !== runId) {
    run = (await client.read(RunView, 'GET', `${envPath}/runs/${encodeURIComponent(runId)}`)).body;
  }
  return run ? { environment, run } : { environment };
}

export async function watchRun(options: WatchOptions): Promise<WatchResult> {
  const { clock } = options;
  const deadline = clock.now() + options.deadlineMs;
  let last: Snapshot | undefined;
  let failures = 0;
  let endedPolls = 0;
  for (;;) {
    try {
      last = await observe(options.client, options.target, options.runId);
      failures = 0;
      options.onSnapshot(last, clock.now());
      if (hasSettled(last)) return { snapshot: last, ended: true };
      if (last.run && TERMINAL_RUN_STATUSES.includes(last.run.status)) {
        endedPolls += 1;
        if (endedPolls >= SETTLE_POLLS) return { snapshot: last, ended: true };
      }
    } catch (error) {
      failures += 1;
      if (!isTransient(error) || failures >= MAX_FAILED_POLLS) throw error;
    }
    const left = deadline - clock.now();
    if (left <= 0) {
      if (!last) throw new ApiConnectionError('the watch deadline passed before the API answered once');
      return { snapshot: last, ended: false };
    }
    await clock.sleep(Math.min(options.intervalMs, left));
  }
}

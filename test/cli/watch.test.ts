import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../local/cli/api-client.js';
import type { Snapshot } from '../../local/cli/render/progress.js';
import { type Clock, exitCodeOf, hasSettled, watchRun } from '../../local/cli/watch.js';
import { closeServer, listenOnLoopback } from '../support/loopback.js';
import { FAILING_RUN, RESUMED_RUN, T0 } from './recorded-runs.js';

/**
 * Serves recorded GET environment answers in order (the last one repeats), over real HTTP;
 * `failures` answers 503 to that many requests first.
 */
async function replayServer(answers: readonly Snapshot[], failures = 0) {
  const requests: string[] = [];
  let failing = failures;
  const server: Server = createServer((request, response) => {
    if (failing > 0) {
      failing -= 1;
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Service Unavailable' }));
      return;
    }
    requests.push(`${request.method} ${request.url}`);
    const index = requests.filter((line) => !line.includes('/runs/')).length - 1;
    const snapshot = answers[Math.min(index, answers.length - 1)];
    const body = request.url?.includes('/runs/')
      ? snapshot?.run
      : { ...snapshot?.environment, currentRun: snapshot?.run };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  const endpoint = await listenOnLoopback(server);
  return { endpoint, requests, stop: () => closeServer(server) };
}

function fakeClock(): Clock & { slept: number[] } {
  let now = T0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

const target = { organization: 'acme', environment: 'prod' };

describe('watchRun', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('polls until the run ends, once per interval, and reports the failure as exit code 1', async () => {
    const replay = await replayServer(FAILING_RUN.map((step) => step.snapshot));
    stop = replay.stop;
    const clock = fakeClock();
    const seen: Snapshot[] = [];

    const result = await watchRun({
      client: createApiClient({ endpoint: replay.endpoint, token: 't' }),
      target,
      intervalMs: 2000,
      deadlineMs: 60_000,
      clock,
      onSnapshot: (snapshot) => seen.push(snapshot),
    });

    expect(result.ended).toBe(true);
    expect(seen).toHaveLength(FAILING_RUN.length);
    expect(clock.slept).toEqual([2000, 2000, 2000, 2000]);
    expect(replay.requests.every((line) => line === 'GET /v1/orgs/acme/environments/prod')).toBe(true);
    expect(exitCodeOf(result.snapshot)).toBe(1);
  });

  it('stops by itself at the deadline while the run is still going', async () => {
    const running = FAILING_RUN[0]?.snapshot;
    if (!running) throw new Error('empty recording');
    const replay = await replayServer([running]);
    stop = replay.stop;
    const clock = fakeClock();

    const result = await watchRun({
      client: createApiClient({ endpoint: replay.endpoint, token: 't' }),
      target,
      intervalMs: 3000,
      deadlineMs: 10_000,
      clock,
      onSnapshot: () => {},
    });

    expect(result.ended).toBe(false);
    expect(clock.slept).toEqual([3000, 3000, 3000, 1000]);
    expect(replay.requests).toHaveLength(5);
  });

  it('retries a poll that failed transiently, and gives up after three failures in a row', async () => {
    const replay = await replayServer([RESUMED_RUN], 2);
    stop = replay.stop;
    const flaky = await watchRun({
      client: createApiClient({ endpoint: replay.endpoint, token: 't' }),
      target,
      intervalMs: 1000,
      deadlineMs: 60_000,
      clock: fakeClock(),
      onSnapshot: () => {},
    });
    const down = await replayServer([RESUMED_RUN], 3);

    const gone = watchRun({
      client: createApiClient({ endpoint: down.endpoint, token: 't' }),
      target,
      intervalMs: 1000,
      deadlineMs: 60_000,
      clock: fakeClock(),
      onSnapshot: () => {},
    });

    expect(flaky.ended).toBe(true);
    await expect(gone).rejects.toMatchObject({ name: 'ApiRequestError', status: 503 });
    await down.stop();
  });

  it('waits a few polls for the environment to catch up with an ended run, then ends on the run alone', async () => {
    const failed = FAILING_RUN.at(-1)?.snapshot;
    if (!failed?.run) throw new Error('empty recording');
    const lagging = { environment: { ...failed.environment, status: 'PROVISIONING' }, run: failed.run };
    const replay = await replayServer([lagging, lagging, failed]);
    stop = replay.stop;
    const caughtUp = await watchRun({
      client: createApiClient({ endpoint: replay.endpoint, token: 't' }),
      target,
      intervalMs: 1000,
      deadlineMs: 60_000,
      clock: fakeClock(),
      onSnapshot: () => {},
    });
    const stuck = await replayServer([lagging]);

    const alone = await watchRun({
      client: createApiClient({ endpoint: stuck.endpoint, token: 't' }),
      target,
      intervalMs: 1000,
      deadlineMs: 60_000,
      clock: fakeClock(),
      onSnapshot: () => {},
    });
    await stuck.stop();

    expect(caughtUp.snapshot.environment.status).toBe('FAILED');
    expect(replay.requests).toHaveLength(3);
    expect(alone.ended).toBe(true);
    expect(stuck.requests).toHaveLength(3);
    expect(exitCodeOf(alone.snapshot)).toBe(1);
  });

  it('follows the named run when the environment already shows another one', async () => {
    const replay = await replayServer([RESUMED_RUN]);
    stop = replay.stop;

    const result = await watchRun({
      client: createApiClient({ endpoint: replay.endpoint, token: 't' }),
      target,
      runId: 'acme.prod.000001.1a2b3c4d',
      intervalMs: 1000,
      deadlineMs: 5000,
      clock: fakeClock(),
      onSnapshot: () => {},
    });

    expect(replay.requests).toContain('GET /v1/orgs/acme/environments/prod/runs/acme.prod.000001.1a2b3c4d');
    expect(result.ended).toBe(true);
  });
});

describe('when a watch is over', () => {
  const env = (status: string, activeRunId?: string) => ({
    organization: 'acme',
    environment: 'prod',
    status,
    ...(activeRunId ? { activeRunId } : {}),
  });
  const run = (status: string) => ({ runId: 'r', status, phases: [] });

  it.each([
    ['READY after a successful run', { environment: env('READY'), run: run('SUCCEEDED') }, true, 0],
    ['DELETED after a teardown', { environment: env('DELETED'), run: run('SUCCEEDED') }, true, 0],
    ['FAILED', { environment: env('FAILED'), run: run('FAILED') }, true, 1],
    ['DELETE_FAILED', { environment: env('DELETE_FAILED'), run: run('FAILED') }, true, 1],
    ['an interrupted run', { environment: env('FAILED'), run: run('INTERRUPTED') }, true, 1],
    ['a run still going', { environment: env('PROVISIONING', 'r'), run: run('RUNNING') }, false, 0],
    [
      'a succeeded run whose environment is not READY yet',
      { environment: env('PROVISIONING'), run: run('SUCCEEDED') },
      false,
      0,
    ],
    [
      'a failed run whose environment has not been written yet',
      { environment: env('PROVISIONING'), run: run('FAILED') },
      false,
      0,
    ],
    ['READY with no run at all', { environment: env('READY') }, true, 0],
  ] as const)('%s', (_, snapshot, settled, code) => {
    expect(hasSettled(snapshot)).toBe(settled);
    if (settled) expect(exitCodeOf(snapshot)).toBe(code);
  });
});

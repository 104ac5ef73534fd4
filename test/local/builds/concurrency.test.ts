import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildQueue } from '../../../local/builds/build-queue.js';
import { fixtureRunner, fixtureWorkspace, parameters } from './harness.js';

/**
 * The concurrent-build limit: builds beyond it wait (QUEUED) and start as running ones end. The
 * times compared are the ones the builds recorded themselves (`date +%s%3N` in the buildspec).
 */
let workspace: ReturnType<typeof fixtureWorkspace>;
beforeEach(() => {
  workspace = fixtureWorkspace();
});
afterEach(() => workspace.remove());

function recorded(build: { ExportedEnvironmentVariables: ReadonlyArray<{ Name: string; Value: string }> }) {
  const value = (name: string) =>
    Number(build.ExportedEnvironmentVariables.find((v) => v.Name === name)?.Value);
  return { started: value('STARTED_AT'), ended: value('ENDED_AT') };
}

describe('concurrent-build limit', () => {
  it('runs at most two of three builds at once; the third starts only after one has ended', async () => {
    const runner = fixtureRunner(workspace, { concurrency: 2 });

    const builds = await Promise.all(
      [1, 2, 3].map(() => runner.build('timestamps', parameters(workspace.trace))),
    );

    const [first, second, third] = builds.map((result) => recorded(result.Build));
    if (!first || !second || !third) throw new Error('three builds expected');
    for (const times of [first, second, third]) expect(times.ended).toBeGreaterThan(times.started);
    // The first two overlapped: the limit is 2, not 1.
    expect(Math.max(first.started, second.started)).toBeLessThan(Math.min(first.ended, second.ended));
    // The third waited for a slot.
    expect(third.started).toBeGreaterThanOrEqual(Math.min(first.ended, second.ended));
    const queued = builds[2]?.Build.Phases.find((phase) => phase.PhaseType === 'QUEUED');
    expect((queued?.EndTime ?? 0) - (queued?.StartTime ?? 0)).toBeGreaterThan(0);
  });

  it('hands free slots to waiting builds first in, first out', async () => {
    const queue = new BuildQueue(1);
    const order: number[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const blocker = queue.run(() => held);
    const waiting = [1, 2, 3].map((n) => queue.run(async () => void order.push(n)));
    expect(queue.queued).toBe(3);

    release();
    await Promise.all([blocker, ...waiting]);

    expect(order).toEqual([1, 2, 3]);
    expect(queue.active).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new BuildQueue(0)).toThrow(/positive integer/);
    expect(() => fixtureRunner(workspace, { concurrency: 1.5 })).toThrow(/positive integer/);
  });
});

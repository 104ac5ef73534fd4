/**
 * The environment lock's guarded write (functions/adapters/dynamodb/lock.ts) against dynalite:
 * each refusal is told apart by its kind, and a refusal writes nothing. A loosened condition
 * (another holder, a finished run, an older sequence number, a status the run may not start
 * from) lets one of these writes through and fails its test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepositoryContext } from '../../../functions/adapters/dynamodb/context.js';
import { getEnvironment } from '../../../functions/adapters/dynamodb/environments.js';
import { releaseLock, takeLock } from '../../../functions/adapters/dynamodb/lock.js';
import { specHash } from '../../../functions/domain/spec-hash.js';
import { freshNames, validSpec } from '../../support/fixtures.js';
import { type CountingContext, countingContext, LOCK_AT, lockRequest } from '../../support/lock-context.js';

let counting: CountingContext;
let ctx: RepositoryContext;

beforeAll(async () => {
  counting = await countingContext();
  ctx = counting.ctx;
});

afterAll(async () => {
  await counting.stop();
});

const AT = LOCK_AT;
const spec = validSpec();

/** A request for run `seq` of the environment; `withSpec` lets it create the environment. */
const request = lockRequest;

const withSpec = { spec: { spec, specHash: specHash(spec) } };

/** Calls `take` and checks that the refusal changed nothing on the environment. */
async function refusedWithoutWrite(
  names: { organization: string; environment: string },
  take: () => ReturnType<typeof takeLock>,
) {
  const before = await getEnvironment(ctx, names.organization, names.environment);
  const writesBefore = counting.writes();
  const outcome = await take();
  expect(counting.writes() - writesBefore).toBe(0);
  expect(await getEnvironment(ctx, names.organization, names.environment)).toEqual(before);
  return outcome;
}

describe('takeLock', () => {
  it('creates the environment with the lock when the run records its spec, and is idempotent for its holder', async () => {
    const names = freshNames();
    const first = await takeLock(ctx, request(names, 1, withSpec));
    expect(first).toMatchObject({
      kind: 'locked',
      environment: { status: 'PROVISIONING', activeRunId: request(names, 1).runId, runSeq: 1 },
    });
    const again = await takeLock(ctx, request(names, 1));
    expect(again.kind).toBe('locked');
  });

  it('answers missing for an environment that does not exist when no spec is recorded, and creates nothing', async () => {
    const names = freshNames();
    const outcome = await refusedWithoutWrite(names, () => takeLock(ctx, request(names, 1)));
    expect(outcome).toEqual({ kind: 'missing' });
    expect(await getEnvironment(ctx, names.organization, names.environment)).toBeUndefined();
  });

  it('answers held-by-other (busy) while another run holds the lock, even with a higher sequence number', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 1, withSpec));
    const outcome = await refusedWithoutWrite(names, () => takeLock(ctx, request(names, 2, withSpec)));
    expect(outcome).toMatchObject({
      kind: 'held-by-other',
      environment: { activeRunId: request(names, 1).runId },
    });
  });

  it('answers run-finished when a released run tries to take the lock again (a replayed start)', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 1, withSpec));
    await releaseLock(ctx, { ...names, runId: request(names, 1).runId, status: 'READY', at: AT });
    const outcome = await refusedWithoutWrite(names, () => takeLock(ctx, request(names, 1, withSpec)));
    expect(outcome).toMatchObject({ kind: 'run-finished', environment: { status: 'READY' } });
  });

  it('answers superseded (stale) for a run whose sequence number is not above the last one that locked', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 2, withSpec));
    await releaseLock(ctx, { ...names, runId: request(names, 2).runId, status: 'READY', at: AT });
    for (const seq of [1, 2]) {
      const stale = {
        ...request(names, seq, withSpec),
        runId: `${names.organization}.${names.environment}.00000${seq}.ffffffff`,
      };
      const outcome = await refusedWithoutWrite(names, () => takeLock(ctx, stale));
      expect(outcome, `seq ${seq}`).toMatchObject({ kind: 'superseded', environment: { lastRunSeq: 2 } });
    }
    expect((await takeLock(ctx, request(names, 3))).kind).toBe('locked');
  });

  it('answers status-refused for a run the environment status does not allow (a teardown of a DELETED environment)', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 1, { ...withSpec, trigger: 'teardown' }));
    await releaseLock(ctx, { ...names, runId: request(names, 1).runId, status: 'DELETED', at: AT });
    const outcome = await refusedWithoutWrite(names, () =>
      takeLock(ctx, request(names, 2, { trigger: 'teardown' })),
    );
    expect(outcome).toMatchObject({ kind: 'status-refused', environment: { status: 'DELETED' } });
    // Provisioning again is a transition the table allows.
    expect((await takeLock(ctx, request(names, 2))).kind).toBe('locked');
  });
});

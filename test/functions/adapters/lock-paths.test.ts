/**
 * The lock's paths that mutation testing of functions/adapters/dynamodb/lock.ts found untested,
 * against dynalite: what the lock's write records besides the lock (the commit, a tenant's
 * successes), a shared cluster's own run refused while tenant runs are in progress, a teardown's
 * release forgetting every phase, a tenant leaving its cluster with its lock, and a release by a
 * run that does not hold the lock told apart from a replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepositoryContext } from '../../../functions/adapters/dynamodb/context.js';
import { getEnvironment } from '../../../functions/adapters/dynamodb/environments.js';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { type LockRequest, releaseLock, takeLock } from '../../../functions/adapters/dynamodb/lock.js';
import { UpdateBuilder } from '../../../functions/adapters/dynamodb/update-builder.js';
import { CLUSTER_ORGANIZATION } from '../../../functions/domain/cluster.js';
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

function request(
  names: { organization: string; environment: string },
  seq: number,
  extra: Partial<LockRequest> = {},
  spec: Record<string, unknown> = validSpec(),
): LockRequest {
  return lockRequest(names, seq, { spec: { spec, specHash: specHash(spec) }, ...extra });
}

const SUCCESS = { fingerprint: 'f'.repeat(64), runId: 'earlier', outputs: { KEY: 'value' }, at: AT };

describe('takeLock records what the run brings', () => {
  it('records the commit the run provisions as gitCommit, and a tenant’s successes in place of the environment’s', async () => {
    const names = freshNames();
    const locked = await takeLock(
      ctx,
      request(names, 1, { commit: 'abc123', successes: { terraform: SUCCESS } }),
    );
    expect(locked.kind).toBe('locked');
    const environment = await getEnvironment(ctx, names.organization, names.environment);
    expect(environment?.gitCommit).toBe('abc123');
    expect(environment?.successes).toEqual({ terraform: SUCCESS });
  });

  it('refuses a shared cluster’s own run while tenant runs are in progress (tenants-busy, their ids sorted), writing nothing', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 1));
    await releaseLock(ctx, { ...names, runId: request(names, 1).runId, status: 'READY', at: AT });
    await ctx.store.update(
      keys.environment(names.organization, names.environment),
      new UpdateBuilder().addToSet(['tenantRuns'], ['tenant-b.run', 'tenant-a.run']).build(),
    );
    const before = await getEnvironment(ctx, names.organization, names.environment);
    const writesBefore = counting.writes();
    const outcome = await takeLock(ctx, request(names, 2, { exclusiveOfTenants: true }));
    expect(outcome).toMatchObject({ kind: 'tenants-busy', runIds: ['tenant-a.run', 'tenant-b.run'] });
    expect(counting.writes()).toBe(writesBefore);
    expect(await getEnvironment(ctx, names.organization, names.environment)).toEqual(before);
    // A run that is not exclusive of its tenants is not held back by them.
    expect((await takeLock(ctx, request(names, 2))).kind).toBe('locked');
  });
});

describe('releaseLock', () => {
  it('forgets every phase’s success when a teardown asks for a reset', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 1, { trigger: 'teardown', successes: { terraform: SUCCESS } }));
    const released = await releaseLock(ctx, {
      ...names,
      runId: request(names, 1).runId,
      status: 'DELETED',
      at: AT,
      successes: 'reset',
    });
    expect(released.kind).toBe('released');
    expect((await getEnvironment(ctx, names.organization, names.environment))?.successes).toEqual({});
  });

  it('takes a tenant’s run out of its cluster’s tenantRuns with the lock', async () => {
    const names = freshNames();
    const cluster = `shared-${names.environment}`;
    const runId = request(names, 1).runId;
    await ctx.store.update(
      keys.environment(CLUSTER_ORGANIZATION, cluster),
      new UpdateBuilder().set(['status'], 'READY').addToSet(['tenantRuns'], [runId, 'other.run']).build(),
    );
    await takeLock(ctx, request(names, 1, {}, { ...validSpec(), sharedCluster: cluster }));
    await releaseLock(ctx, { ...names, runId, status: 'READY', at: AT });
    const item = await ctx.store.get(keys.environment(CLUSTER_ORGANIZATION, cluster));
    expect(item?.tenantRuns).toEqual(new Set(['other.run']));
  });

  it('answers not-held, writing nothing, to a run whose environment another run has locked since', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 1));
    await releaseLock(ctx, { ...names, runId: request(names, 1).runId, status: 'READY', at: AT });
    await takeLock(ctx, request(names, 2));
    const writesBefore = counting.writes();
    const outcome = await releaseLock(ctx, {
      ...names,
      runId: request(names, 1).runId,
      status: 'READY',
      at: AT,
    });
    expect(outcome).toMatchObject({
      kind: 'not-held',
      environment: { activeRunId: request(names, 2).runId },
    });
    expect(counting.writes()).toBe(writesBefore);
  });

  it('answers not-held to a run that never held the lock of an idle environment, and already-released only to the run that released it', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 1));
    await releaseLock(ctx, { ...names, runId: request(names, 1).runId, status: 'READY', at: AT });
    const stranger = `${names.organization}.${names.environment}.000009.00000009`;
    expect((await releaseLock(ctx, { ...names, runId: stranger, status: 'READY', at: AT })).kind).toBe(
      'not-held',
    );
    // The run that released it, with another outcome than it recorded: not a replay either.
    expect(
      (await releaseLock(ctx, { ...names, runId: request(names, 1).runId, status: 'FAILED', at: AT })).kind,
    ).toBe('not-held');
    expect(
      (await releaseLock(ctx, { ...names, runId: request(names, 1).runId, status: 'READY', at: AT })).kind,
    ).toBe('already-released');
  });

  it('answers not-held for an environment that does not exist', async () => {
    const names = freshNames();
    expect(
      await releaseLock(ctx, { ...names, runId: request(names, 1).runId, status: 'READY', at: AT }),
    ).toEqual({ kind: 'not-held', environment: undefined });
  });
});

describe('releaseLock moves the status only as the transition table allows', () => {
  it('refuses, writing nothing, an outcome status the locked status cannot reach', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 1));
    const runId = request(names, 1).runId;
    const writesBefore = counting.writes();
    // PROVISIONING → DELETED is no transition of the table (only a teardown's DELETING reaches it).
    expect((await releaseLock(ctx, { ...names, runId, status: 'DELETED', at: AT })).kind).toBe('not-held');
    expect(counting.writes()).toBe(writesBefore);
    expect(await getEnvironment(ctx, names.organization, names.environment)).toMatchObject({
      status: 'PROVISIONING',
      activeRunId: runId,
    });
    expect((await releaseLock(ctx, { ...names, runId, status: 'FAILED', at: AT })).kind).toBe('released');
  });

  it('goes back, for an abandoned run, only to a status a run start could have left', async () => {
    const names = freshNames();
    await takeLock(ctx, request(names, 1));
    const runId = request(names, 1).runId;
    const writesBefore = counting.writes();
    // A provisioning run never starts from DELETING, so an abandon cannot go back there.
    const refused = await releaseLock(ctx, { ...names, runId, status: 'DELETING', abandoned: true, at: AT });
    expect(refused.kind).toBe('not-held');
    expect(counting.writes()).toBe(writesBefore);
    // PENDING is where this run started from (and as an outcome PROVISIONING → PENDING is refused).
    expect((await releaseLock(ctx, { ...names, runId, status: 'PENDING', at: AT })).kind).toBe('not-held');
    const back = await releaseLock(ctx, { ...names, runId, status: 'PENDING', abandoned: true, at: AT });
    expect(back).toMatchObject({ kind: 'released', environment: { status: 'PENDING' } });
  });
});

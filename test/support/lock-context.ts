/**
 * For the lock's dynalite tests (test/functions/adapters/lock*.test.ts): a repository context over
 * a fresh dynalite that counts the writes that changed an item (a refused conditional write is
 * reported as condition-failed, so it does not count), and a lock request for run `seq`.
 */
import type { RepositoryContext } from '../../functions/adapters/dynamodb/context.js';
import type { LockRequest } from '../../functions/adapters/dynamodb/lock.js';
import { Store } from '../../functions/adapters/dynamodb/store.js';
import { startDynalite } from './dynalite.js';

export const LOCK_AT = '2026-12-01T10:00:00.000Z';

export interface CountingContext {
  readonly ctx: RepositoryContext;
  /** Writes that changed an item so far. */
  writes(): number;
  stop(): Promise<void>;
}

export async function countingContext(): Promise<CountingContext> {
  const dynamo = await startDynalite();
  let writes = 0;
  return {
    ctx: {
      store: new Store({
        tableName: dynamo.tableName,
        client: dynamo.client,
        onWrite: (event) => {
          if (event.outcome === 'written') writes += 1;
        },
      }),
      now: () => new Date(LOCK_AT),
    },
    writes: () => writes,
    stop: () => dynamo.stop(),
  };
}

/** A lock request for run `seq` of the environment (run id `<org>.<env>.<seq, 6 digits>.0000000<seq>`). */
export function lockRequest(
  names: { organization: string; environment: string },
  seq: number,
  extra: Partial<LockRequest> = {},
): LockRequest {
  return {
    ...names,
    runId: `${names.organization}.${names.environment}.${String(seq).padStart(6, '0')}.0000000${seq}`,
    seq,
    trigger: 'api',
    at: LOCK_AT,
    ...extra,
  };
}

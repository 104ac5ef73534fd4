/**
 * Powertools idempotency for the routes that honour Idempotency-Key (PUT, POST, DELETE). Its
 * module (Powertools idempotency and its persistence layer) is evaluated on the first request that
 * carries the header, not at cold start: the header is optional.
 */
import { lazy, lazyAsync, requireEnv } from '../config.js';
import type { Idempotency } from './idempotency.js';

export const lambdaIdempotency = lazy((): Idempotency => {
  const tableName = requireEnv('IDEMPOTENCY_TABLE_NAME');
  const load = lazyAsync(async () => {
    const [{ DynamoDBClient }, { createIdempotency }] = await Promise.all([
      import('@aws-sdk/client-dynamodb'),
      import('./idempotency.js'),
    ]);
    return createIdempotency({ tableName, client: new DynamoDBClient({}) });
  });
  return { run: async (request, execute, context) => (await load()).run(request, execute, context) };
});

/** Powertools idempotency for the routes that honour Idempotency-Key (PUT, POST, DELETE). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { lazy, requireEnv } from '../config.js';
import { tracer } from '../powertools.js';
import { createIdempotency, type Idempotency } from './idempotency.js';

export const lambdaIdempotency = lazy(
  (): Idempotency =>
    createIdempotency({
      tableName: requireEnv('IDEMPOTENCY_TABLE_NAME'),
      client: tracer.captureAWSv3Client(new DynamoDBClient({})),
    }),
);

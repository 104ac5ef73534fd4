/**
 * The clients a route's function uses in Lambda, each built once per container on first use and
 * traced by X-Ray. Separate builders so a read-only route's bundle carries no Step Functions
 * client and reads no STATE_MACHINE_ARN or IDEMPOTENCY_TABLE_NAME (the CDK app sets those only on
 * the functions that start runs or honour Idempotency-Key).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { lazy, requireEnv } from '../config.js';
import { lambdaRepository } from '../lambda-repository.js';
import { lambdaObservability } from '../observability.js';
import { tracer } from '../powertools.js';
import { createIdempotency, type Idempotency } from './idempotency.js';

export const lambdaIdempotency = lazy(
  (): Idempotency =>
    createIdempotency({
      tableName: requireEnv('IDEMPOTENCY_TABLE_NAME'),
      client: tracer.captureAWSv3Client(new DynamoDBClient({})),
    }),
);

/** Repository, clock and Powertools: what every route needs. */
export function lambdaReadDeps() {
  return { repository: lambdaRepository(), now: () => new Date(), ...lambdaObservability };
}

/**
 * `Idempotency-Key` for the API's PUT, POST and DELETE, with Powertools idempotency on its
 * DynamoDB persistence layer. The record's key is the hash of method + path + the caller's `sub`
 * + the header value, so one caller's key never replays another's response or another route's;
 * the body is the validated payload, so the same key with another body is refused (422).
 *
 * Only successes (2xx) are stored and replayed. A refusal or failure deletes the in-progress
 * record, so a retry with the same key runs again: a 409 busy becomes a 202 once the lock is
 * free, and a 503 is retried as the client was told. A duplicate arriving while the first request
 * still runs is a 409 `idempotency.in-progress`. Without the header no record is written.
 */

import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { ApiError } from '../../domain/api/error-codes.js';
import type { HttpResult } from './response.js';

/** How long a stored response is replayed. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/** API Gateway's integration timeout: without a Lambda context, an in-progress record expires after it. */
const DEFAULT_REMAINING_MS = 29_000;
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * The idempotency table as Powertools' DynamoDB persistence layer expects it by default
 * (partition key `id`; `expiration` is its TTL attribute), for local mode and tests; the CDK app
 * defines the same table (infra/constructs/idempotency-store.ts).
 */
export function idempotencyTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

export interface IdempotentRequest {
  readonly method: string;
  readonly path: string;
  readonly subject: string;
  readonly key: string;
  /** The parsed JSON body (null without one): what a reused key must match. */
  readonly body: unknown;
}

export interface Idempotency {
  run(request: IdempotentRequest, execute: () => Promise<HttpResult>, context?: Context): Promise<HttpResult>;
}

/** Carries a non-2xx result through Powertools so its in-progress record is deleted, not stored. */
class NotStored extends Error {
  constructor(readonly result: HttpResult) {
    super(`response ${result.statusCode} is not stored`);
    this.name = 'NotStored';
  }
}

interface HashedPayload {
  readonly key: string;
  readonly body: unknown;
}

export interface IdempotencyOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
}

export function createIdempotency(options: IdempotencyOptions): Idempotency {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    ...(options.client ? { awsSdkV3Client: options.client } : {}),
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    hashFunction: 'sha256',
    responseHook: (response) => {
      const stored = response as unknown as HttpResult;
      return { ...stored, headers: { ...stored.headers, [REPLAYED_HEADER]: 'true' } };
    },
  });
  const execute = async (_payload: HashedPayload, run: () => Promise<HttpResult>) => {
    const result = await run();
    if (result.statusCode < 200 || result.statusCode > 299) throw new NotStored(result);
    return result;
  };
  const idempotent = makeIdempotent(execute, {
    persistenceStore,
    config,
    keyPrefix: 'slipway-api',
    dataIndexArgument: 0,
  });
  const fallbackContext = { getRemainingTimeInMillis: () => DEFAULT_REMAINING_MS } as Context;

  return {
    async run(request, run, context) {
      config.registerLambdaContext(context ?? fallbackContext);
      const payload: HashedPayload = {
        key: `${request.method} ${request.path} ${request.subject} ${request.key}`,
        body: request.body ?? null,
      };
      try {
        return (await idempotent(payload, run)) as HttpResult;
      } catch (error) {
        if (error instanceof NotStored) return error.result;
        if (error instanceof Error && error.name === 'IdempotencyValidationError') {
          throw new ApiError(
            'idempotency.key-reused',
            'Idempotency-Key: this key was used with another body; use a new key for a new request',
            [{ field: 'Idempotency-Key', message: 'Idempotency-Key: was used with another body' }],
          );
        }
        if (error instanceof Error && error.name === 'IdempotencyAlreadyInProgressError') {
          throw new ApiError(
            'idempotency.in-progress',
            'Idempotency-Key: a request with this key is still being processed; retry shortly',
            {},
          );
        }
        throw error;
      }
    },
  };
}

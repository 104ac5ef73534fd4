import { ConditionalCheckFailedException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toStoreError } from '../../../functions/adapters/dynamodb/errors.js';
import { createRepository } from '../../../functions/adapters/dynamodb/repository.js';
import { TransientStoreError } from '../../../functions/domain/errors.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { seedRun } from '../../support/fixtures.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

describe('store faults', () => {
  it('reports DynamoDB throttling as TransientStoreError, and the retried write succeeds', async () => {
    // dynalite cannot throttle: this client throws ThrottlingException on its first call only.
    const client = DynamoDBDocumentClient.from(dynamo.newClient());
    const repository = createRepository({ client, tableName: dynamo.tableName });
    const run = await seedRun(createRepository({ client: dynamo.client, tableName: dynamo.tableName }));
    vi.spyOn(client, 'send').mockRejectedValueOnce(
      new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} }),
    );

    const error = await repository.acquireLock({ ...run, commit: '' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientStoreError);
    expect(error).toMatchObject({ name: 'TransientStoreError', cause: { name: 'ThrottlingException' } });

    const { environment } = await repository.acquireLock({ ...run, commit: '' });
    expect(environment.activeRunId).toBe(run.runId);
  });

  it('maps 5xx and the throughput errors to TransientStoreError but leaves a failed condition alone', () => {
    for (const name of [
      'ProvisionedThroughputExceededException',
      'RequestLimitExceeded',
      'InternalServerError',
      'ServiceUnavailable',
    ]) {
      expect(
        toStoreError(Object.assign(new Error(name), { name, $metadata: {} }), 'UpdateItem'),
      ).toBeInstanceOf(TransientStoreError);
    }
    const serverFault = Object.assign(new Error('boom'), {
      name: 'Unknown',
      $metadata: { httpStatusCode: 503 },
    });
    expect(toStoreError(serverFault, 'PutItem')).toBeInstanceOf(TransientStoreError);
    const conditional = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
    });
    expect(toStoreError(conditional, 'PutItem')).toBe(conditional);
  });
});

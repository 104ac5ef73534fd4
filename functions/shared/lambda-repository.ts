/**
 * The repository for Lambda: built once per container on first use, its client traced by X-Ray.
 * (One module per client, so a bundle only carries the SDK clients its handler uses.)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createRepository, type Repository } from '../adapters/dynamodb/repository.js';
import { lazy, requireEnv } from './config.js';
import { tracer } from './powertools.js';

export const lambdaRepository = lazy(
  (): Repository =>
    createRepository({
      tableName: requireEnv('TABLE_NAME'),
      client: tracer.captureAWSv3Client(new DynamoDBClient({})),
    }),
);

/**
 * The repository for Lambda: built once per container on first use.
 * (One module per client, so a bundle only carries the SDK clients its handler uses.)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createRepository, type Repository } from '../adapters/dynamodb/repository.js';
import { lazy, requireEnv } from './config.js';

export const lambdaRepository = lazy(
  (): Repository =>
    createRepository({
      tableName: requireEnv('TABLE_NAME'),
      client: new DynamoDBClient({}),
    }),
);

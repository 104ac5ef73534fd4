/**
 * Local mode's DynamoDB: dynalite (the DynamoDB wire protocol on LevelDB) persisted under the data
 * folder, on 127.0.0.1, with the state table and the idempotency table created once with the same
 * schemas as the CDK app's. State survives a restart because dynalite writes to disk as it goes.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../../functions/adapters/dynamodb/table-schema.js';
import { idempotencyTableInput } from '../../functions/shared/http/idempotency.js';
import { installExpressionCache } from './expression-cache.js';

// dynalite ships no type declarations: describe the part used here.
type Dynalite = (options: { createTableMs?: number; path?: string }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

export const STATE_TABLE = 'slipway-local-state';
export const IDEMPOTENCY_TABLE = 'slipway-local-idempotency';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

/** A client for local mode's server (dynalite checks no credentials; the SDK wants some). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export async function startLocalDynamo(dataDir: string): Promise<LocalDynamo> {
  // Each distinct condition or update expression is parsed once, not once per request.
  installExpressionCache();
  const path = join(dataDir, 'dynamodb');
  mkdirSync(path, { recursive: true });
  const server = dynalite({ createTableMs: 0, path });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  await ensureTable(client, createTableInput(STATE_TABLE));
  await ensureTable(client, idempotencyTableInput(IDEMPOTENCY_TABLE));
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function ensureTable(
  client: DynamoDBClient,
  input: ConstructorParameters<typeof CreateTableCommand>[0],
) {
  try {
    await client.send(new DescribeTableCommand({ TableName: input.TableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(input));
  }
}

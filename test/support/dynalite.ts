/**
 * Starts dynalite (the DynamoDB wire protocol, in-process, in memory) on 127.0.0.1 with a random
 * port and creates Slipway's table with the same schema as the CDK table. Each test file starts
 * its own server in `beforeAll` and calls `stop()` in `afterAll`.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput } from '../../functions/adapters/dynamodb/table-schema.js';
import { installExpressionCache } from '../../local/store/expression-cache.js';
import { closeServer, listenOnLoopback } from './loopback.js';

// dynalite ships no type declarations: describe the part used here.
type Dynalite = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

export interface LocalDynamo {
  readonly endpoint: string;
  /** Plain client pointed at the server (fake credentials: dynalite does not check them). */
  readonly client: DynamoDBClient;
  /** Document client over `client`, as the repository uses it. */
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /** A new plain client for the same server (e.g. one a test wraps to inject faults). */
  newClient(): DynamoDBClient;
  stop(): Promise<void>;
}

export async function startDynalite(tableName = 'slipway-test'): Promise<LocalDynamo> {
  // As in local mode (local/store/dynamo.ts): each distinct expression is parsed once, not once per
  // request (test/local/store/expression-cache.test.ts shows the cached parse equals dynalite's).
  installExpressionCache();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listenOnLoopback(server);
  const newClient = () =>
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  const client = newClient();
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.TableStatus !== 'ACTIVE')
    throw new Error(`dynalite table ${tableName} is ${Table?.TableStatus}`);
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });

  return {
    endpoint,
    client,
    documentClient,
    tableName,
    newClient,
    async stop() {
      client.destroy();
      await closeServer(server);
    },
  };
}

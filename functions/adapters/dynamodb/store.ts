/**
 * The thin layer over the DynamoDB document client that every repository function uses:
 * single-item operations only (no transactions: dynalite lacks them and the write budget does
 * not need them), every error mapped, every write reported to `onWrite` so writes can be counted.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, toStoreError } from './errors.js';
import type { ItemKey } from './keys.js';
import type { BuiltUpdate } from './update-builder.js';

export type StoredItem = Record<string, unknown>;

export interface WriteEvent {
  readonly operation: 'PutItem' | 'UpdateItem' | 'DeleteItem';
  readonly key: ItemKey;
  /** A write whose condition failed still consumes write capacity, so it is reported too. */
  readonly outcome: 'written' | 'condition-failed' | 'error';
}

export type WriteListener = (event: WriteEvent) => void;

export interface StoreOptions {
  /** A document client, or a plain client (wrapped here). Default: a new client from the Lambda environment. */
  readonly client?: DynamoDBDocumentClient | DynamoDBClient;
  readonly tableName: string;
  readonly onWrite?: WriteListener;
}

export function toDocumentClient(
  client: DynamoDBDocumentClient | DynamoDBClient | undefined,
): DynamoDBDocumentClient {
  if (client instanceof DynamoDBDocumentClient) return client;
  return DynamoDBDocumentClient.from(client ?? new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Name (`#x`) and value (`:x`) placeholders of a condition expression. */
export interface ConditionPlaceholders {
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

export type WriteResult = { readonly ok: true; readonly item: StoredItem } | { readonly ok: false };

export class Store {
  readonly tableName: string;
  readonly #doc: DynamoDBDocumentClient;
  readonly #onWrite: WriteListener | undefined;

  constructor(options: StoreOptions) {
    this.tableName = options.tableName;
    this.#doc = toDocumentClient(options.client);
    this.#onWrite = options.onWrite;
  }

  /** Strongly consistent read of one item. */
  async get(key: ItemKey): Promise<StoredItem | undefined> {
    try {
      const output = await this.#doc.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return output.Item as StoredItem | undefined;
    } catch (error) {
      throw toStoreError(error, 'GetItem');
    }
  }

  /** Query returning at most `limit` items (following pages until then). */
  async query(input: Omit<QueryCommandInput, 'TableName'>, limit: number): Promise<StoredItem[]> {
    const items: StoredItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const output = await this.#doc.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            Limit: limit - items.length,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        items.push(...((output.Items ?? []) as StoredItem[]));
        startKey = output.LastEvaluatedKey;
      } while (startKey && items.length < limit);
    } catch (error) {
      throw toStoreError(error, 'Query');
    }
    return items;
  }

  /** One page of a query: at most `limit` items and the key to continue from, if there is more. */
  async queryPage(
    input: Omit<QueryCommandInput, 'TableName'>,
    limit: number,
    startKey?: Record<string, unknown>,
  ): Promise<{ items: StoredItem[]; lastKey?: Record<string, unknown> }> {
    try {
      const output = await this.#doc.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const items = (output.Items ?? []) as StoredItem[];
      return output.LastEvaluatedKey ? { items, lastKey: output.LastEvaluatedKey } : { items };
    } catch (error) {
      throw toStoreError(error, 'Query');
    }
  }

  /** Conditional put; `false` when the condition failed. */
  async put(item: StoredItem & ItemKey, condition?: string): Promise<boolean> {
    return this.#write('PutItem', { pk: item.pk, sk: item.sk }, async () => {
      await this.#doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...(condition ? { ConditionExpression: condition } : {}),
        }),
      );
      return true;
    });
  }

  /** Conditional update returning the item as written (ALL_NEW), or `{ok: false}` when the condition failed. */
  async update(key: ItemKey, update: BuiltUpdate): Promise<WriteResult> {
    const result = await this.#write('UpdateItem', key, async () => {
      const output = await this.#doc.send(
        new UpdateCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_NEW', ...update }),
      );
      return (output.Attributes ?? {}) as StoredItem;
    });
    return result === false ? { ok: false } : { ok: true, item: result };
  }

  /** Conditional delete; `false` when the condition failed. */
  async delete(key: ItemKey, condition?: string, placeholders: ConditionPlaceholders = {}): Promise<boolean> {
    return this.#write('DeleteItem', key, async () => {
      await this.#doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ...(condition ? { ConditionExpression: condition } : {}),
          ...(placeholders.names ? { ExpressionAttributeNames: placeholders.names } : {}),
          ...(placeholders.values ? { ExpressionAttributeValues: placeholders.values } : {}),
        }),
      );
      return true;
    });
  }

  async #write<T>(
    operation: WriteEvent['operation'],
    key: ItemKey,
    send: () => Promise<T>,
  ): Promise<T | false> {
    try {
      const result = await send();
      this.#onWrite?.({ operation, key, outcome: 'written' });
      return result;
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        this.#onWrite?.({ operation, key, outcome: 'condition-failed' });
        return false;
      }
      this.#onWrite?.({ operation, key, outcome: 'error' });
      throw toStoreError(error, operation);
    }
  }
}

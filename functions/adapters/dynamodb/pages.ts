/**
 * Paginated lists: every list the API serves is one Query page with an opaque cursor
 * (cursor.ts), never a scan, and never more than the caller's `limit` (at most MAX_PAGE_LIMIT).
 */
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_LIST_LIMIT, type RepositoryContext } from './context.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { StoredItem } from './store.js';

export const MAX_PAGE_LIMIT = 100;

export interface Page<T> {
  readonly items: T[];
  /** Present when there is more: pass it back as `cursor` for the next page. */
  readonly cursor?: string;
}

export interface PageOptions {
  readonly limit?: number;
  readonly cursor?: string;
}

export const TABLE_KEY_ATTRIBUTES = ['pk', 'sk'] as const;
export const GSI1_KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;

export interface PageQuery {
  readonly input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>;
  /** The partition being listed: a cursor for any other partition is refused. */
  readonly partition: { readonly attribute: string; readonly value: string };
  readonly keyAttributes: readonly string[];
}

export async function queryPage<T>(
  ctx: RepositoryContext,
  query: PageQuery,
  options: PageOptions,
  toRecord: (item: StoredItem) => T,
): Promise<Page<T>> {
  const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_LIST_LIMIT), MAX_PAGE_LIMIT);
  const startKey = options.cursor
    ? decodeCursor(options.cursor, query.partition, query.keyAttributes)
    : undefined;
  const page = await ctx.store.queryPage(query.input, limit, startKey);
  const cursor = encodeCursor(page.lastKey);
  return { items: page.items.map(toRecord), ...(cursor ? { cursor } : {}) };
}

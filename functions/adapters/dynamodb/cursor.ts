/**
 * Opaque list cursors: the DynamoDB LastEvaluatedKey of a page, as base64url JSON. A cursor is
 * user input, so it is parsed, not trusted: it must be a flat map of string keys, and its
 * partition must be the one being listed — a cursor made for another organization's list is
 * refused rather than used as a start key.
 */
import { ValidationError } from '../../domain/errors.js';

export type StartKey = Record<string, string>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

function refused(reason: string): ValidationError {
  const issue = `cursor: ${reason}`;
  return new ValidationError(`invalid ${issue}`, [issue]);
}

/**
 * Decodes a cursor of a list whose partition attribute `partitionAttribute` is `partition`.
 * `allowedAttributes` are the key attributes a start key of that list may hold.
 */
export function decodeCursor(
  cursor: string,
  partition: { readonly attribute: string; readonly value: string },
  allowedAttributes: readonly string[],
): StartKey {
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refused('is not a cursor of this list');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused('is not a cursor of this list');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw refused('is not a cursor of this list');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const valid = entries.every(
    ([name, value]) => allowedAttributes.includes(name) && typeof value === 'string' && value.length <= 512,
  );
  const key = Object.fromEntries(entries) as StartKey;
  if (!valid || key[partition.attribute] !== partition.value) throw refused('is not a cursor of this list');
  return key;
}

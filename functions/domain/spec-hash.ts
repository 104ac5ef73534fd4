/**
 * The spec hash identifies a desired state: the same spec, however its keys are ordered, hashes
 * the same, so "unchanged spec" checks and run ids are stable.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level; arrays keep their order; `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item)));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, member]) => [key, sortKeys(member)] as const);
    return Object.fromEntries(entries);
  }
  return value;
}

/** sha256 (lower-case hex) of the canonical JSON of a spec. */
export function specHash(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/**
 * The expression cache (local/store/expression-cache.ts) gives dynalite's request validation the
 * same result as dynalite's own parsers: each case is validated without the cache, then twice with
 * it (a miss, then a hit with other values of the same types), and the messages, parsed trees and
 * unused-name checks must be equal. Then through a dynalite server: a cached condition still
 * decides each write on that write's values.
 */
import { createRequire } from 'node:module';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installExpressionCache } from '../../../local/store/expression-cache.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';

type Value = Record<string, unknown>;
interface Request {
  ConditionExpression?: string;
  UpdateExpression?: string;
  KeyConditionExpression?: string;
  FilterExpression?: string;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, Value>;
  [parsed: string]: unknown;
}
interface Parser {
  parse: (...args: unknown[]) => unknown;
}

const require = createRequire(import.meta.url);
const validations = require('dynalite/validations') as {
  validateExpressions(data: Request): string | undefined;
};
const parsers = ['conditionParser', 'updateParser', 'projectionParser'].map(
  (name) => require(`dynalite/db/${name}`) as Parser,
);
// dynalite's own parsers: kept before the cache replaces them (startDynalite installs it too), or,
// when an earlier test file in this process installed it (Vitest without isolation), kept by it.
const originals = parsers.map(
  (parser) => (parser.parse as { uncached?: Parser['parse'] }).uncached ?? parser.parse,
);

/** What dynalite's validation makes of `request`: its message and the trees it parsed. */
function validate(request: Request) {
  const data = structuredClone(request);
  const message = validations.validateExpressions(data);
  const trees = Object.fromEntries(Object.entries(data).filter(([key]) => key.startsWith('_')));
  return { message, trees, data };
}

function validateUncached(request: Request) {
  const cached = parsers.map((parser) => parser.parse);
  parsers.forEach((parser, index) => {
    parser.parse = originals[index] as Parser['parse'];
  });
  try {
    return validate(request);
  } finally {
    parsers.forEach((parser, index) => {
      parser.parse = cached[index] as Parser['parse'];
    });
  }
}

const names = {
  '#n0': 'status',
  '#n1': 'version',
  '#n2': 'leaseUntil',
  '#n3': 'history',
  '#n4': 'runId',
  '#n5': 'tags',
  '#n6': 'phases',
  '#n7': 'argocd-bootstrap',
};
const condition =
  '(attribute_not_exists(#n0) OR #n0 IN (:c0, :c1)) AND #n1 = :c2 AND (#n2 < :c3 OR attribute_not_exists(#n2)) AND size(#n3) < :c4 AND begins_with(#n4, :c5) AND NOT contains(#n5, :c6)';
const update =
  'SET #n0 = :u0, #n6.#n7.#n0 = :u1, #n3 = list_append(if_not_exists(#n3, :u2), :u3) ADD #n1 :u4 REMOVE #n2';

/** Requests whose values differ by the seed, never by their types. */
const cases: Record<string, (seed: number) => Request> = {
  'a long nested condition with an update': (seed) => ({
    ConditionExpression: condition,
    UpdateExpression: update,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: {
      ':c0': { S: `READY-${seed}` },
      ':c1': { S: `FAILED-${seed}` },
      ':c2': { N: `${seed}` },
      ':c3': { S: `2026-12-0${seed}T00:00:00Z` },
      ':c4': { N: `${10 + seed}` },
      ':c5': { S: `org.env.${seed}` },
      ':c6': { S: `tag-${seed}` },
      ':u0': { S: `RUNNING-${seed}` },
      ':u1': { S: `SUCCEEDED-${seed}` },
      ':u2': { L: [] },
      ':u3': { L: [{ M: { at: { S: `t${seed}` } } }] },
      ':u4': { N: '1' },
    },
  }),
  'a key condition with a filter and a projection': (seed) => ({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: '#n0 <> :s',
    ProjectionExpression: 'pk, sk, #n0, #n6.#n7',
    ExpressionAttributeNames: { '#n0': 'status', '#n6': 'phases', '#n7': 'argocd' },
    ExpressionAttributeValues: {
      ':pk': { S: `ORG#o${seed}` },
      ':prefix': { S: `RUN#${seed}` },
      ':s': { S: `DELETED${seed}` },
    },
  }),
  'a key condition that dynalite rewrites (the value first)': (seed) => ({
    KeyConditionExpression: ':pk = pk AND :sk < sk',
    ExpressionAttributeValues: { ':pk': { S: `p${seed}` }, ':sk': { S: `s${seed}` } },
  }),
  'a value left unused': (seed) => ({
    ConditionExpression: '#n0 = :a',
    ExpressionAttributeNames: { '#n0': 'status' },
    ExpressionAttributeValues: { ':a': { S: `a${seed}` }, ':spare': { S: `b${seed}` } },
  }),
  'a name left unused': (seed) => ({
    ConditionExpression: '#n0 = :a',
    ExpressionAttributeNames: { '#n0': 'status', '#spare': 'x' },
    ExpressionAttributeValues: { ':a': { N: `${seed}` } },
  }),
  'an update using a name its condition also uses': (seed) => ({
    ConditionExpression: 'attribute_exists(#n0)',
    UpdateExpression: 'SET #n1 = :v',
    ExpressionAttributeNames: { '#n0': 'pk', '#n1': 'status' },
    ExpressionAttributeValues: { ':v': { S: `v${seed}` } },
  }),
  'an operand of the wrong type': (seed) => ({
    ConditionExpression: 'begins_with(#n0, :v)',
    ExpressionAttributeNames: { '#n0': 'status' },
    ExpressionAttributeValues: { ':v': { N: `${seed}` } },
  }),
  'a reserved word': (seed) => ({
    ConditionExpression: 'status = :v',
    ExpressionAttributeValues: { ':v': { S: `v${seed}` } },
  }),
  'a syntax error': (seed) => ({
    ConditionExpression: '#n0 = = :v',
    ExpressionAttributeNames: { '#n0': 'status' },
    ExpressionAttributeValues: { ':v': { S: `v${seed}` } },
  }),
  'a missing value': (seed) => ({
    UpdateExpression: 'SET #n0 = :v, #n1 = :w',
    ExpressionAttributeNames: { '#n0': 'status', '#n1': 'x' },
    ExpressionAttributeValues: { ':v': { S: `v${seed}` } },
  }),
};

beforeAll(() => {
  installExpressionCache();
});

describe('the expression cache', () => {
  it('replaces dynalite’s parsers', () => {
    parsers.forEach((parser, index) => {
      expect(parser.parse).not.toBe(originals[index]);
    });
  });

  for (const [name, request] of Object.entries(cases)) {
    it(`validates ${name} as dynalite does, on a miss and on a hit`, () => {
      for (const seed of [1, 2]) {
        const expected = validateUncached(request(seed));
        const actual = validate(request(seed));
        expect(actual.message).toEqual(expected.message);
        expect(actual.trees).toEqual(expected.trees);
      }
    });
  }

  it('puts the request’s own value objects in a tree served from the cache', () => {
    validate(cases['a long nested condition with an update']?.(1) ?? {});
    const { data } = validate(cases['a long nested condition with an update']?.(2) ?? {});
    const values = data.ExpressionAttributeValues ?? {};
    const updates = JSON.stringify(data._updates);
    expect(updates).toContain('SUCCEEDED-2');
    expect(updates).not.toContain('SUCCEEDED-1');
    expect(findValue(data._condition, values[':c5'])).toBe(true);
    expect(findValue(data._updates, values[':u1'])).toBe(true);
  });

  it('serves a value of another type from a parse of its own', () => {
    const asString = (type: 'S' | 'N') => ({
      ConditionExpression: 'begins_with(#n0, :v)',
      ExpressionAttributeNames: { '#n0': 'status' },
      ExpressionAttributeValues: { ':v': { [type]: '1' } },
    });
    expect(validate(asString('S')).message).toBeUndefined();
    expect(validate(asString('N')).message).toMatch(/Incorrect operand type/);
  });

  it('compares BETWEEN bounds on every request', () => {
    const between = (low: string, high: string) => ({
      ConditionExpression: '#n0 BETWEEN :low AND :high',
      ExpressionAttributeNames: { '#n0': 'version' },
      ExpressionAttributeValues: { ':low': { N: low }, ':high': { N: high } },
    });
    expect(validate(between('1', '2')).message).toBeUndefined();
    expect(validate(between('3', '2')).message).toMatch(/upper bound to be greater than/);
  });
});

function findValue(tree: unknown, value: unknown): boolean {
  if (tree === value) return true;
  if (tree === null || typeof tree !== 'object') return false;
  return Object.values(tree).some((child) => findValue(child, value));
}

describe('a dynalite server with the cache', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });

  it('decides each conditional write on its own values, with one expression', async () => {
    const put = (version: number, expected: number) =>
      dynamo.documentClient.send(
        new PutCommand({
          TableName: dynamo.tableName,
          Item: { pk: 'ORG#cache', sk: 'ORG', version },
          ConditionExpression: 'attribute_not_exists(pk) OR #v = :expected',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':expected': expected },
        }),
      );
    await put(1, 0);
    await put(2, 1);
    await expect(put(3, 1)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await put(3, 2);
  });

  it('still refuses a value the expression does not use, when the expression is cached', async () => {
    const put = (values: Record<string, unknown>) =>
      dynamo.documentClient.send(
        new PutCommand({
          TableName: dynamo.tableName,
          Item: { pk: 'ORG#unused', sk: 'ORG' },
          ConditionExpression: 'attribute_not_exists(#v) OR #v = :a',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: values,
        }),
      );
    await put({ ':a': 1 });
    await expect(put({ ':a': 1, ':spare': 2 })).rejects.toThrow(
      /ExpressionAttributeValues unused in expressions: keys: \{:spare\}/,
    );
  });
});

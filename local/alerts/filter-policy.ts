/**
 * SNS subscription filter policies on message attributes, evaluated locally with SNS's documented
 * semantics (Amazon SNS Developer Guide: "Subscription filter policies", "String value matching",
 * "Key matching", "Filter policy constraints"):
 *
 * - every key of the policy must match (AND across keys); within a key, at least one condition
 *   must match (OR within a key);
 * - a key the message does not carry never matches, whatever the condition — `anything-but`
 *   included — except `{"exists": false}`, which matches an absent key (and, as SNS documents,
 *   only when the message carries at least one attribute);
 * - string comparison is case-sensitive;
 * - a policy has at most 5 keys and at most 150 value combinations (the product of the number of
 *   conditions of each key).
 *
 * Supported conditions are the string ones Slipway's alert attributes need: an exact value,
 * `{"prefix": "quota."}`, `{"anything-but": "x" | ["a", "b"] | {"prefix": "x"}}` and
 * `{"exists": true | false}`. Anything else SNS knows (numeric, suffix, equals-ignore-case, cidr,
 * `$or`) is refused when the policy is parsed, naming the key, rather than silently ignored.
 */

export const MAX_POLICY_KEYS = 5;
export const MAX_POLICY_COMBINATIONS = 150;

export type FilterCondition =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'anything-but'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-prefix'; readonly prefix: string }
  | { readonly kind: 'exists'; readonly exists: boolean };

/** A parsed, validated filter policy: each attribute name with its conditions (OR-ed). */
export type FilterPolicy = ReadonlyMap<string, readonly FilterCondition[]>;

/** String message attributes (name → value), as SNS compares them. */
export type MessageAttributes = Readonly<Record<string, string>>;

/** A policy SNS would refuse (or one local mode cannot evaluate); the message names the key. */
export class FilterPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterPolicyError';
  }
}

/** Parses a filter policy (the JSON object SNS stores as `FilterPolicy`), or throws FilterPolicyError. */
export function parseFilterPolicy(policy: unknown, label = 'filter policy'): FilterPolicy {
  if (!isPlainObject(policy)) throw new FilterPolicyError(`${label} must be a JSON object`);
  const keys = Object.keys(policy);
  if (keys.length > MAX_POLICY_KEYS) {
    throw new FilterPolicyError(
      `${label} has ${keys.length} keys (${keys.join(', ')}); SNS allows at most ${MAX_POLICY_KEYS}`,
    );
  }
  const parsed = new Map<string, FilterCondition[]>();
  for (const key of keys) {
    if (key.startsWith('$')) {
      throw new FilterPolicyError(`${label}: operator ${key} is not supported locally`);
    }
    const values = policy[key];
    if (!Array.isArray(values) || values.length === 0) {
      throw new FilterPolicyError(`${label}.${key} must be a non-empty array of conditions`);
    }
    parsed.set(
      key,
      values.map((value, index) => parseCondition(value, `${label}.${key}[${index}]`)),
    );
  }
  const combinations = policyCombinations(parsed);
  if (combinations > MAX_POLICY_COMBINATIONS) {
    throw new FilterPolicyError(
      `${label} has ${combinations} value combinations; SNS allows at most ${MAX_POLICY_COMBINATIONS}`,
    );
  }
  return parsed;
}

/** SNS's complexity measure: the product of the number of conditions of each key. */
export function policyCombinations(policy: FilterPolicy): number {
  let product = 1;
  for (const conditions of policy.values()) product *= conditions.length;
  return product;
}

/** Whether SNS would deliver a message with these attributes to a subscription with this policy. */
export function matchesFilterPolicy(policy: FilterPolicy, attributes: MessageAttributes): boolean {
  const present = Object.keys(attributes).length > 0;
  for (const [key, conditions] of policy) {
    const value = Object.hasOwn(attributes, key) ? attributes[key] : undefined;
    if (!conditions.some((condition) => matchesCondition(condition, value, present))) return false;
  }
  return true;
}

function matchesCondition(condition: FilterCondition, value: string | undefined, anyAttribute: boolean) {
  if (condition.kind === 'exists') {
    // `exists: true` needs a non-empty value; `exists: false` matches an absent key, but only on
    // a message that has at least one attribute.
    return condition.exists ? value !== undefined && value !== '' : value === undefined && anyAttribute;
  }
  if (value === undefined) return false;
  switch (condition.kind) {
    case 'exact':
      return value === condition.value;
    case 'prefix':
      return value.startsWith(condition.prefix);
    case 'anything-but':
      return !condition.values.includes(value);
    case 'anything-but-prefix':
      return !value.startsWith(condition.prefix);
  }
}

function parseCondition(value: unknown, label: string): FilterCondition {
  if (typeof value === 'string') return { kind: 'exact', value };
  if (!isPlainObject(value)) {
    throw new FilterPolicyError(
      `${label} must be a string or an operator object; only string conditions are supported locally (alert attributes are all String)`,
    );
  }
  const operators = Object.keys(value);
  const [operator] = operators;
  if (operators.length !== 1 || operator === undefined) {
    throw new FilterPolicyError(`${label} must have exactly one operator, found ${operators.length}`);
  }
  const operand = value[operator];
  switch (operator) {
    case 'prefix':
      return { kind: 'prefix', prefix: nonEmptyString(operand, `${label}.prefix`) };
    case 'exists':
      if (typeof operand !== 'boolean') throw new FilterPolicyError(`${label}.exists must be true or false`);
      return { kind: 'exists', exists: operand };
    case 'anything-but':
      return parseAnythingBut(operand, `${label}.anything-but`);
    default:
      throw new FilterPolicyError(
        `${label}: operator "${operator}" is not supported locally (supported: exact string, prefix, anything-but, exists)`,
      );
  }
}

function parseAnythingBut(operand: unknown, label: string): FilterCondition {
  if (typeof operand === 'string') return { kind: 'anything-but', values: [operand] };
  if (Array.isArray(operand)) {
    if (operand.length === 0) throw new FilterPolicyError(`${label} must list at least one value`);
    return {
      kind: 'anything-but',
      values: operand.map((item, index) => {
        if (typeof item !== 'string') {
          throw new FilterPolicyError(
            `${label}[${index}] must be a string (alert attributes are all String)`,
          );
        }
        return item;
      }),
    };
  }
  if (isPlainObject(operand)) {
    const operators = Object.keys(operand);
    if (operators.length === 1 && operators[0] === 'prefix') {
      return { kind: 'anything-but-prefix', prefix: nonEmptyString(operand.prefix, `${label}.prefix`) };
    }
    throw new FilterPolicyError(
      `${label} supports only {"prefix": "..."} as an operator, found ${JSON.stringify(operators)}`,
    );
  }
  throw new FilterPolicyError(`${label} must be a string, an array of strings or {"prefix": "..."}`);
}

function nonEmptyString(value: unknown, label: string): string {
  if (typeof value !== 'string' || value === '')
    throw new FilterPolicyError(`${label} must be a non-empty string`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

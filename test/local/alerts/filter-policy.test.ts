import { describe, expect, it } from 'vitest';
import {
  FilterPolicyError,
  type MessageAttributes,
  matchesFilterPolicy,
  parseFilterPolicy,
  policyCombinations,
} from '../../../local/alerts/filter-policy.js';

const critical: MessageAttributes = {
  kind: 'phase.failed',
  severity: 'critical',
  organization: 'org-a',
  environment: 'prod',
};
const quotaWarning: MessageAttributes = {
  kind: 'quota.almost-full',
  severity: 'warning',
  organization: 'org-b',
  environment: 'dev',
};
const info: MessageAttributes = {
  kind: 'run.succeeded',
  severity: 'info',
  organization: 'org-a',
  environment: 'dev',
};
/** An organization-wide alert: SNS gets no environment attribute at all (toSnsMessage). */
const orgWide: MessageAttributes = { kind: 'quota.exceeded', severity: 'critical', organization: 'org-a' };

const matches = (policy: unknown, attributes: MessageAttributes) =>
  matchesFilterPolicy(parseFilterPolicy(policy), attributes);

describe('matchesFilterPolicy (SNS semantics on message attributes)', () => {
  it.each([
    ['an exact value', { severity: ['critical'] }, critical, true],
    ['an exact value, other value', { severity: ['critical'] }, quotaWarning, false],
    ['exact match is case-sensitive', { severity: ['Critical'] }, critical, false],
    ['OR within a key', { severity: ['critical', 'warning'] }, quotaWarning, true],
    ['OR within a key, none listed', { severity: ['critical', 'warning'] }, info, false],
    [
      'AND across keys, both match',
      { organization: ['org-a'], severity: ['critical', 'warning'] },
      critical,
      true,
    ],
    [
      'AND across keys, one fails',
      { organization: ['org-a'], severity: ['critical', 'warning'] },
      info,
      false,
    ],
    ['a prefix', { kind: [{ prefix: 'quota.' }] }, quotaWarning, true],
    ['a prefix, no match', { kind: [{ prefix: 'quota.' }] }, critical, false],
    ['a prefix is not a substring match', { kind: [{ prefix: 'failed' }] }, critical, false],
    ['exact value OR prefix', { kind: ['phase.failed', { prefix: 'quota.' }] }, quotaWarning, true],
    ['anything-but a list', { severity: [{ 'anything-but': ['info'] }] }, critical, true],
    ['anything-but a list, listed value', { severity: [{ 'anything-but': ['info'] }] }, info, false],
    ['anything-but a single string', { severity: [{ 'anything-but': 'info' }] }, quotaWarning, true],
    ['anything-but a single string, that value', { severity: [{ 'anything-but': 'info' }] }, info, false],
    ['anything-but a prefix', { kind: [{ 'anything-but': { prefix: 'quota.' } }] }, critical, true],
    [
      'anything-but a prefix, value with it',
      { kind: [{ 'anything-but': { prefix: 'quota.' } }] },
      quotaWarning,
      false,
    ],
    ['a key absent from the message never matches an exact value', { environment: ['prod'] }, orgWide, false],
    [
      'a key absent from the message never matches a prefix',
      { environment: [{ prefix: 'p' }] },
      orgWide,
      false,
    ],
    [
      'a key absent from the message never matches anything-but',
      { environment: [{ 'anything-but': ['dev'] }] },
      orgWide,
      false,
    ],
    ['exists: true with the key', { environment: [{ exists: true }] }, critical, true],
    ['exists: true without the key', { environment: [{ exists: true }] }, orgWide, false],
    ['exists: false without the key', { environment: [{ exists: false }] }, orgWide, true],
    ['exists: false with the key', { environment: [{ exists: false }] }, critical, false],
    [
      'anything-but OR exists:false (SNS: they combine)',
      { environment: [{ 'anything-but': ['dev'] }, { exists: false }] },
      orgWide,
      true,
    ],
    ['an empty policy delivers everything', {}, info, true],
  ])('%s', (_name, policy, attributes, expected) => {
    expect(matches(policy, attributes)).toBe(expected);
  });

  it('exists: false does not match a message without any attribute, as SNS documents', () => {
    expect(matches({ environment: [{ exists: false }] }, {})).toBe(false);
  });

  it('ignores message attributes the policy does not name', () => {
    expect(matches({ organization: ['org-a'] }, { ...critical, extra: 'anything' })).toBe(true);
  });

  it('does not read inherited properties as attributes', () => {
    expect(matches({ toString: [{ exists: true }] }, critical)).toBe(false);
  });
});

describe('parseFilterPolicy (what SNS accepts)', () => {
  it('counts combinations as the product of the number of values of each key', () => {
    const policy = parseFilterPolicy({ a: ['1', '2', '3'], b: ['1'], c: ['1', { prefix: 'x' }] });

    expect(policyCombinations(policy)).toBe(6);
  });

  it('accepts 5 keys and exactly 150 combinations', () => {
    const values = (count: number) => Array.from({ length: count }, (_, index) => `v${index}`);

    expect(() =>
      parseFilterPolicy({ a: values(5), b: values(5), c: values(6), d: ['x'], e: ['y'] }),
    ).not.toThrow();
  });

  it('refuses a sixth key, naming the limit', () => {
    expect(() => parseFilterPolicy({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] })).toThrow(
      /6 keys .*at most 5/,
    );
  });

  it('refuses 151 combinations or more', () => {
    const values = (count: number) => Array.from({ length: count }, (_, index) => `v${index}`);

    expect(() => parseFilterPolicy({ a: values(151) })).toThrow(
      /151 value combinations; SNS allows at most 150/,
    );
    expect(() => parseFilterPolicy({ a: values(10), b: values(16) })).toThrow(/160 value combinations/);
  });

  it.each([
    ['not an object', ['severity'], /must be a JSON object/],
    ['a key without an array', { severity: 'critical' }, /filter policy\.severity must be a non-empty array/],
    ['a key with an empty array', { severity: [] }, /filter policy\.severity must be a non-empty array/],
    ['a numeric condition', { severity: [{ numeric: ['>', 1] }] }, /"numeric" is not supported locally/],
    ['a suffix condition', { kind: [{ suffix: '.failed' }] }, /"suffix" is not supported locally/],
    ['a number value', { severity: [3] }, /severity\[0\] must be a string or an operator object/],
    ['two operators in one condition', { kind: [{ prefix: 'a', exists: true }] }, /exactly one operator/],
    ['an empty prefix', { kind: [{ prefix: '' }] }, /kind\[0\]\.prefix must be a non-empty string/],
    ['exists with a string', { kind: [{ exists: 'yes' }] }, /exists must be true or false/],
    ['anything-but with an empty list', { kind: [{ 'anything-but': [] }] }, /at least one value/],
    ['anything-but with a number', { kind: [{ 'anything-but': [1] }] }, /anything-but\[0\] must be a string/],
    [
      'anything-but with another operator',
      { kind: [{ 'anything-but': { suffix: 'x' } }] },
      /only \{"prefix"/,
    ],
    ['the $or operator', { $or: [{ kind: ['a'] }] }, /\$or is not supported locally/],
  ])('refuses %s, naming where', (_name, policy, message) => {
    expect(() => parseFilterPolicy(policy)).toThrow(FilterPolicyError);
    expect(() => parseFilterPolicy(policy)).toThrow(message);
  });
});

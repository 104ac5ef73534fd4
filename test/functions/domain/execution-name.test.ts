import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EXECUTION_NAME,
  executionNameOf,
  pushExecutionName,
} from '../../../functions/domain/execution-name.js';
import { parseExecutionEnded } from '../../../functions/domain/workflow-events.js';

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
const commit = fc.stringMatching(/^[0-9a-f]{40}$/);
const LONGEST = 'a'.repeat(63);

describe('pushExecutionName', () => {
  it('is push_<org>_<env>_<commit> when that fits', () => {
    const sha = '9fceb02d0ae598e95dc970b74767f19372d61af8';
    expect(pushExecutionName('acme', 'prod', sha)).toBe(`push_acme_prod_${sha}`);
    expect(pushExecutionName('acme', 'prod', sha.toUpperCase())).toBe(`push_acme_prod_${sha}`);
  });

  it('stays within 80 characters of [A-Za-z0-9_-] for the longest names (63-character labels), deterministically', () => {
    const sha = 'f'.repeat(40);
    const name = pushExecutionName(LONGEST, LONGEST, sha);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(EXECUTION_NAME);
    expect(pushExecutionName(LONGEST, LONGEST, sha)).toBe(name);
    // Abbreviated names still tell environments and commits apart (the hash covers all three).
    expect(pushExecutionName(LONGEST, `${'a'.repeat(62)}b`, sha)).not.toBe(name);
    expect(pushExecutionName(LONGEST, LONGEST, 'e'.repeat(40))).not.toBe(name);
  });

  it('is a valid, deterministic name for every org/env/commit, different for different inputs', () => {
    fc.assert(
      fc.property(dnsLabel, dnsLabel, commit, commit, (organization, environment, first, second) => {
        const name = pushExecutionName(organization, environment, first);
        expect(name.length).toBeLessThanOrEqual(80);
        expect(name).toMatch(EXECUTION_NAME);
        expect(pushExecutionName(organization, environment, first)).toBe(name);
        if (first !== second) expect(pushExecutionName(organization, environment, second)).not.toBe(name);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a commit that is not hex', () => {
    expect(() => pushExecutionName('acme', 'prod', 'main')).toThrow(RangeError);
    expect(() => pushExecutionName('acme', 'prod', '')).toThrow(RangeError);
  });
});

describe('executionNameOf', () => {
  const base = { organization: 'acme', environment: 'prod', runId: 'acme.prod.000003.1a2b3c4d', commit: '' };

  it('names a push-started run from environment and commit, every other run by its run id', () => {
    const sha = '9fceb02d0ae598e95dc970b74767f19372d61af8';
    expect(executionNameOf({ ...base, trigger: 'git-push', commit: sha })).toBe(`push_acme_prod_${sha}`);
    expect(executionNameOf({ ...base, trigger: 'api', commit: sha })).toBe(base.runId);
    expect(executionNameOf({ ...base, trigger: 'resume', commit: sha })).toBe(base.runId);
    expect(executionNameOf({ ...base, trigger: 'git-push' })).toBe(base.runId);
  });
});

describe('parseExecutionEnded with a push-started run', () => {
  const sha = '9fceb02d0ae598e95dc970b74767f19372d61af8';
  const input = {
    organization: 'acme',
    environment: 'prod',
    runId: 'acme.prod.000003.1a2b3c4d',
    trigger: 'git-push',
    commit: sha,
  };
  const event = (name: string) => ({
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    region: 'eu-west-1',
    detail: {
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:slipway:${name}`,
      name,
      status: 'FAILED',
      input: JSON.stringify(input),
    },
  });

  it('accepts the name derived from environment and commit, and refuses the run id for it', () => {
    expect(parseExecutionEnded(event(`push_acme_prod_${sha}`))).toMatchObject({ runId: input.runId });
    expect(() => parseExecutionEnded(event(input.runId))).toThrow(/detail\.name: execution/);
  });
});

describe('pushExecutionName at its limits', () => {
  const sha = '9fceb02d0ae598e95dc970b74767f19372d61af8';

  it('keeps a name of exactly 80 characters, and hashes one with characters an execution name may not have', () => {
    const exact = pushExecutionName('o'.repeat(17), 'e'.repeat(16), sha);
    expect(exact).toBe(`push_${'o'.repeat(17)}_${'e'.repeat(16)}_${sha}`);
    expect(exact).toHaveLength(80);
    const hash = createHash('sha256').update(`a.b/prod@${sha}`, 'utf8').digest('hex');
    expect(pushExecutionName('a.b', 'prod', sha)).toBe(`push_a-b_prod_${hash.slice(0, 36)}`);
  });

  it('takes only whole hex commits, and accepts only whole execution names', () => {
    for (const commit of [`g${sha}`, `${sha}g`, 'abc123']) {
      expect(() => pushExecutionName('acme', 'prod', commit), commit).toThrow(
        new RangeError(`commit '${commit}' is not a hex commit id`),
      );
    }
    expect(EXECUTION_NAME.test('push_acme prod')).toBe(false);
    expect(EXECUTION_NAME.test(' push_acme')).toBe(false);
    expect(EXECUTION_NAME.test('x'.repeat(81))).toBe(false);
    expect(EXECUTION_NAME.test('x'.repeat(80))).toBe(true);
  });
});

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/domain/errors.js';
import { buildRunId, MAX_RUN_ID_LENGTH, parseRunId, runIdMatches } from '../../../functions/domain/run-id.js';

const HASH = '1a2b3c4d5e6f77889900aabbccddeeff00112233445566778899aabbccddeeff';
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);

describe('buildRunId', () => {
  it('formats <org>.<env>.<seq 6 digits>.<8 hex of the spec hash>', () => {
    expect(buildRunId({ organization: 'acme', environment: 'prod', seq: 3, specHash: HASH })).toBe(
      'acme.prod.000003.1a2b3c4d',
    );
  });

  it('stays a valid Step Functions execution name for any DNS-1123 organization and environment', () => {
    fc.assert(
      fc.property(
        dnsLabel,
        dnsLabel,
        fc.integer({ min: 1, max: 999_999 }),
        (organization, environment, seq) => {
          const runId = buildRunId({ organization, environment, seq, specHash: HASH });
          expect(runId.length).toBeLessThanOrEqual(MAX_RUN_ID_LENGTH);
          expect(runId).not.toMatch(FORBIDDEN);
          expect(parseRunId(runId)?.seq).toBe(seq);
        },
      ),
    );
  });

  it('abbreviates long names distinctly', () => {
    const long = 'a'.repeat(50);
    const a = buildRunId({ organization: `${long}-x`, environment: `${long}-y`, seq: 1, specHash: HASH });
    const b = buildRunId({ organization: `${long}-y`, environment: `${long}-x`, seq: 1, specHash: HASH });
    expect(a).not.toBe(b);
    expect(a).toContain('_');
  });

  it('refuses a name that is not a DNS-1123 label', () => {
    expect(() => buildRunId({ organization: 'Acme', environment: 'prod', seq: 1, specHash: HASH })).toThrow(
      ValidationError,
    );
    expect(() => buildRunId({ organization: 'acme', environment: 'prod', seq: 0, specHash: HASH })).toThrow(
      ValidationError,
    );
  });
});

describe('parseRunId', () => {
  it('returns the parts of a run id and undefined for anything else', () => {
    expect(parseRunId('acme.prod.000003.1a2b3c4d')).toEqual({
      organizationPart: 'acme',
      environmentPart: 'prod',
      seq: 3,
      specHashPrefix: '1a2b3c4d',
    });
    expect(parseRunId('not-a-run-id')).toBeUndefined();
  });

  it('matches an id only against the parts that built it', () => {
    const parts = { organization: 'acme', environment: 'prod', seq: 7, specHash: HASH };
    expect(runIdMatches('acme.prod.000007.1a2b3c4d', parts)).toBe(true);
    expect(runIdMatches('acme.prod.000008.1a2b3c4d', parts)).toBe(false);
  });
});

describe('buildRunId and parseRunId at their limits', () => {
  const digest4 = (part: string) => createHash('sha256').update(part).digest('hex').slice(0, 4);

  it('keeps an id of exactly 80 characters whole, and abbreviates only the parts over 31 characters', () => {
    const exact = buildRunId({
      organization: 'o'.repeat(32),
      environment: 'e'.repeat(31),
      seq: 1,
      specHash: HASH,
    });
    expect(exact).toBe(`${'o'.repeat(32)}.${'e'.repeat(31)}.000001.1a2b3c4d`);
    expect(exact).toHaveLength(MAX_RUN_ID_LENGTH);
    expect(
      buildRunId({ organization: 'o'.repeat(31), environment: 'e'.repeat(63), seq: 1, specHash: HASH }),
    ).toBe(`${'o'.repeat(31)}.${'e'.repeat(26)}_${digest4('e'.repeat(63))}.000001.1a2b3c4d`);
    expect(parseRunId(exact)).toEqual({
      organizationPart: 'o'.repeat(32),
      environmentPart: 'e'.repeat(31),
      seq: 1,
      specHashPrefix: '1a2b3c4d',
    });
    expect(parseRunId(`${'o'.repeat(33)}.${'e'.repeat(31)}.000001.1a2b3c4d`)).toBeUndefined();
  });

  it('refuses names that are not DNS labels, a spec hash that is not lower-case hex, a sequence under 1, saying which', () => {
    const parts = { organization: 'acme', environment: 'prod', seq: 1, specHash: HASH };
    expect(() => buildRunId({ ...parts, organization: 'acme-' })).toThrow(
      new ValidationError("organization 'acme-' is not a DNS-1123 label"),
    );
    expect(() => buildRunId({ ...parts, environment: '-prod' })).toThrow(
      "environment '-prod' is not a DNS-1123 label",
    );
    for (const specHash of ['1A2B3C4D', '1a2b3c4', 'x1a2b3c4d', '1a2b3c4dx']) {
      expect(() => buildRunId({ ...parts, specHash }), specHash).toThrow(
        'specHash must be lower-case hex, at least 8 characters',
      );
    }
    expect(() => buildRunId({ ...parts, seq: 0 })).toThrow('run sequence must be a positive integer, got 0');
  });

  it('reads only whole run ids', () => {
    expect(parseRunId('-acme.prod.000001.1a2b3c4d')).toBeUndefined();
    expect(parseRunId('acme.prod.000001.1a2b3c4dx')).toBeUndefined();
    expect(parseRunId('acme.prod.000001.1a2b3c4d')).toEqual({
      organizationPart: 'acme',
      environmentPart: 'prod',
      seq: 1,
      specHashPrefix: '1a2b3c4d',
    });
  });
});

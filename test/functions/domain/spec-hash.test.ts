import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, specHash } from '../../../functions/domain/spec-hash.js';

describe('specHash', () => {
  it('hashes the same spec the same whatever its key order', () => {
    const a = {
      tier: 'prod',
      network: { vpcCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16' },
      namespaces: [{ name: 'a' }],
    };
    const b = {
      namespaces: [{ name: 'a' }],
      network: { podCidr: '10.244.0.0/16', vpcCidr: '10.0.0.0/16' },
      tier: 'prod',
    };
    expect(specHash(a)).toBe(specHash(b));
  });

  it('is the sha256 of the key-sorted JSON', () => {
    const spec = { b: 1, a: [3, { d: true, c: null }] };
    expect(canonicalJson(spec)).toBe('{"a":[3,{"c":null,"d":true}],"b":1}');
    expect(specHash(spec)).toBe(
      createHash('sha256').update('{"a":[3,{"c":null,"d":true}],"b":1}').digest('hex'),
    );
  });

  it('changes when a value changes or array order changes', () => {
    expect(specHash({ namespaces: ['a', 'b'] })).not.toBe(specHash({ namespaces: ['b', 'a'] }));
    expect(specHash({ tier: 'dev' })).not.toBe(specHash({ tier: 'prod' }));
  });
});

describe('canonicalJson', () => {
  it('orders the keys of every object, whatever order they come in', () => {
    expect(canonicalJson({ c: 1, b: { z: 1, y: 2, x: 3 }, a: [{ q: 1, p: 2 }] })).toBe(
      '{"a":[{"p":2,"q":1}],"b":{"x":3,"y":2,"z":1},"c":1}',
    );
    expect(canonicalJson({ e: 1, d: 2, c: 3, b: 4, a: 5 })).toBe('{"a":5,"b":4,"c":3,"d":2,"e":1}');
  });
});

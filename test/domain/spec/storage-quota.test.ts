import { describe, expect, it } from 'vitest';
import { validateEnvironmentSpec } from '../../../functions/domain/environment-spec.js';
import { checkOrganizationQuota, type Organization } from '../../../functions/domain/organization.js';
import { validSpec } from '../../support/fixtures.js';

/** A valid spec whose only namespace carries QUOTA (cpu, memory, pods filled in). */
function specWithQuota(quota: Record<string, unknown>) {
  const spec = validSpec();
  return {
    ...spec,
    namespaces: [{ name: 'payments', quota: { cpu: '4', memory: '8Gi', pods: 40, ...quota } }],
  };
}

describe('namespace storage quota (optional storage and persistentVolumeClaims)', () => {
  it('accepts a spec without them, and one with both, zero included', () => {
    expect(validateEnvironmentSpec(specWithQuota({})).ok).toBe(true);
    const result = validateEnvironmentSpec(specWithQuota({ storage: '20Gi', persistentVolumeClaims: 5 }));
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(result.spec.namespaces[0]?.quota).toMatchObject({ storage: '20Gi', persistentVolumeClaims: 5 });
    expect(validateEnvironmentSpec(specWithQuota({ storage: '0', persistentVolumeClaims: 0 })).ok).toBe(true);
  });

  it.each([
    [{ storage: '20GB' }, 'namespaces.0.quota.storage', /not a Kubernetes quantity/],
    [{ storage: '-1Gi' }, 'namespaces.0.quota.storage', /negative/],
    [{ storage: 20 }, 'namespaces.0.quota.storage', /is the number 20: write it as a string, "20"/],
    [{ persistentVolumeClaims: -1 }, 'namespaces.0.quota.persistentVolumeClaims', /non-negative integer/],
    [{ persistentVolumeClaims: 1.5 }, 'namespaces.0.quota.persistentVolumeClaims', /non-negative integer/],
    [{ persistentVolumeClaims: '5' }, 'namespaces.0.quota.persistentVolumeClaims', /non-negative integer/],
  ])('refuses %j, naming %s', (quota, field, pattern) => {
    const result = validateEnvironmentSpec(specWithQuota(quota));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.field)).toEqual([field]);
    expect(result.issues[0]?.message.startsWith(`${field}: `)).toBe(true);
    expect(result.issues[0]?.message).toMatch(pattern);
  });
});

describe('organization ceiling on storage', () => {
  const base: Organization = {
    displayName: 'Acme',
    quota: { cpu: '32', memory: '64Gi', pods: 300 },
    maxEnvironments: 3,
  };

  it('does not limit storage when the ceiling names none', () => {
    expect(
      checkOrganizationQuota(base, [specWithQuota({ storage: '1Ti', persistentVolumeClaims: 100 })]).ok,
    ).toBe(true);
  });

  it('refuses storage and claims above a ceiling that names them, naming each field', () => {
    const organization = { ...base, quota: { ...base.quota, storage: '100Gi', persistentVolumeClaims: 10 } };
    const fits = checkOrganizationQuota(organization, [
      specWithQuota({ storage: '60Gi', persistentVolumeClaims: 6 }),
      specWithQuota({ storage: '40Gi', persistentVolumeClaims: 4 }),
    ]);
    expect(fits.ok).toBe(true);
    const over = checkOrganizationQuota(organization, [
      specWithQuota({ storage: '60Gi', persistentVolumeClaims: 6 }),
      specWithQuota({ storage: '41Gi', persistentVolumeClaims: 5 }),
    ]);
    expect(over.ok).toBe(false);
    if (over.ok) return;
    expect(over.issues.map((issue) => issue.field)).toEqual([
      'quota.storage',
      'quota.persistentVolumeClaims',
    ]);
    expect(over.issues[0]?.message).toMatch(/^quota\.storage: .*101Gi storage.*ceiling of 100Gi/);
    expect(over.issues[1]?.message).toMatch(
      /^quota\.persistentVolumeClaims: .*11 persistent volume claims.*ceiling of 10/,
    );
  });
});

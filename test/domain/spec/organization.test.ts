import { describe, expect, it } from 'vitest';
import { sumNamespaceQuotas } from '../../../functions/domain/environment-spec.js';
import {
  checkOrganizationQuota,
  type Organization,
  validateOrganization,
} from '../../../functions/domain/organization.js';
import { validSpec } from '../../support/fixtures.js';

const acme: Organization = {
  displayName: 'Acme',
  quota: { cpu: '32', memory: '64Gi', pods: 300 },
  maxEnvironments: 3,
};

function specWith(...quotas: { cpu: string; memory: string; pods: number }[]) {
  return { ...validSpec(), namespaces: quotas.map((quota, index) => ({ name: `ns${index}`, quota })) };
}

describe('validateOrganization', () => {
  it('accepts the organization of the design brief', () => {
    expect(validateOrganization({ ...acme, maxEnvironments: 10 }).ok).toBe(true);
  });

  it('refuses bad quotas and counts, naming each field', () => {
    const result = validateOrganization({
      displayName: ' ',
      quota: { cpu: 'many', memory: '64Gi', pods: -1 },
      maxEnvironments: 0,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const fields = result.issues.map((issue) => issue.field).sort();
    expect(fields).toEqual(['displayName', 'maxEnvironments', 'quota.cpu', 'quota.pods']);
    for (const issue of result.issues) expect(issue.message.startsWith(`${issue.field}: `)).toBe(true);
    expect(result.issues.find((issue) => issue.field === 'displayName')?.message).toBe(
      'displayName: must not be empty',
    );
    expect(result.issues.find((issue) => issue.field === 'maxEnvironments')?.message).toBe(
      'maxEnvironments: must be at least 1',
    );
  });

  it('names each field rule in its message', () => {
    const messages = (input: Record<string, unknown>) => {
      const result = validateOrganization({ ...acme, ...input });
      return result.ok ? [] : result.issues.map((issue) => issue.message);
    };
    expect(messages({ displayName: 7 })).toEqual(['displayName: must be a string']);
    expect(messages({ displayName: 'a'.repeat(101) })).toEqual([
      'displayName: must be at most 100 characters',
    ]);
    expect(messages({ maxEnvironments: 1.5 })).toEqual(['maxEnvironments: must be an integer']);
    expect(messages({ maxEnvironments: 101 })).toEqual(['maxEnvironments: must be at most 100']);
    expect(messages({ extra: 1 })).toEqual(['extra: is not a known field']);
    const notAnObject = validateOrganization('acme');
    expect(notAnObject.ok ? [] : notAnObject.issues.map((issue) => issue.field)).toEqual(['organization']);
    expect(validateOrganization({ ...acme, displayName: '  Acme  ' })).toEqual({
      ok: true,
      spec: { ...acme, displayName: 'Acme' },
    });
  });
});

describe('sumNamespaceQuotas', () => {
  it('adds CPU in millicores, memory in bytes and pods', () => {
    const total = sumNamespaceQuotas(
      specWith({ cpu: '1.5', memory: '512Mi', pods: 10 }, { cpu: '500m', memory: '1.5Gi', pods: 5 }),
    );
    expect(total).toEqual({ cpuMillicores: 2000, memoryBytes: 2 * 2 ** 30, pods: 15 });
  });
});

describe('checkOrganizationQuota', () => {
  it('accepts environments whose namespaces fit the ceiling exactly', () => {
    const result = checkOrganizationQuota(acme, [
      specWith({ cpu: '16', memory: '32Gi', pods: 150 }),
      specWith({ cpu: '16000m', memory: '32768Mi', pods: 150 }),
    ]);
    expect(result.ok).toBe(true);
  });

  it('refuses a sum above the ceiling, naming each exceeded field', () => {
    const result = checkOrganizationQuota(acme, [
      specWith({ cpu: '20', memory: '32Gi', pods: 100 }),
      specWith({ cpu: '12500m', memory: '33Gi', pods: 100 }),
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.field)).toEqual(['quota.cpu', 'quota.memory']);
    expect(result.issues[0]?.message).toMatch(/^quota\.cpu: .*32500m CPU.*ceiling of 32/);
    expect(result.issues[1]?.message).toMatch(/^quota\.memory: .*65Gi memory.*ceiling of 64Gi/);
  });

  it('refuses more environments than the organization may have', () => {
    const small = { cpu: '1', memory: '1Gi', pods: 1 };
    const result = checkOrganizationQuota(acme, [
      specWith(small),
      specWith(small),
      specWith(small),
      specWith(small),
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((issue) => issue.field)).toEqual(['maxEnvironments']);
  });
});

describe('checkOrganizationQuota: the messages of a refusal', () => {
  it('names what the environments request and the ceiling of each exceeded resource, pods included', () => {
    const result = checkOrganizationQuota(acme, [specWith({ cpu: '33', memory: '65Gi', pods: 301 })]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      {
        field: 'quota.cpu',
        message:
          "quota.cpu: the namespaces of Acme's environments request 33 CPU, above the organization's ceiling of 32",
      },
      {
        field: 'quota.memory',
        message:
          "quota.memory: the namespaces of Acme's environments request 65Gi memory, above the organization's ceiling of 64Gi",
      },
      {
        field: 'quota.pods',
        message:
          "quota.pods: the namespaces of Acme's environments request 301 pods, above the organization's ceiling of 300",
      },
    ]);
  });

  it('takes exactly its maximum of environments, and names the count past it', () => {
    const one = () => specWith({ cpu: '1', memory: '1Gi', pods: 1 });
    expect(checkOrganizationQuota(acme, [one(), one(), one()]).ok).toBe(true);
    const four = checkOrganizationQuota(acme, [one(), one(), one(), one()]);
    expect(four.ok ? [] : four.issues.map((found) => found.message)).toEqual([
      expect.stringMatching(/^maxEnvironments: Acme would have 4 environments, above its maximum of 3/),
    ]);
  });
});

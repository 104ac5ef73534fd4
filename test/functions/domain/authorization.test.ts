import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  type Action,
  authorize,
  type Caller,
  ROLES,
  type Role,
  visibleOrganizations,
} from '../../../functions/domain/authorization.js';

const caller = (role: Role, organizations = ['acme']): Caller => ({ subject: 'u1', role, organizations });

/** The intended policy, written as a table so a change to the rules shows up here. */
const EXPECTED: Record<Role, readonly Action[]> = {
  'platform-admin': ACTIONS,
  'org-admin': [
    'organization.list',
    'organization.read',
    'environment.read',
    'environment.provision',
    'environment.teardown',
    'run.read',
    'run.resume',
    'alert.read',
    'audit.read',
  ],
  developer: [
    'organization.list',
    'organization.read',
    'environment.read',
    'run.read',
    'run.resume',
    'alert.read',
  ],
  viewer: ['organization.list', 'organization.read', 'environment.read', 'run.read', 'alert.read'],
};

describe('authorize', () => {
  for (const role of ROLES) {
    for (const action of ACTIONS) {
      const allowed = EXPECTED[role].includes(action);
      it(`${allowed ? 'allows' : 'forbids'} ${role} to ${action} in its own organization`, () => {
        const decision = authorize(caller(role), action, 'acme');
        expect(decision.allowed).toBe(allowed);
        if (!decision.allowed) expect(decision.reason).toBe('forbidden');
      });
    }
  }

  it('says plainly which role was refused which action, where, and which roles may take it', () => {
    expect(authorize(caller('developer'), 'environment.provision', 'acme')).toEqual({
      allowed: false,
      reason: 'forbidden',
      message:
        'role developer may not provision or change environments (environment.provision) in organization acme: it needs platform-admin or org-admin',
    });
    expect(authorize(caller('org-admin'), 'cluster.write')).toMatchObject({
      message:
        'role org-admin may not register, change or tear down shared clusters (cluster.write): it needs platform-admin',
    });
    // Every refusal names the role, the action and only roles that are allowed it.
    for (const role of ROLES) {
      for (const action of ACTIONS) {
        const decision = authorize(caller(role), action, 'acme');
        if (decision.allowed) continue;
        expect(decision.message).toContain(`role ${role} may not `);
        expect(decision.message).toContain(`(${action})`);
        const needs = decision.message.split(': it needs ')[1]?.split(' or ') ?? [];
        expect(needs.length).toBeGreaterThan(0);
        for (const allowed of needs) expect(EXPECTED[allowed as Role]).toContain(action);
      }
    }
  });

  it("answers not-found (never forbidden) for another organization's resources, whatever the role", () => {
    for (const role of ROLES.filter((r) => r !== 'platform-admin')) {
      for (const action of ACTIONS) {
        expect(authorize(caller(role), action, 'globex')).toMatchObject({
          allowed: false,
          reason: 'not-found',
        });
      }
    }
  });

  it('lets a platform-admin act on every organization and lists all of them', () => {
    expect(authorize(caller('platform-admin', []), 'environment.teardown', 'globex')).toEqual({
      allowed: true,
    });
    expect(visibleOrganizations(caller('platform-admin', []))).toBeUndefined();
    expect(visibleOrganizations(caller('viewer', ['acme', 'initech']))).toEqual(['acme', 'initech']);
  });
});

describe('authorize without an organization', () => {
  it('decides an action on no organization by the role alone, for a caller of no organization too', () => {
    const lone = { subject: 'user-1', role: 'viewer' as const, organizations: [] };
    expect(authorize(lone, 'organization.list')).toEqual({ allowed: true });
    expect(authorize(lone, 'organization.list', 'acme')).toMatchObject({
      allowed: false,
      reason: 'not-found',
      message: 'organization acme does not exist',
    });
  });
});

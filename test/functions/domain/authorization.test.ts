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

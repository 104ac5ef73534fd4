/**
 * Who may do what. The caller comes from the JWT the gateway verified (claims `sub`, `role`,
 * `orgs`); the rules are enforced here, in the domain, not only at the gateway: a route handler
 * asks `authorize` before it reads or writes anything. Another organization's resources answer
 * "not found" — never "forbidden" — so their existence is not disclosed either. Pure: no I/O.
 */

export const ROLES = ['platform-admin', 'org-admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  'organization.list',
  'organization.read',
  'organization.write',
  'environment.read',
  'environment.provision',
  'environment.teardown',
  'run.read',
  'run.resume',
  'alert.read',
  'audit.read',
  'cluster.read',
  'cluster.write',
] as const;
export type Action = (typeof ACTIONS)[number];

const READ: readonly Action[] = [
  'organization.list',
  'organization.read',
  'environment.read',
  'run.read',
  'alert.read',
];

/** Role → allowed actions. Read is everyone's; re-running is a developer's; changing is an admin's. */
const ALLOWED: Readonly<Record<Role, readonly Action[]>> = {
  'platform-admin': ACTIONS,
  'org-admin': [...READ, 'environment.provision', 'environment.teardown', 'run.resume', 'audit.read'],
  developer: [...READ, 'run.resume'],
  viewer: READ,
};

/** Actions that only the platform (every organization at once) may take. */
const PLATFORM_ONLY: readonly Action[] = ['organization.write', 'cluster.read', 'cluster.write'];

/** Each action in words, for a refusal (`role viewer may not provision or change environments`). */
const ACTION_WORDS: Readonly<Record<Action, string>> = {
  'organization.list': 'list organizations',
  'organization.read': 'read organizations',
  'organization.write': 'create or change organizations',
  'environment.read': 'read environments',
  'environment.provision': 'provision or change environments',
  'environment.teardown': 'tear environments down',
  'run.read': 'read runs',
  'run.resume': 'resume runs',
  'alert.read': 'read alerts',
  'audit.read': 'read the audit trail',
  'cluster.read': 'read shared clusters',
  'cluster.write': 'register, change or tear down shared clusters',
};

/** The roles that may take an action, highest first. */
export function rolesAllowing(action: Action): Role[] {
  return ROLES.filter(
    (role) => roleAllows(role, action) && (!PLATFORM_ONLY.includes(action) || role === 'platform-admin'),
  );
}

/**
 * The 403 message: which role was refused which action (its name, as in the API docs), where,
 * and which roles may take it — `role developer may not provision or change environments
 * (environment.provision) in organization acme: it needs org-admin or platform-admin`.
 */
export function forbiddenMessage(role: Role, action: Action, organization?: string): string {
  const where = organization === undefined ? '' : ` in organization ${organization}`;
  const allowed = rolesAllowing(action);
  return `role ${role} may not ${ACTION_WORDS[action]} (${action})${where}: it needs ${allowed.join(' or ')}`;
}

export interface Caller {
  /** The JWT subject, recorded as the actor of every change. */
  readonly subject: string;
  readonly role: Role;
  /** Organizations the caller belongs to (ignored for platform-admin, who sees all). */
  readonly organizations: readonly string[];
}

export type Decision =
  | { readonly allowed: true }
  /** The organization is not the caller's: answer 404, as if it did not exist. */
  | { readonly allowed: false; readonly reason: 'not-found'; readonly message: string }
  /** The caller's own organization, but the role lacks the action: 403. */
  | { readonly allowed: false; readonly reason: 'forbidden'; readonly message: string };

export function roleAllows(role: Role, action: Action): boolean {
  return ALLOWED[role].includes(action);
}

/** Whether the caller sees `organization` at all (platform-admin sees every organization). */
export function canSeeOrganization(caller: Caller, organization: string): boolean {
  return caller.role === 'platform-admin' || caller.organizations.includes(organization);
}

/**
 * Decides one action on one organization's resources (or on the platform's, without one).
 * Order matters: visibility first, so a caller learns nothing about other organizations.
 */
export function authorize(caller: Caller, action: Action, organization?: string): Decision {
  if (organization !== undefined && !canSeeOrganization(caller, organization)) {
    return { allowed: false, reason: 'not-found', message: `organization ${organization} does not exist` };
  }
  if (
    !roleAllows(caller.role, action) ||
    (PLATFORM_ONLY.includes(action) && caller.role !== 'platform-admin')
  ) {
    return {
      allowed: false,
      reason: 'forbidden',
      message: forbiddenMessage(caller.role, action, organization),
    };
  }
  return { allowed: true };
}

/** The organizations a caller may list: all of them (`undefined`) for platform-admin. */
export function visibleOrganizations(caller: Caller): readonly string[] | undefined {
  return caller.role === 'platform-admin' ? undefined : caller.organizations;
}

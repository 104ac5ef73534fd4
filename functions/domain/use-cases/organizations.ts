/** Organizations: the caller's list (platform-admin: the whole registry) and the registry's upsert. */
import { fieldIssue, validationFailed } from '../api/error-codes.js';
import type { OrganizationView, PageView } from '../api/schemas.js';
import { organizationView } from '../api/views.js';
import { type Caller, visibleOrganizations } from '../authorization.js';
import { CLUSTER_ORGANIZATION, isReservedOrganization } from '../cluster.js';
import { type Organization, validateOrganization } from '../organization.js';
import { specHash } from '../spec-hash.js';
import { requireAllowed } from './access.js';
import type { PageOptions, UseCaseDeps } from './ports.js';

const DEFAULT_LIMIT = 50;

/**
 * A member's organizations come from the token, not from a table scan: they are read one by one
 * (a token lists a handful), in name order, paged with a cursor of our own (`m:` + the last name,
 * base64url) so the response has the same shape as the registry's pages.
 */
function memberCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('m:') || Buffer.from(decoded, 'utf8').toString('base64url') !== cursor) {
    throw validationFailed([fieldIssue('cursor', 'is not a cursor of this list')]);
  }
  return decoded.slice(2);
}

export async function listOrganizations(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  page: PageOptions,
): Promise<PageView<OrganizationView>> {
  requireAllowed(caller, 'organization.list');
  const visible = visibleOrganizations(caller);
  if (visible === undefined) {
    const result = await deps.repository.listOrganizations(page);
    return { items: result.items.map(organizationView), ...(result.cursor ? { cursor: result.cursor } : {}) };
  }
  const after = memberCursor(page.cursor);
  const limit = page.limit ?? DEFAULT_LIMIT;
  const names = [...new Set(visible)].sort().filter((name) => after === undefined || name > after);
  const items: OrganizationView[] = [];
  let last: string | undefined;
  for (const name of names) {
    if (items.length === limit) break;
    last = name;
    const record = await deps.repository.getOrganization(name);
    if (record) items.push(organizationView(record));
  }
  const more = last !== undefined && names.indexOf(last) < names.length - 1;
  return { items, ...(more ? { cursor: Buffer.from(`m:${last}`, 'utf8').toString('base64url') } : {}) };
}

/** The hash of what an organization document says (the audit trail's before/after). */
function organizationHash(organization: Organization): string {
  return specHash({
    displayName: organization.displayName,
    quota: organization.quota,
    maxEnvironments: organization.maxEnvironments,
  });
}

export interface PutOrganizationResult {
  readonly created: boolean;
  readonly organization: OrganizationView;
}

/** platform-admin: creates or updates an organization (its quota ceiling); audited. */
export async function putOrganization(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  request: { readonly organization: string; readonly body: unknown },
): Promise<PutOrganizationResult> {
  requireAllowed(caller, 'organization.write');
  if (isReservedOrganization(request.organization)) {
    throw validationFailed(
      [fieldIssue('org', `'${CLUSTER_ORGANIZATION}' is reserved: shared clusters are recorded under it`)],
      'the organization',
    );
  }
  const validation = validateOrganization(request.body);
  if (!validation.ok) throw validationFailed(validation.issues, 'the organization');
  const before = await deps.repository.getOrganization(request.organization);
  const hashBefore = before ? organizationHash(before) : '';
  const hashAfter = organizationHash(validation.spec);
  // An unchanged document is not a change: no write, no audit entry.
  if (before && hashBefore === hashAfter) return { created: false, organization: organizationView(before) };
  const record = await deps.repository.putOrganization({
    organization: request.organization,
    ...validation.spec,
  });
  await deps.repository.appendAudit({
    organization: request.organization,
    actor: caller.subject,
    action: before ? 'organization.updated' : 'organization.created',
    detail: { specHashBefore: hashBefore, specHashAfter: hashAfter },
  });
  return { created: before === undefined, organization: organizationView(record) };
}

/** An organization's alerts and audit trail, newest first. */
import type { AlertView, AuditView, PageView } from '../api/schemas.js';
import { alertView, auditView } from '../api/views.js';
import type { Caller } from '../authorization.js';
import { requireAllowed, requireOrganization } from './access.js';
import type { PageOptions, UseCaseDeps } from './ports.js';

interface OrganizationPage {
  readonly organization: string;
  readonly page: PageOptions;
}

export async function listAlerts(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  request: OrganizationPage,
): Promise<PageView<AlertView>> {
  requireAllowed(caller, 'alert.read', request.organization);
  await requireOrganization(deps, request.organization);
  const page = await deps.repository.listAlerts(request.organization, request.page);
  return { items: page.items.map(alertView), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

/** org-admin and platform-admin only (authorization.ts: `audit.read`). */
export async function listAudit(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  request: OrganizationPage,
): Promise<PageView<AuditView>> {
  requireAllowed(caller, 'audit.read', request.organization);
  await requireOrganization(deps, request.organization);
  const page = await deps.repository.listAudit(request.organization, request.page);
  return { items: page.items.map(auditView), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

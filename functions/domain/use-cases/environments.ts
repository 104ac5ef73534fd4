/** Reading environments: a page of an organization's environments, or one with its current run. */
import type { EnvironmentView, PageView } from '../api/schemas.js';
import { environmentView } from '../api/views.js';
import type { Caller } from '../authorization.js';
import { environmentNotFound, requireAllowed, requireOrganization } from './access.js';
import type { PageOptions, UseCaseDeps } from './ports.js';

/** A page of environments, by name; each names its current run (GET one for the timeline). */
export async function listEnvironments(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  request: { readonly organization: string; readonly page: PageOptions },
): Promise<PageView<EnvironmentView>> {
  requireAllowed(caller, 'environment.read', request.organization);
  await requireOrganization(deps, request.organization);
  const page = await deps.repository.listEnvironments(request.organization, request.page);
  return {
    items: page.items.map((record) => environmentView(record)),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

/** One environment with its current run (the active one, else the last) and its phase timeline. */
export async function getEnvironment(
  deps: Pick<UseCaseDeps, 'repository'>,
  caller: Caller,
  request: { readonly organization: string; readonly environment: string },
): Promise<EnvironmentView> {
  requireAllowed(caller, 'environment.read', request.organization);
  const record = await deps.repository.getEnvironment(request.organization, request.environment);
  if (!record) throw environmentNotFound(request.organization, request.environment);
  const currentRunId = record.activeRunId ?? record.lastRunId;
  const run = currentRunId ? await deps.repository.getRun(currentRunId) : undefined;
  return environmentView(record, run);
}

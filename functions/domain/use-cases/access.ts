/**
 * The first step of every use case: may this caller take this action on this organization's
 * resources? Another organization answers 404 as if it did not exist (authorization.ts); an
 * organization that is not registered answers the same 404, so both look alike to the caller.
 */
import { ApiError, fieldIssue, validationFailed } from '../api/error-codes.js';
import { type Action, authorize, type Caller } from '../authorization.js';
import { CLUSTER_ORGANIZATION, isReservedOrganization } from '../cluster.js';
import type { OrganizationRecord } from '../records.js';
import type { UseCaseDeps } from './ports.js';

export function requireAllowed(caller: Caller, action: Action, organization?: string): void {
  const decision = authorize(caller, action, organization);
  if (!decision.allowed) throw new ApiError(decision.reason, decision.message);
}

export async function requireOrganization(
  deps: Pick<UseCaseDeps, 'repository'>,
  organization: string,
): Promise<OrganizationRecord> {
  const record = await deps.repository.getOrganization(organization);
  if (!record) throw new ApiError('not-found', `organization ${organization} does not exist`);
  return record;
}

export function environmentNotFound(organization: string, environment: string): ApiError {
  return new ApiError('not-found', `environment ${organization}/${environment} does not exist`);
}

/** Shared clusters are readable as environments of `cluster`, but changed through /v1/clusters only. */
export function requireNotCluster(organization: string): void {
  if (isReservedOrganization(organization)) {
    throw validationFailed([
      fieldIssue(
        'org',
        `'${CLUSTER_ORGANIZATION}' holds the shared clusters: change them with /v1/clusters/{cluster}`,
      ),
    ]);
  }
}

/**
 * The organization's ceiling, checked before a spec is recorded and held by a conditional write:
 * this environment's namespace quotas added to those of the organization's other environments
 * (every one not DELETED) may not exceed the ceiling, nor the environments their maximum. The
 * check reads the organization's quota allocation (functions/domain/quota-allocation.ts); the run
 * start then reserves the grant on the organization item with the ceiling as the write's
 * condition, so concurrent PUTs of different environments cannot all pass a check of totals they
 * each read before the others wrote. A refusal names each resource with the amount this
 * environment asks for and the amount the ceiling leaves; nothing is written.
 */
import * as z from 'zod/mini';
import '../spec/locale.js';
import { ApiError, type QuotaIssue } from '../api/error-codes.js';
import type { EnvironmentSpec } from '../environment-spec.js';
import {
  type AllocationCeiling,
  type AllocationGrant,
  type AllocationResource,
  type AllocationShortfall,
  type AllocationSteps,
  allocationGrant,
  allocationOf,
  planAllocation,
  type QuotaAllocation,
} from '../quota-allocation.js';
import type { OrganizationRecord } from '../records.js';
import { formatCpuAlike, formatMemoryAlike, parseMemoryBytes } from '../spec/quantities.js';
import { quotaTotals, ResourceQuota } from '../spec/quota.js';
import type { EnvironmentState, UseCaseDeps } from './ports.js';

/** The part of a recorded spec the ceiling counts (recorded specs were validated when recorded). */
const RecordedNamespaces = z.object({ namespaces: z.array(z.object({ quota: ResourceQuota })) });

/** An organization has at most 100 environments (its maxEnvironments): a few pages at most. */
const MAX_PAGES = 20;

async function otherEnvironments(
  deps: Pick<UseCaseDeps, 'repository'>,
  organization: string,
  environment: string | undefined,
): Promise<EnvironmentState[]> {
  const others: EnvironmentState[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await deps.repository.listEnvironments(organization, { limit: 100, cursor });
    others.push(...result.items.filter((e) => e.environment !== environment && e.status !== 'DELETED'));
    cursor = result.cursor;
    if (cursor === undefined) return others;
  }
  throw new Error(`organization ${organization} lists more environments than ${MAX_PAGES} pages`);
}

function recordedNamespaces(record: EnvironmentState) {
  const parsed = RecordedNamespaces.safeParse(record.spec);
  if (!parsed.success) {
    throw new Error(
      `recorded spec of ${record.organization}/${record.environment} has no countable namespaces`,
    );
  }
  return parsed.data;
}

/** What a run start changes in the organization's allocation (see {@link reserveQuota}). */
export interface QuotaReservation {
  readonly organization: string;
  readonly environment: string;
  readonly grant: AllocationGrant;
  readonly steps: AllocationSteps;
}

/** Rounds of a reservation whose environment entry changed under it (a concurrent PUT of it). */
const RESERVE_ATTEMPTS = 5;

/** The organization's ceiling; storage and claims are limited only when its quota names them. */
function ceilingOf(organization: OrganizationRecord): AllocationCeiling {
  const { storage, persistentVolumeClaims } = organization.quota;
  return {
    ...quotaTotals(organization.quota),
    environments: organization.maxEnvironments,
    ...(storage === undefined ? {} : { storageBytes: parseMemoryBytes(storage) }),
    ...(persistentVolumeClaims === undefined ? {} : { persistentVolumeClaims }),
  };
}

/**
 * An organization recorded before allocations were: its allocation is computed once from its
 * environments' recorded specs and written (conditional on it still having none).
 */
async function backfillAllocation(
  deps: Pick<UseCaseDeps, 'repository'>,
  organization: OrganizationRecord,
): Promise<QuotaAllocation> {
  const environments = await otherEnvironments(deps, organization.organization, undefined);
  const grants = Object.fromEntries(
    environments.map((record) => [record.environment, allocationGrant(recordedNamespaces(record))]),
  );
  await deps.repository.initQuotaAllocation(organization.organization, allocationOf(grants));
  const reread = await deps.repository.getOrganization(organization.organization);
  if (!reread?.allocation)
    throw new Error(`organization ${organization.organization} has no quota allocation`);
  return reread.allocation;
}

/**
 * How a shortfall of each resource reads: its name in the message, and one unit for its three
 * amounts so they read side by side (CPU in cores or millicores, memory and storage in one binary
 * unit); counts stay numbers.
 */
const SHORTFALL_TERMS: Readonly<
  Record<
    Exclude<AllocationResource, 'environments'>,
    { readonly what: string; readonly format?: (amounts: readonly number[]) => string[] }
  >
> = {
  cpu: { what: 'CPU', format: formatCpuAlike },
  memory: { what: 'memory', format: formatMemoryAlike },
  pods: { what: 'pods' },
  storage: { what: 'storage', format: formatMemoryAlike },
  persistentVolumeClaims: { what: 'persistent volume claims' },
};

function quotaExceeded(name: string, shortfalls: readonly AllocationShortfall[]): ApiError {
  const details = shortfalls.map((shortfall): QuotaIssue => {
    const { resource, requested, available, ceiling } = shortfall;
    if (resource === 'environments') {
      return {
        field: 'maxEnvironments',
        resource,
        requested,
        available,
        message: `maxEnvironments: ${name} already has ${shortfall.used} environments, its maximum is ${ceiling}`,
      };
    }
    const { what, format } = SHORTFALL_TERMS[resource];
    const [asked = '', left = '', of = ''] = format
      ? format([requested, available, ceiling])
      : [requested, available, ceiling];
    const field = `quota.${resource}`;
    return {
      field,
      resource,
      requested: asked,
      available: left,
      message: `${field}: the namespaces request ${asked} ${what}; ${name} has ${left} left of its ${of} ceiling`,
    };
  });
  return new ApiError(
    'quota.exceeded',
    `the organization's quota would be exceeded: ${details.map((d) => d.message).join('; ')}`,
    details,
  );
}

/**
 * Refuses (422 quota.exceeded, nothing written) a spec whose namespaces do not fit the
 * organization's ceiling next to its other environments; otherwise returns the reservation the
 * run start makes (undefined: the environment already holds exactly this grant).
 */
export async function requireWithinQuota(
  deps: Pick<UseCaseDeps, 'repository'>,
  organization: OrganizationRecord,
  environment: string,
  spec: EnvironmentSpec,
): Promise<QuotaReservation | undefined> {
  const allocation = organization.allocation ?? (await backfillAllocation(deps, organization));
  const grant = allocationGrant(spec);
  const plan = planAllocation(ceilingOf(organization), allocation, environment, grant);
  if (plan.kind === 'exceeded') throw quotaExceeded(organization.organization, plan.shortfalls);
  if (plan.kind === 'unchanged') return undefined;
  return { organization: organization.organization, environment, grant, steps: plan.steps };
}

/**
 * Makes the reservation's first write: the grant raised, conditional on the ceiling. When the
 * condition fails the organization is read again and the domain decides again: another
 * environment took what was left (422, nothing written) or this environment's entry changed (plan
 * again). Returns the steps that were applied, whose `settle` and `undo` the caller writes.
 */
export async function reserveQuota(
  deps: Pick<UseCaseDeps, 'repository'>,
  reservation: QuotaReservation,
): Promise<AllocationSteps> {
  const { organization, environment, grant } = reservation;
  let steps = reservation.steps;
  for (let attempt = 1; attempt <= RESERVE_ATTEMPTS; attempt += 1) {
    if (!steps.reserve) return steps;
    if (await deps.repository.changeQuotaAllocation(organization, steps.reserve)) return steps;
    const reread = await deps.repository.getOrganization(organization);
    if (!reread) throw new ApiError('not-found', `organization ${organization} does not exist`);
    const allocation = reread.allocation ?? (await backfillAllocation(deps, reread));
    const plan = planAllocation(ceilingOf(reread), allocation, environment, grant);
    if (plan.kind === 'exceeded') throw quotaExceeded(organization, plan.shortfalls);
    if (plan.kind === 'unchanged') return {};
    steps = plan.steps;
  }
  throw new ApiError(
    'conflict.busy',
    `the quota allocation of ${organization}/${environment} kept changing during ${RESERVE_ATTEMPTS} attempts: retry`,
    { activeRunId: null },
  );
}

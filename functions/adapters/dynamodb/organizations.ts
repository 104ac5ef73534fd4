import {
  type AllocationChange,
  NO_ALLOCATION,
  planRelease,
  type QuotaAllocation,
} from '../../domain/quota-allocation.js';
import type { OrganizationRecord, Quota } from '../../domain/records.js';
import type { RepositoryContext } from './context.js';
import { toOrganization } from './items.js';
import { keys } from './keys.js';
import { GSI1_KEY_ATTRIBUTES, type Page, type PageOptions, queryPage } from './pages.js';
import { GSI1 } from './table-schema.js';
import { UpdateBuilder } from './update-builder.js';

export interface PutOrganizationInput {
  readonly organization: string;
  readonly displayName: string;
  readonly quota: Quota;
  readonly maxEnvironments: number;
}

/**
 * Creates or updates an organization (an upsert: the registry is platform-admin only). A new
 * organization starts with an empty quota allocation; one recorded before allocations were gets
 * its allocation backfilled from its environments on its next environment PUT.
 */
export async function putOrganization(
  ctx: RepositoryContext,
  input: PutOrganizationInput,
): Promise<OrganizationRecord> {
  const at = ctx.now().toISOString();
  const exists = (await ctx.store.get(keys.organization(input.organization))) !== undefined;
  const update = new UpdateBuilder();
  if (!exists) setIfAbsentAllocation(update, NO_ALLOCATION);
  update
    .set(['entity'], 'ORGANIZATION')
    .set(['organization'], input.organization)
    .set(['displayName'], input.displayName)
    .set(['quota'], { ...input.quota })
    .set(['maxEnvironments'], input.maxEnvironments)
    .set(['gsi1pk'], keys.organizationByName(input.organization).gsi1pk)
    .set(['gsi1sk'], keys.organizationByName(input.organization).gsi1sk)
    .set(['updatedAt'], at)
    .setIfAbsent(['createdAt'], at);
  const result = await ctx.store.update(keys.organization(input.organization), update.build());
  if (!result.ok) throw new Error('unconditional organization upsert reported a failed condition');
  return toOrganization(result.item);
}

/**
 * The allocation attributes: `quotaGrants` (environment → grant) and one top-level number per
 * total. The storage ones (and a grant's storage fields) are absent on items written before
 * storage counted: absent reads as zero, in the conditions too.
 */
const TOTALS = [
  ['cpuMillicores', 'allocatedCpuMillicores'],
  ['memoryBytes', 'allocatedMemoryBytes'],
  ['pods', 'allocatedPods'],
  ['environments', 'allocatedEnvironments'],
  ['storageBytes', 'allocatedStorageBytes'],
  ['persistentVolumeClaims', 'allocatedPersistentVolumeClaims'],
] as const;
const GRANT_FIELDS = [
  'cpuMillicores',
  'memoryBytes',
  'pods',
  'storageBytes',
  'persistentVolumeClaims',
] as const;
const MAY_BE_ABSENT: ReadonlySet<string> = new Set([
  'storageBytes',
  'persistentVolumeClaims',
  'allocatedStorageBytes',
  'allocatedPersistentVolumeClaims',
]);

/** `path <op> value`, where an attribute written before storage counted may be absent (zero). */
function compare(update: UpdateBuilder, path: readonly string[], op: '=' | '<=', value: number): string {
  const test = `${update.path(...path)} ${op} ${update.value(value)}`;
  const name = path[path.length - 1] ?? '';
  const zeroHolds = op === '=' ? value === 0 : value >= 0;
  return MAY_BE_ABSENT.has(name) && zeroHolds
    ? `attribute_not_exists(${update.path(...path)}) OR ${test}`
    : test;
}

function setIfAbsentAllocation(update: UpdateBuilder, allocation: QuotaAllocation): void {
  update.setIfAbsent(['quotaGrants'], { ...allocation.grants });
  for (const [total, attribute] of TOTALS) update.setIfAbsent([attribute], allocation.totals[total]);
}

/**
 * Applies one change of an environment's grant (functions/domain/quota-allocation.ts) in one
 * conditional write on the organization item: the environment's entry must still be the change's
 * `previous` and, when the change carries limits, every total at most its limit, so the new totals
 * stay within the ceiling whatever other environments wrote since the caller read them. The
 * totals move by `ADD` of the change's differences. False when the condition failed.
 */
export async function changeQuotaAllocation(
  ctx: RepositoryContext,
  organization: string,
  change: AllocationChange,
): Promise<boolean> {
  const update = new UpdateBuilder();
  const entry = ['quotaGrants', change.environment];
  if (change.grant) update.set(entry, { ...change.grant });
  else update.remove(entry);
  for (const [total, attribute] of TOTALS) {
    if (change.delta[total] !== 0) update.increment([attribute], change.delta[total]);
  }
  update.condition(`attribute_exists(${update.path('allocatedEnvironments')})`);
  const { previous, limits } = change;
  if (previous) {
    for (const field of GRANT_FIELDS)
      update.condition(compare(update, [...entry, field], '=', previous[field]));
  } else {
    update.condition(`attribute_not_exists(${update.path(...entry)})`);
  }
  if (limits) {
    for (const [total, attribute] of TOTALS) {
      const limit = limits[total];
      if (limit !== undefined) update.condition(compare(update, [attribute], '<=', limit));
    }
  }
  update.set(['updatedAt'], ctx.now().toISOString());
  const result = await ctx.store.update(keys.organization(organization), update.build());
  return result.ok;
}

/**
 * A torn-down environment (DELETED) gives its grant back: one write, conditional on the entry
 * being the one read (a new PUT of the environment that reserved since keeps its own). An
 * organization with no allocation, or no grant for it, has nothing to give back.
 */
export async function releaseQuotaGrant(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
): Promise<void> {
  const allocation = (await getOrganization(ctx, organization))?.allocation;
  const change = allocation ? planRelease(allocation, environment) : undefined;
  if (change) await changeQuotaAllocation(ctx, organization, change);
}

/**
 * Records the allocation of an organization recorded before allocations were (computed from its
 * environments), once: conditional on it having none. False when it already has one.
 */
export async function initQuotaAllocation(
  ctx: RepositoryContext,
  organization: string,
  allocation: QuotaAllocation,
): Promise<boolean> {
  const update = new UpdateBuilder();
  update.set(['quotaGrants'], { ...allocation.grants });
  for (const [total, attribute] of TOTALS) update.set([attribute], allocation.totals[total]);
  update.condition(
    `attribute_exists(${update.path('pk')}) AND attribute_not_exists(${update.path('allocatedEnvironments')})`,
  );
  const result = await ctx.store.update(keys.organization(organization), update.build());
  return result.ok;
}

export async function getOrganization(
  ctx: RepositoryContext,
  organization: string,
): Promise<OrganizationRecord | undefined> {
  const item = await ctx.store.get(keys.organization(organization));
  return item ? toOrganization(item) : undefined;
}

/** Every organization, by name (gsi1): the platform-admin's registry. */
export async function listOrganizations(
  ctx: RepositoryContext,
  options: PageOptions = {},
): Promise<Page<OrganizationRecord>> {
  return queryPage(
    ctx,
    {
      input: {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.organizationsPartition },
      },
      partition: { attribute: 'gsi1pk', value: keys.organizationsPartition },
      keyAttributes: GSI1_KEY_ATTRIBUTES,
    },
    options,
    toOrganization,
  );
}

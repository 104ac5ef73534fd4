/**
 * The organization's quota allocation writes (functions/adapters/dynamodb/organizations.ts)
 * against dynalite: a grant change lands only while the entry is the one read and every total is
 * within its limit, totals move by the change's differences, a release gives the grant back, and
 * the one-off backfill happens once. Before, only the API tests reached these writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import {
  changeQuotaAllocation,
  getOrganization,
  initQuotaAllocation,
  putOrganization,
  releaseQuotaGrant,
} from '../../../functions/adapters/dynamodb/organizations.js';
import { UpdateBuilder } from '../../../functions/adapters/dynamodb/update-builder.js';
import type {
  AllocationChange,
  AllocationGrant,
  AllocationTotals,
} from '../../../functions/domain/quota-allocation.js';
import { freshNames } from '../../support/fixtures.js';
import { type CountingContext, countingContext, LOCK_AT } from '../../support/lock-context.js';

let context: CountingContext;

beforeAll(async () => {
  context = await countingContext();
});

afterAll(async () => {
  await context.stop();
});

const grant = (cpu: number, extra: Partial<AllocationGrant> = {}): AllocationGrant => ({
  cpuMillicores: cpu,
  memoryBytes: cpu * 1000,
  pods: cpu / 100,
  storageBytes: 0,
  persistentVolumeClaims: 0,
  ...extra,
});

const totals = (g: AllocationGrant | undefined, environments: number): AllocationTotals => ({
  cpuMillicores: g?.cpuMillicores ?? 0,
  memoryBytes: g?.memoryBytes ?? 0,
  pods: g?.pods ?? 0,
  storageBytes: g?.storageBytes ?? 0,
  persistentVolumeClaims: g?.persistentVolumeClaims ?? 0,
  environments,
});

const minus = (a: AllocationTotals, b: AllocationTotals): AllocationTotals => ({
  cpuMillicores: a.cpuMillicores - b.cpuMillicores,
  memoryBytes: a.memoryBytes - b.memoryBytes,
  pods: a.pods - b.pods,
  storageBytes: a.storageBytes - b.storageBytes,
  persistentVolumeClaims: a.persistentVolumeClaims - b.persistentVolumeClaims,
  environments: a.environments - b.environments,
});

/** The change of `environment` from `previous` to `next` grant (limits as given). */
function changeOf(
  environment: string,
  previous: AllocationGrant | undefined,
  next: AllocationGrant | undefined,
  limits?: AllocationChange['limits'],
): AllocationChange {
  const delta = minus(totals(next, next ? 1 : 0), totals(previous, previous ? 1 : 0));
  return { environment, previous, grant: next, delta, ...(limits ? { limits } : {}) };
}

async function newOrganization(): Promise<string> {
  const { organization } = freshNames();
  await putOrganization(context.ctx, {
    organization,
    displayName: 'Acme',
    quota: { cpu: '8', memory: '16Gi', pods: 100 },
    maxEnvironments: 3,
  });
  return organization;
}

/** Removes attributes of the organization item (as an item written before they existed). */
async function removeAttributes(organization: string, paths: string[][]): Promise<void> {
  const update = new UpdateBuilder();
  for (const path of paths) update.remove(path);
  await context.ctx.store.update(keys.organization(organization), update.build());
}

const allocationOf = async (organization: string) =>
  (await getOrganization(context.ctx, organization))?.allocation;

describe('quota allocation', () => {
  it('starts a new organization with an empty allocation, and keeps its allocation and creation time on an update', async () => {
    const organization = await newOrganization();
    expect(await allocationOf(organization)).toEqual({ grants: {}, totals: totals(undefined, 0) });
    await changeQuotaAllocation(context.ctx, organization, changeOf('dev', undefined, grant(1000)));
    const before = await getOrganization(context.ctx, organization);
    await putOrganization(context.ctx, {
      organization,
      displayName: 'Acme Corp',
      quota: { cpu: '16', memory: '32Gi', pods: 200 },
      maxEnvironments: 5,
    });
    const after = await getOrganization(context.ctx, organization);
    expect(after).toMatchObject({
      displayName: 'Acme Corp',
      maxEnvironments: 5,
      createdAt: before?.createdAt,
      allocation: before?.allocation,
    });
  });

  it('records a new grant and adds it to the totals, then refuses the same new grant again', async () => {
    const organization = await newOrganization();
    const change = changeOf('dev', undefined, grant(1000));
    expect(await changeQuotaAllocation(context.ctx, organization, change)).toBe(true);
    expect(await allocationOf(organization)).toEqual({
      grants: { dev: grant(1000) },
      totals: totals(grant(1000), 1),
    });
    const writes = context.writes();
    expect(await changeQuotaAllocation(context.ctx, organization, change)).toBe(false);
    expect(context.writes()).toBe(writes);
    expect((await getOrganization(context.ctx, organization))?.updatedAt).toBe(LOCK_AT);
  });

  it('changes a grant only while the entry is the one read, field by field', async () => {
    const organization = await newOrganization();
    await changeQuotaAllocation(context.ctx, organization, changeOf('dev', undefined, grant(1000)));
    for (const stale of [
      grant(2000),
      grant(1000, { memoryBytes: 1 }),
      grant(1000, { pods: 99 }),
      grant(1000, { storageBytes: 5 }),
      grant(1000, { persistentVolumeClaims: 1 }),
    ]) {
      expect(await changeQuotaAllocation(context.ctx, organization, changeOf('dev', stale, grant(500)))).toBe(
        false,
      );
    }
    expect(
      await changeQuotaAllocation(context.ctx, organization, changeOf('dev', grant(1000), grant(500))),
    ).toBe(true);
    expect(await allocationOf(organization)).toEqual({
      grants: { dev: grant(500) },
      totals: totals(grant(500), 1),
    });
  });

  it('refuses a change that would take a total past its limit, and applies one within every limit', async () => {
    const organization = await newOrganization();
    await changeQuotaAllocation(context.ctx, organization, changeOf('dev', undefined, grant(1000)));
    const limits = {
      cpuMillicores: 1000,
      memoryBytes: 1_000_000,
      pods: 10,
      environments: 1,
      storageBytes: 0,
      persistentVolumeClaims: 0,
    };
    for (const tight of [
      { cpuMillicores: 999 },
      { memoryBytes: 999_999 },
      { pods: 9 },
      { environments: 0 },
    ]) {
      const refused = changeOf('prod', undefined, grant(1000), { ...limits, ...tight });
      expect(await changeQuotaAllocation(context.ctx, organization, refused)).toBe(false);
    }
    expect(
      await changeQuotaAllocation(
        context.ctx,
        organization,
        changeOf('prod', undefined, grant(1000), limits),
      ),
    ).toBe(true);
    expect((await allocationOf(organization))?.totals).toEqual(totals(grant(2000), 2));
  });

  it('counts storage fields absent from an allocation written before storage counted as zero', async () => {
    const organization = await newOrganization();
    await changeQuotaAllocation(context.ctx, organization, changeOf('dev', undefined, grant(1000)));
    await removeAttributes(organization, [
      ['quotaGrants', 'dev', 'storageBytes'],
      ['quotaGrants', 'dev', 'persistentVolumeClaims'],
      ['allocatedStorageBytes'],
      ['allocatedPersistentVolumeClaims'],
    ]);
    const storage = grant(1000, { storageBytes: 10, persistentVolumeClaims: 1 });
    const limits = {
      cpuMillicores: 1000,
      memoryBytes: 1_000_000,
      pods: 10,
      environments: 1,
      storageBytes: 0,
      persistentVolumeClaims: 0,
    };
    expect(
      await changeQuotaAllocation(context.ctx, organization, changeOf('dev', grant(1000), storage, limits)),
    ).toBe(true);
    expect(await allocationOf(organization)).toEqual({
      grants: { dev: storage },
      totals: totals(storage, 1),
    });
  });

  it('gives a released grant back, and does nothing for an environment that holds none', async () => {
    const organization = await newOrganization();
    await changeQuotaAllocation(context.ctx, organization, changeOf('dev', undefined, grant(1000)));
    await changeQuotaAllocation(context.ctx, organization, changeOf('prod', undefined, grant(3000)));
    await releaseQuotaGrant(context.ctx, organization, 'dev');
    expect(await allocationOf(organization)).toEqual({
      grants: { prod: grant(3000) },
      totals: totals(grant(3000), 1),
    });
    const writes = context.writes();
    await releaseQuotaGrant(context.ctx, organization, 'dev');
    await releaseQuotaGrant(context.ctx, freshNames().organization, 'dev');
    expect(context.writes()).toBe(writes);
  });

  it('backfills the allocation of an organization recorded before allocations were, once', async () => {
    const organization = await newOrganization();
    await removeAttributes(
      organization,
      [
        'quotaGrants',
        'allocatedCpuMillicores',
        'allocatedMemoryBytes',
        'allocatedPods',
        'allocatedEnvironments',
        'allocatedStorageBytes',
        'allocatedPersistentVolumeClaims',
      ].map((attribute) => [attribute]),
    );
    expect(await allocationOf(organization)).toBeUndefined();
    // No allocation: a change is refused (the caller backfills first).
    expect(
      await changeQuotaAllocation(context.ctx, organization, changeOf('dev', undefined, grant(1000))),
    ).toBe(false);

    const backfill = { grants: { dev: grant(1000) }, totals: totals(grant(1000), 1) };
    expect(await initQuotaAllocation(context.ctx, organization, backfill)).toBe(true);
    expect(await allocationOf(organization)).toEqual(backfill);
    expect(
      await initQuotaAllocation(context.ctx, organization, { grants: {}, totals: totals(undefined, 0) }),
    ).toBe(false);
    expect(await allocationOf(organization)).toEqual(backfill);
    // An organization that does not exist is not created by a backfill.
    const missing = freshNames().organization;
    expect(await initQuotaAllocation(context.ctx, missing, backfill)).toBe(false);
    expect(await getOrganization(context.ctx, missing)).toBeUndefined();
  });
});

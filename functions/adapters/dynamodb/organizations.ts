import type { OrganizationRecord, Quota } from '../../domain/records.js';
import type { RepositoryContext } from './context.js';
import { toOrganization } from './items.js';
import { keys } from './keys.js';
import { UpdateBuilder } from './update-builder.js';

export interface PutOrganizationInput {
  readonly organization: string;
  readonly displayName: string;
  readonly quota: Quota;
  readonly maxEnvironments: number;
}

/** Creates or updates an organization (unconditional upsert: the registry is platform-admin only). */
export async function putOrganization(
  ctx: RepositoryContext,
  input: PutOrganizationInput,
): Promise<OrganizationRecord> {
  const at = ctx.now().toISOString();
  const update = new UpdateBuilder()
    .set(['entity'], 'ORGANIZATION')
    .set(['organization'], input.organization)
    .set(['displayName'], input.displayName)
    .set(['quota'], { ...input.quota })
    .set(['maxEnvironments'], input.maxEnvironments)
    .set(['updatedAt'], at)
    .setIfAbsent(['createdAt'], at);
  const result = await ctx.store.update(keys.organization(input.organization), update.build());
  if (!result.ok) throw new Error('unconditional organization upsert reported a failed condition');
  return toOrganization(result.item);
}

export async function getOrganization(
  ctx: RepositoryContext,
  organization: string,
): Promise<OrganizationRecord | undefined> {
  const item = await ctx.store.get(keys.organization(organization));
  return item ? toOrganization(item) : undefined;
}

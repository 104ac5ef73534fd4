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
    .set(['gsi1pk'], keys.organizationByName(input.organization).gsi1pk)
    .set(['gsi1sk'], keys.organizationByName(input.organization).gsi1sk)
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

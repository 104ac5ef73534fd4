import {
  EnvironmentLockedError,
  EnvironmentNotFoundError,
  TransitionRefusedError,
} from '../../domain/errors.js';
import { TIERS, type Tier } from '../../domain/model.js';
import type { EnvironmentRecord } from '../../domain/records.js';
import { DEFAULT_LIST_LIMIT, type RepositoryContext } from './context.js';
import { toEnvironment } from './items.js';
import { keys } from './keys.js';
import { UpdateBuilder } from './update-builder.js';

export interface PutEnvironmentInput {
  readonly organization: string;
  readonly environment: string;
  /** The validated desired spec (functions/domain/environment-spec.ts). */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly specHash: string;
}

export interface PutEnvironmentResult {
  readonly environment: EnvironmentRecord;
  /** True when the environment did not exist (or had been deleted) before this call. */
  readonly created: boolean;
}

function tierOf(spec: Readonly<Record<string, unknown>>): Tier | undefined {
  const tier = spec.tier;
  return TIERS.find((known) => known === tier);
}

function specUpdate(input: PutEnvironmentInput, at: string): UpdateBuilder {
  const update = new UpdateBuilder()
    .set(['entity'], 'ENVIRONMENT')
    .set(['organization'], input.organization)
    .set(['environment'], input.environment)
    .set(['spec'], input.spec)
    .set(['specHash'], input.specHash)
    .set(['updatedAt'], at)
    .setIfAbsent(['createdAt'], at)
    .setIfAbsent(['runSeq'], 0)
    .increment(['version']);
  const tier = tierOf(input.spec);
  if (tier) update.set(['tier'], tier);
  else update.remove(['tier']);
  return update;
}

/**
 * Records an environment's desired spec: creates it PENDING, or updates the spec (allowed while
 * a run holds the lock: the run provisions the spec it started with, identified by its hash).
 * Refused while a teardown is in progress; a deleted environment comes back as PENDING.
 */
export async function putEnvironment(
  ctx: RepositoryContext,
  input: PutEnvironmentInput,
): Promise<PutEnvironmentResult> {
  const at = ctx.now().toISOString();
  const key = keys.environment(input.organization, input.environment);

  const upsert = specUpdate(input, at);
  upsert
    .setIfAbsent(['status'], 'PENDING')
    .setIfAbsent(['statusChangedAt'], at)
    .condition(
      `attribute_not_exists(pk) OR NOT (${upsert.path('status')} IN (${upsert.value('DELETING')}, ${upsert.value('DELETED')}))`,
    );
  const result = await ctx.store.update(key, upsert.build());
  if (result.ok) {
    const environment = toEnvironment(result.item);
    return { environment, created: environment.version === 1 };
  }

  const current = await getEnvironment(ctx, input.organization, input.environment);
  if (current?.status !== 'DELETED') {
    throw new TransitionRefusedError(
      `environment ${input.organization}/${input.environment} is ${current?.status ?? 'changing'}: its spec cannot change now`,
    );
  }
  const revive = specUpdate(input, at);
  revive
    .set(['status'], 'PENDING')
    .set(['statusChangedAt'], at)
    .condition(`${revive.path('status')} = ${revive.value('DELETED')}`);
  const revived = await ctx.store.update(key, revive.build());
  if (!revived.ok) {
    throw new TransitionRefusedError(
      `environment ${input.organization}/${input.environment} changed concurrently`,
    );
  }
  return { environment: toEnvironment(revived.item), created: true };
}

export async function getEnvironment(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
): Promise<EnvironmentRecord | undefined> {
  const item = await ctx.store.get(keys.environment(organization, environment));
  return item ? toEnvironment(item) : undefined;
}

/** An organization's environments, by name. */
export async function listEnvironments(
  ctx: RepositoryContext,
  organization: string,
  options: { readonly limit?: number } = {},
): Promise<EnvironmentRecord[]> {
  const items = await ctx.store.query(
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.organization(organization).pk,
        ':prefix': keys.environmentPrefix,
      },
      ConsistentRead: true,
    },
    options.limit ?? DEFAULT_LIST_LIMIT,
  );
  return items.map(toEnvironment);
}

/**
 * Hands out the next run sequence number (atomic counter). Refused while a run holds the lock,
 * so a busy environment is reported (409) before any execution is started.
 */
export async function allocateRunSeq(
  ctx: RepositoryContext,
  organization: string,
  environment: string,
): Promise<number> {
  const update = new UpdateBuilder();
  update
    .increment(['runSeq'])
    .increment(['version'])
    .set(['updatedAt'], ctx.now().toISOString())
    .condition(`attribute_exists(pk) AND attribute_not_exists(${update.path('activeRunId')})`);
  const result = await ctx.store.update(keys.environment(organization, environment), update.build());
  if (result.ok) return toEnvironment(result.item).runSeq;

  const current = await getEnvironment(ctx, organization, environment);
  if (!current)
    throw new EnvironmentNotFoundError(`environment ${organization}/${environment} does not exist`);
  throw new EnvironmentLockedError(
    `environment ${organization}/${environment} is busy with run ${current.activeRunId}`,
    current.activeRunId,
  );
}

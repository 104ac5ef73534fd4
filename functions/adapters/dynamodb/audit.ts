import { randomBytes } from 'node:crypto';
import type { AuditEntry } from '../../domain/records.js';
import type { RepositoryContext } from './context.js';
import { toAuditEntry } from './items.js';
import { keys } from './keys.js';
import { type Page, type PageOptions, queryPage, TABLE_KEY_ATTRIBUTES } from './pages.js';

export interface AppendAuditInput {
  readonly organization: string;
  readonly actor: string;
  readonly action: string;
  readonly environment?: string;
  readonly detail?: Readonly<Record<string, string>>;
}

/**
 * Appends an audit entry for a change made outside the workflow (organization upsert, spec
 * recorded, teardown requested). Changes the workflow makes are in the run's own history.
 */
export async function appendAudit(ctx: RepositoryContext, input: AppendAuditInput): Promise<AuditEntry> {
  const at = ctx.now().toISOString();
  // Time-ordered sort key with a random suffix: entries in the same millisecond never collide.
  const id = randomBytes(8).toString('hex');
  const entry: AuditEntry = { ...input, at, id };
  const stored = await ctx.store.put(
    { ...keys.audit(input.organization, at, id), entity: 'AUDIT', ...entry },
    'attribute_not_exists(pk)',
  );
  if (!stored) throw new Error(`audit entry ${at}#${id} already exists`);
  return entry;
}

/** An organization's audit trail, newest first. */
export async function listAudit(
  ctx: RepositoryContext,
  organization: string,
  options: PageOptions = {},
): Promise<Page<AuditEntry>> {
  const partition = keys.auditPartition(organization);
  return queryPage(
    ctx,
    {
      input: {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
      },
      partition: { attribute: 'pk', value: partition },
      keyAttributes: TABLE_KEY_ATTRIBUTES,
    },
    options,
    toAuditEntry,
  );
}

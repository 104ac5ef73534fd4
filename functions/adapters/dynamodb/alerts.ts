import type { Alert } from '../../domain/alert.js';
import type { RepositoryContext } from './context.js';
import { toAlert } from './items.js';
import { keys } from './keys.js';
import { GSI1_KEY_ATTRIBUTES, type Page, type PageOptions, queryPage } from './pages.js';
import { GSI1 } from './table-schema.js';

/** Alerts expire (TTL) 90 days after they occurred. */
export const ALERT_RETENTION_SECONDS = 90 * 24 * 60 * 60;

/**
 * Stores an alert once per dedupKey: the item's key derives from the dedupKey, and the put is
 * conditional on the key being new, so this single write is also the idempotency guard.
 * `stored: false` means the alert was seen before and must not be published again.
 */
export async function recordAlert(ctx: RepositoryContext, alert: Alert): Promise<{ stored: boolean }> {
  const occurred = Date.parse(alert.occurredAt);
  const base = Number.isNaN(occurred) ? ctx.now().getTime() : occurred;
  const stored = await ctx.store.put(
    {
      ...keys.alert(alert.id),
      ...keys.alertByTime(alert.organization, alert.occurredAt, alert.id),
      entity: 'ALERT',
      ...alert,
      links: alert.links.map((link) => ({ ...link })),
      expiresAt: Math.floor(base / 1000) + ALERT_RETENTION_SECONDS,
    },
    'attribute_not_exists(pk)',
  );
  return { stored };
}

/**
 * Removes a stored alert so a retry stores (and publishes) it again. Only for the publisher's
 * failure path: when SNS refused the publish, the alert must not stay marked as seen.
 */
export async function forgetAlert(ctx: RepositoryContext, alertId: string): Promise<void> {
  await ctx.store.delete(keys.alert(alertId));
}

/** An organization's alerts, newest first (gsi1, eventually consistent). */
export async function listAlerts(
  ctx: RepositoryContext,
  organization: string,
  options: PageOptions = {},
): Promise<Page<Alert>> {
  const partition = keys.alertsOf(organization);
  return queryPage(
    ctx,
    {
      input: {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
      },
      partition: { attribute: 'gsi1pk', value: partition },
      keyAttributes: GSI1_KEY_ATTRIBUTES,
    },
    options,
    toAlert,
  );
}

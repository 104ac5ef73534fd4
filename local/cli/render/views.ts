/** Text views of the API's lists and records, for `--output text` (the default). */
import type { Colors } from 'picocolors/types.js';
import type { AlertView, AuditView, EnvironmentView, OrganizationView, RunView } from '../api-shapes.js';
import { formatElapsed } from '../duration.js';
import { runElapsedMs } from './progress.js';
import { table } from './table.js';

const dash = (value: string | number | undefined) =>
  value === undefined || value === '' ? '-' : String(value);

export function organizationsTable(items: readonly OrganizationView[]): string {
  if (items.length === 0) return 'no organizations';
  return table(
    ['ORGANIZATION', 'NAME', 'CPU', 'MEMORY', 'PODS', 'MAX ENVS'],
    items.map((org) => [
      org.organization,
      dash(org.displayName),
      dash(org.quota?.cpu),
      dash(org.quota?.memory),
      dash(org.quota?.pods),
      dash(org.maxEnvironments),
    ]),
  );
}

export function environmentsTable(items: readonly EnvironmentView[]): string {
  if (items.length === 0) return 'no environments';
  return table(
    ['ENVIRONMENT', 'STATUS', 'TIER', 'CURRENT RUN', 'UPDATED'],
    items.map((env) => [
      `${env.organization}/${env.environment}`,
      env.status,
      dash(env.tier),
      dash(env.activeRunId ?? env.currentRunId),
      dash(env.updatedAt),
    ]),
  );
}

export function runsTable(items: readonly RunView[], now: number): string {
  if (items.length === 0) return 'no runs';
  return table(
    ['RUN', 'TRIGGER', 'STATUS', 'STARTED', 'DURATION', 'FAILED AT'],
    items.map((run) => {
      const elapsed = runElapsedMs(run, now);
      return [
        run.runId,
        dash(run.trigger),
        run.status,
        dash(run.startedAt),
        elapsed === undefined ? '-' : formatElapsed(elapsed),
        dash(run.error?.phase),
      ];
    }),
  );
}

/** The DELIVERY cell: delivered, publishing, pending — with how many attempts failed so far. */
function deliveryCell(delivery: AlertView['delivery']): string {
  if (!delivery) return '-';
  if (delivery.status === 'pending' && delivery.attempts > 0) {
    return `pending (${delivery.attempts} failed)`;
  }
  return delivery.status;
}

export function alertsTable(items: readonly AlertView[], colors: Colors): string {
  if (items.length === 0) return 'no alerts';
  const rows = table(
    ['OCCURRED', 'SEVERITY', 'KIND', 'ENVIRONMENT', 'DELIVERY', 'SUMMARY'],
    items.map((alert) => [
      alert.occurredAt,
      alert.severity,
      alert.kind,
      dash(alert.environment),
      deliveryCell(alert.delivery),
      alert.summary,
    ]),
  );
  const notes = items.flatMap((alert) => {
    const { delivery } = alert;
    const failed =
      delivery?.status === 'pending' && delivery.lastError
        ? [
            colors.dim(
              `  ${alert.occurredAt} delivery failed: ${delivery.lastError}${delivery.nextAttemptAt ? `; next attempt ${delivery.nextAttemptAt}` : ''}`,
            ),
          ]
        : [];
    return [
      ...alert.links.map((link) => colors.dim(`  ${alert.occurredAt} ${link.label}: ${link.url}`)),
      ...failed,
    ];
  });
  return notes.length > 0 ? `${rows}\n${notes.join('\n')}` : rows;
}

export function auditTable(items: readonly AuditView[]): string {
  if (items.length === 0) return 'no audit records';
  return table(
    ['AT', 'ACTOR', 'ACTION', 'ENVIRONMENT', 'DETAIL'],
    items.map((entry) => [
      entry.at,
      entry.actor,
      entry.action,
      dash(entry.environment),
      Object.entries(entry.detail ?? {})
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' '),
    ]),
  );
}

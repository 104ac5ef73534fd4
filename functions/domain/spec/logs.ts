/**
 * The spec's `logs` section: how long CloudWatch Logs keeps the environment's container logs and
 * Kubernetes events. Retention is one of the values CloudWatch's PutRetentionPolicy accepts (any
 * other number is refused by AWS at apply time, so it is refused here, naming the field).
 */
import * as z from 'zod/mini';
import './locale.js';

/** Every retention (days) CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/** A month: long enough to look back at an incident, short enough not to pay for a year of debug output. */
export const DEFAULT_LOG_RETENTION_DAYS: LogRetentionDays = 30;

const RetentionDays = z.number({ error: 'must be a number of days' }).check(
  z.refine((value) => (LOG_RETENTION_DAYS as readonly number[]).includes(value), {
    error: `must be one of the retentions CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(', ')}`,
  }),
);

export const Logs = z.strictObject({
  retentionDays: z.optional(RetentionDays),
});

export type Logs = z.infer<typeof Logs>;

/** The retention an environment's log groups get: the spec's, else the default. */
export function logRetentionDays(spec: { readonly logs?: Logs | undefined }): number {
  return spec.logs?.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
}

/**
 * The platform's own alarms (CloudWatch: failed or timed-out runs, Lambda errors, dead letters,
 * webhook 5xx, unrouted cluster events, undelivered alerts) as alerts, so they reach the same
 * topic with the same message attributes as every other alert: `kind` `platform.alarm` (and
 * `platform.recovered` when the alarm returns to OK), organization `_platform` — not a valid
 * organization name, so it never collides with a tenant's — and no environment.
 */
import { type Alert, createAlert } from './alert.js';

export const PLATFORM_ORGANIZATION = '_platform';

export interface AlarmStateChange {
  readonly alarmName: string;
  readonly state: { readonly value: string; readonly reason?: string; readonly timestamp: string };
  readonly previousState?: { readonly value: string };
  readonly description?: string;
  readonly consoleLink?: string;
}

/** The alert of an alarm's state change; undefined for changes nobody needs to hear about. */
export function buildPlatformAlarmAlert(change: AlarmStateChange): Alert | undefined {
  const links = change.consoleLink ? [{ label: 'CloudWatch alarm', url: change.consoleLink }] : [];
  if (change.state.value === 'ALARM') {
    return createAlert({
      kind: 'platform.alarm',
      severity: 'critical',
      organization: PLATFORM_ORGANIZATION,
      summary: `Slipway platform alarm: ${change.alarmName}`,
      detail: [change.description ?? '', change.state.reason ?? ''].filter(Boolean).join('\n'),
      links,
      occurredAt: change.state.timestamp,
      dedupKey: `platform.alarm:${change.alarmName}:${change.state.timestamp}`,
    });
  }
  if (change.state.value === 'OK' && change.previousState?.value === 'ALARM') {
    return createAlert({
      kind: 'platform.recovered',
      severity: 'info',
      organization: PLATFORM_ORGANIZATION,
      summary: `Slipway platform alarm is OK again: ${change.alarmName}`,
      detail: change.state.reason ?? '',
      links,
      occurredAt: change.state.timestamp,
      dedupKey: `platform.recovered:${change.alarmName}:${change.state.timestamp}`,
    });
  }
  return undefined;
}

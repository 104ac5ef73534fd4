/**
 * Alerts: what Slipway tells subscribers. Published to SNS with message attributes `kind`,
 * `severity`, `organization`, `environment` so subscribers filter without parsing the body.
 * An alert's id derives from its dedupKey, so one event is stored and published once however
 * often it is delivered.
 */
import { createHash } from 'node:crypto';
import type { ExecutionFailureStatus, PhaseName, Tier } from './model.js';

export const ALERT_KINDS = [
  'phase.failed',
  'run.interrupted',
  'run.succeeded',
  'quota.exceeded',
  'quota.almost-full',
  'quota.resolved',
  'sync.failed',
  'sync.recovered',
  'health.degraded',
  'health.recovered',
  'pod.crashlooping',
  'pod.recovered',
  'drift.detected',
  // The platform's own alarms (CloudWatch), relayed with the same attributes (organization `_platform`).
  'platform.alarm',
  'platform.recovered',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface AlertLink {
  readonly label: string;
  readonly url: string;
}

export interface Alert {
  readonly id: string;
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
  readonly organization: string;
  readonly environment?: string;
  /** The run id, when the alert is about a run. */
  readonly run?: string;
  readonly summary: string;
  readonly detail: string;
  readonly links: readonly AlertLink[];
  readonly occurredAt: string;
  readonly dedupKey: string;
}

/** Deterministic alert id: the first 24 hex of sha256(dedupKey). */
export function alertIdFor(dedupKey: string): string {
  return createHash('sha256').update(dedupKey).digest('hex').slice(0, 24);
}

/** Builds an alert, deriving its id from its dedupKey. */
export function createAlert(fields: Omit<Alert, 'id'>): Alert {
  return { id: alertIdFor(fields.dedupKey), ...fields };
}

export interface PhaseFailure {
  readonly phase: PhaseName;
  readonly cause: string;
  readonly retryable: boolean;
  readonly buildId?: string;
  readonly logLink?: string;
}

export interface PhaseFailedAlertInput {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  readonly failure: PhaseFailure;
  /** Unknown tier → critical: better to wake someone needlessly than to miss a prod outage. */
  readonly tier?: Tier;
  readonly occurredAt: string;
}

export function phaseFailedSeverity(tier: Tier | undefined): AlertSeverity {
  if (tier === undefined || tier === 'prod') return 'critical';
  return 'warning';
}

/** A `phase.failed` alert; one per run and phase (a retried failure is the same alert). */
export function buildPhaseFailedAlert(input: PhaseFailedAlertInput): Alert {
  const { organization, environment, runId, failure } = input;
  const links: AlertLink[] = failure.logLink ? [{ label: 'CodeBuild logs', url: failure.logLink }] : [];
  const next = failure.retryable
    ? 'The failure looks transient: resume the run to retry the phase.'
    : 'Fix the cause, then resume the run from this phase.';
  return createAlert({
    kind: 'phase.failed',
    severity: phaseFailedSeverity(input.tier),
    organization,
    environment,
    run: runId,
    summary: `Phase ${failure.phase} failed for ${organization}/${environment} (run ${runId})`,
    detail: [failure.cause, failure.buildId ? `Build: ${failure.buildId}.` : '', next]
      .filter(Boolean)
      .join('\n'),
    links,
    occurredAt: input.occurredAt,
    dedupKey: `phase.failed:${runId}:${failure.phase}`,
  });
}

export interface RunInterruptedAlertInput {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  /** How the execution ended. */
  readonly executionStatus: ExecutionFailureStatus;
  /** The execution's error and cause, as Step Functions reports them (often absent). */
  readonly error?: string;
  readonly cause?: string;
  /** The phase that was in progress when the execution ended, if any. */
  readonly phase?: PhaseName;
  /** The execution in the Step Functions console. */
  readonly executionLink?: string;
  /** Unknown tier → critical, as for `phase.failed`. */
  readonly tier?: Tier;
  readonly occurredAt: string;
}

const INTERRUPTED_BECAUSE: Readonly<Record<ExecutionFailureStatus, string>> = {
  TIMED_OUT: 'timed out (TIMED_OUT)',
  ABORTED: 'was stopped (ABORTED)',
  FAILED: 'failed before it could record its end (FAILED)',
};

const MAX_CAUSE_LENGTH = 1000;

/** The Step Functions console page of an execution. */
export function executionConsoleLink(region: string, executionArn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/**
 * A `run.interrupted` alert: the run's execution ended (timed out, stopped by a person, or its
 * own failure path failed) while the run was still RUNNING, so the run was marked INTERRUPTED
 * and its lock released. One per run however often the end is reported.
 */
export function buildRunInterruptedAlert(input: RunInterruptedAlertInput): Alert {
  const { organization, environment, runId } = input;
  const reported = [input.error, input.cause].filter(Boolean).join(': ');
  const links: AlertLink[] = input.executionLink
    ? [{ label: 'Step Functions execution', url: input.executionLink }]
    : [];
  return createAlert({
    kind: 'run.interrupted',
    severity: phaseFailedSeverity(input.tier),
    organization,
    environment,
    run: runId,
    summary: `Run ${runId} of ${organization}/${environment} was interrupted: its execution ${INTERRUPTED_BECAUSE[input.executionStatus]}`,
    detail: [
      input.phase ? `Phase ${input.phase} was in progress.` : '',
      reported
        ? `Step Functions reports ${reported.length > MAX_CAUSE_LENGTH ? `${reported.slice(0, MAX_CAUSE_LENGTH)}…` : reported}`
        : '',
      'The run is marked INTERRUPTED and the environment lock released; everything the run recorded is kept. ' +
        'Resume the run once the cause is understood.',
    ]
      .filter(Boolean)
      .join('\n'),
    links,
    occurredAt: input.occurredAt,
    dedupKey: `run.interrupted:${runId}`,
  });
}

export interface SnsStringAttribute {
  readonly DataType: 'String';
  readonly StringValue: string;
}

export interface SnsAlertMessage {
  readonly Message: string;
  readonly MessageAttributes: Readonly<Record<string, SnsStringAttribute>>;
}

/** The SNS Publish fields of an alert (the topic is the publisher's business). */
/**
 * The alert's own fields, and nothing else: what publishers hand over is often the recorded alert,
 * whose delivery state (status, attempts, last error, claim) is the state layer's bookkeeping, stale
 * by the time anyone reads the message, and no subscriber's business.
 */
export function alertMessageBody(alert: Alert): Alert {
  const { id, kind, severity, organization, environment, run, summary, detail, links, occurredAt, dedupKey } =
    alert;
  return {
    id,
    kind,
    severity,
    organization,
    ...(environment === undefined ? {} : { environment }),
    ...(run === undefined ? {} : { run }),
    summary,
    detail,
    links: links.map(({ label, url }) => ({ label, url })),
    occurredAt,
    dedupKey,
  };
}

export function toSnsMessage(alert: Alert): SnsAlertMessage {
  const attributes: Record<string, SnsStringAttribute> = {
    kind: { DataType: 'String', StringValue: alert.kind },
    severity: { DataType: 'String', StringValue: alert.severity },
    organization: { DataType: 'String', StringValue: alert.organization },
  };
  // SNS rejects empty attribute values, so an organization-wide alert carries no environment.
  if (alert.environment) attributes.environment = { DataType: 'String', StringValue: alert.environment };
  return { Message: JSON.stringify(alertMessageBody(alert)), MessageAttributes: attributes };
}

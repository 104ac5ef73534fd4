import { describe, expect, it } from 'vitest';
import { alertIdFor, buildPhaseFailedAlert, toSnsMessage } from '../../../functions/domain/alert.js';

const failure = {
  phase: 'ansible' as const,
  cause: 'Build slipway-ansible:0f1e FAILED in build phase BUILD: COMMAND_EXECUTION_ERROR: exit status 2',
  retryable: false,
  buildId: 'slipway-ansible:0f1e',
  logLink: 'https://console.aws.amazon.com/cloudwatch/home#logsV2:log-groups',
};

describe('buildPhaseFailedAlert', () => {
  it('is critical for prod, warning for other known tiers, critical when the tier is unknown', () => {
    const base = {
      organization: 'acme',
      environment: 'prod',
      runId: 'acme.prod.000001.1a2b3c4d',
      failure,
      occurredAt: '2025-01-01T00:00:00.000Z',
    };
    expect(buildPhaseFailedAlert({ ...base, tier: 'prod' }).severity).toBe('critical');
    expect(buildPhaseFailedAlert({ ...base, tier: 'staging' }).severity).toBe('warning');
    expect(buildPhaseFailedAlert({ ...base, tier: 'dev' }).severity).toBe('warning');
    expect(buildPhaseFailedAlert(base).severity).toBe('critical');
  });

  it('derives one dedupKey and id per run and phase, with the log link', () => {
    const alert = buildPhaseFailedAlert({
      organization: 'acme',
      environment: 'prod',
      runId: 'acme.prod.000001.1a2b3c4d',
      failure,
      occurredAt: '2025-01-01T00:00:00.000Z',
    });
    expect(alert.dedupKey).toBe('phase.failed:acme.prod.000001.1a2b3c4d:ansible');
    expect(alert.id).toBe(alertIdFor(alert.dedupKey));
    expect(alert.kind).toBe('phase.failed');
    expect(alert.links).toEqual([{ label: 'CodeBuild logs', url: failure.logLink }]);
    expect(alert.detail).toContain('COMMAND_EXECUTION_ERROR');
  });
});

describe('toSnsMessage', () => {
  it('carries the alert as JSON and kind, severity, organization, environment as String attributes', () => {
    const alert = buildPhaseFailedAlert({
      organization: 'acme',
      environment: 'prod',
      runId: 'acme.prod.000001.1a2b3c4d',
      failure,
      tier: 'staging',
      occurredAt: '2025-01-01T00:00:00.000Z',
    });
    const message = toSnsMessage(alert);
    expect(JSON.parse(message.Message)).toEqual(alert);
    expect(message.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'phase.failed' },
      severity: { DataType: 'String', StringValue: 'warning' },
      organization: { DataType: 'String', StringValue: 'acme' },
      environment: { DataType: 'String', StringValue: 'prod' },
    });
  });

  it('leaves out the environment attribute of an organization-wide alert (SNS rejects empty values)', () => {
    const { environment: _environment, ...orgWide } = buildPhaseFailedAlert({
      organization: 'acme',
      environment: 'prod',
      runId: 'r',
      failure,
      occurredAt: '2025-01-01T00:00:00.000Z',
    });
    expect(Object.keys(toSnsMessage(orgWide).MessageAttributes)).toEqual([
      'kind',
      'severity',
      'organization',
    ]);
  });
});

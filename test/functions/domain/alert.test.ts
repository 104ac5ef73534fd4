import { describe, expect, it } from 'vitest';
import {
  alertIdFor,
  buildPhaseFailedAlert,
  buildRunInterruptedAlert,
  executionConsoleLink,
  toSnsMessage,
} from '../../../functions/domain/alert.js';

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

describe('buildRunInterruptedAlert', () => {
  const executionArn =
    'arn:aws:states:eu-west-1:123456789012:execution:ProvisioningWorkflow:acme.prod.000004.1a2b3c4d';
  const base = {
    organization: 'acme',
    environment: 'prod',
    runId: 'acme.prod.000004.1a2b3c4d',
    occurredAt: '2025-01-01T04:00:00.000Z',
  };

  it('is critical for prod, warning for other known tiers', () => {
    expect(buildRunInterruptedAlert({ ...base, executionStatus: 'ABORTED', tier: 'prod' }).severity).toBe(
      'critical',
    );
    expect(buildRunInterruptedAlert({ ...base, executionStatus: 'ABORTED', tier: 'staging' }).severity).toBe(
      'warning',
    );
    expect(buildRunInterruptedAlert({ ...base, executionStatus: 'ABORTED', tier: 'dev' }).severity).toBe(
      'warning',
    );
  });

  it('says why in the summary, one dedupKey per run, and links to the execution in the console', () => {
    const link = executionConsoleLink('eu-west-1', executionArn);
    const timedOut = buildRunInterruptedAlert({
      ...base,
      executionStatus: 'TIMED_OUT',
      error: 'States.Timeout',
      phase: 'ansible',
      executionLink: link,
      tier: 'prod',
    });
    expect(timedOut).toMatchObject({
      kind: 'run.interrupted',
      run: base.runId,
      dedupKey: `run.interrupted:${base.runId}`,
      id: alertIdFor(`run.interrupted:${base.runId}`),
      links: [{ label: 'Step Functions execution', url: link }],
    });
    expect(timedOut.summary).toBe(
      'Run acme.prod.000004.1a2b3c4d of acme/prod was interrupted: its execution timed out (TIMED_OUT)',
    );
    expect(timedOut.detail).toContain('Phase ansible was in progress.');
    expect(timedOut.detail).toContain('States.Timeout');
    expect(link).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${executionArn}`,
    );
    expect(buildRunInterruptedAlert({ ...base, executionStatus: 'ABORTED' }).summary).toMatch(
      /was stopped \(ABORTED\)$/,
    );
    expect(buildRunInterruptedAlert({ ...base, executionStatus: 'FAILED' }).summary).toMatch(
      /failed before it could record its end \(FAILED\)$/,
    );
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

  it('publishes the alert’s own fields only, never the delivery state recorded beside them', () => {
    const alert = buildPhaseFailedAlert({
      organization: 'acme',
      environment: 'prod',
      runId: 'acme.prod.000001.1a2b3c4d',
      failure,
      occurredAt: '2025-01-01T00:00:00.000Z',
    });
    const recorded = {
      ...alert,
      delivery: {
        status: 'publishing',
        attempts: 3,
        lastError: 'TransientPublishError: SNS down',
        claim: 'c1',
      },
    };
    const body = JSON.parse(toSnsMessage(recorded).Message);
    expect(body).toEqual(alert);
    expect(body).not.toHaveProperty('delivery');
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

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  alertIdFor,
  buildPhaseFailedAlert,
  buildRunInterruptedAlert,
  executionConsoleLink,
  toSnsMessage,
} from '../../../functions/domain/alert.js';
import { buildPlatformAlarmAlert } from '../../../functions/domain/alert-platform.js';

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

describe('the text of an alert', () => {
  const run = {
    organization: 'acme',
    environment: 'prod',
    runId: 'acme.prod.000004.1a2b3c4d',
    occurredAt: 't',
  };

  it('derives the id as the first 24 hex of sha256(dedupKey)', () => {
    expect(alertIdFor('phase.failed:r:ansible')).toBe(
      createHash('sha256').update('phase.failed:r:ansible').digest('hex').slice(0, 24),
    );
  });

  it('says what failed, the build, and what to do next, by whether the failure looks transient', () => {
    const alert = buildPhaseFailedAlert({ ...run, failure });
    expect(alert.summary).toBe('Phase ansible failed for acme/prod (run acme.prod.000004.1a2b3c4d)');
    expect(alert.detail).toBe(
      `${failure.cause}\nBuild: slipway-ansible:0f1e.\nFix the cause, then resume the run from this phase.`,
    );
    const transient = buildPhaseFailedAlert({
      ...run,
      failure: { phase: 'terraform', cause: 'timed out', retryable: true },
    });
    expect(transient.detail).toBe(
      'timed out\nThe failure looks transient: resume the run to retry the phase.',
    );
    expect(transient.links).toEqual([]);
  });

  it("tells an interrupted run's phase, what Step Functions reported (bounded), and what was kept", () => {
    const kept =
      'The run is marked INTERRUPTED and the environment lock released; everything the run recorded is kept. Resume the run once the cause is understood.';
    const alert = buildRunInterruptedAlert({
      ...run,
      executionStatus: 'FAILED',
      phase: 'ansible',
      error: 'States.Runtime',
      cause: 'x'.repeat(1000),
    });
    expect(alert.detail).toBe(
      `Phase ansible was in progress.\nStep Functions reports ${`States.Runtime: ${'x'.repeat(1000)}`.slice(0, 1000)}…\n${kept}`,
    );
    expect(buildRunInterruptedAlert({ ...run, executionStatus: 'ABORTED' }).detail).toBe(kept);
    expect(buildRunInterruptedAlert({ ...run, executionStatus: 'ABORTED' }).links).toEqual([]);
    const exact = buildRunInterruptedAlert({ ...run, executionStatus: 'TIMED_OUT', cause: 'c'.repeat(1000) });
    expect(exact.detail).toBe(`Step Functions reports ${'c'.repeat(1000)}\n${kept}`);
    expect(buildRunInterruptedAlert({ ...run, executionStatus: 'TIMED_OUT', error: 'E' }).detail).toBe(
      `Step Functions reports E\n${kept}`,
    );
  });

  it('raises no platform alert for an alarm leaving ALARM for anything but OK', () => {
    expect(
      buildPlatformAlarmAlert({
        alarmName: 'a',
        state: { value: 'INSUFFICIENT_DATA', timestamp: 't' },
        previousState: { value: 'ALARM' },
      }),
    ).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { parseFailureCause } from '../../../functions/domain/failure-cause.js';
import {
  commandFailedBuild,
  FAILED_BUILD_DEEP_LINK,
  FAILED_BUILD_ID,
  provisioningFailedBuild,
  timedOutBuild,
} from '../support/codebuild-failures.js';

describe('parseFailureCause', () => {
  it('reads build id, log link and the failed phase message from a {"Build": …} Cause', () => {
    const failure = parseFailureCause('ansible', {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify({ Build: commandFailedBuild }),
    });
    expect(failure).toEqual({
      phase: 'ansible',
      buildId: FAILED_BUILD_ID,
      logLink: FAILED_BUILD_DEEP_LINK,
      cause:
        `Build ${FAILED_BUILD_ID} FAILED in build phase BUILD: COMMAND_EXECUTION_ERROR: ` +
        'Error while executing command: bash buildspecs/scripts/ansible.sh. Reason: exit status 2',
      retryable: false,
    });
  });

  it('reads a Cause that is the build object itself', () => {
    const failure = parseFailureCause('ansible', {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify(commandFailedBuild),
    });
    expect(failure.buildId).toBe(FAILED_BUILD_ID);
    expect(failure.logLink).toBe(FAILED_BUILD_DEEP_LINK);
    expect(failure.retryable).toBe(false);
  });

  it('reads a camelCase build (as the CodeBuild API spells it)', () => {
    const camel = {
      id: 'slipway-terraform:1',
      buildStatus: 'FAILED',
      logs: { deepLink: 'https://logs.example/1' },
      phases: [
        {
          phaseType: 'BUILD',
          phaseStatus: 'FAILED',
          contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'exit status 1' }],
        },
      ],
    };
    const failure = parseFailureCause('terraform', {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify(camel),
    });
    expect(failure).toMatchObject({
      buildId: 'slipway-terraform:1',
      logLink: 'https://logs.example/1',
      retryable: false,
    });
    expect(failure.cause).toContain('exit status 1');
  });

  it('marks a build that failed while provisioning its container as retryable', () => {
    const failure = parseFailureCause('terraform', {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify({ Build: provisioningFailedBuild }),
    });
    expect(failure.retryable).toBe(true);
    expect(failure.cause).toContain('PROVISIONING: ACCOUNT_LIMIT_EXCEEDED');
  });

  it('marks a timed-out build as retryable', () => {
    const failure = parseFailureCause('argocd-bootstrap', {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify({ Build: timedOutBuild }),
    });
    expect(failure).toMatchObject({ retryable: true, buildId: FAILED_BUILD_ID });
    expect(failure.cause).toContain('TIMED_OUT');
  });

  it('reads a Lambda error Cause and retries only transient error types', () => {
    const transient = parseFailureCause('ansible', {
      Error: 'TransientStoreError',
      Cause: JSON.stringify({
        errorType: 'TransientStoreError',
        errorMessage: 'DynamoDB UpdateItem failed',
        trace: [],
      }),
    });
    expect(transient).toEqual({
      phase: 'ansible',
      cause: 'TransientStoreError: DynamoDB UpdateItem failed',
      retryable: true,
    });

    const refused = parseFailureCause('ansible', {
      Error: 'TransitionRefusedError',
      Cause: JSON.stringify({ errorType: 'TransitionRefusedError', errorMessage: 'run is FAILED' }),
    });
    expect(refused.retryable).toBe(false);
  });

  it('keeps free text and an empty Cause readable', () => {
    expect(
      parseFailureCause('terraform', { Error: 'States.Timeout', Cause: 'Task timed out after 3600 seconds' }),
    ).toEqual({
      phase: 'terraform',
      cause: 'States.Timeout: Task timed out after 3600 seconds',
      retryable: true,
    });
    expect(parseFailureCause('terraform', { Error: 'States.TaskFailed' })).toEqual({
      phase: 'terraform',
      cause: 'States.TaskFailed',
      retryable: false,
    });
  });

  it('caps a huge cause so it fits the run item and the alert', () => {
    const failure = parseFailureCause('terraform', { Error: 'States.TaskFailed', Cause: 'x'.repeat(10_000) });
    expect(failure.cause.length).toBeLessThanOrEqual(1_000);
  });
});

describe('parseFailureCause: what a retry may clear', () => {
  const build = (fields: Record<string, unknown>) => ({
    Error: 'States.TaskFailed',
    Cause: JSON.stringify({ Build: { Id: 'b:1', BuildStatus: 'FAILED', ...fields } }),
  });

  it('retries a build that timed out, faulted or was stopped, not one that failed', () => {
    for (const status of ['TIMED_OUT', 'FAULT', 'STOPPED']) {
      expect(parseFailureCause('terraform', build({ BuildStatus: status })), status).toEqual({
        phase: 'terraform',
        buildId: 'b:1',
        cause: `Build b:1 ${status}`,
        retryable: true,
      });
    }
    expect(parseFailureCause('terraform', build({})).retryable).toBe(false);
  });

  it('retries a build that failed in a phase running no project command, naming the first unfinished phase', () => {
    for (const phaseType of [
      'SUBMITTED',
      'QUEUED',
      'PROVISIONING',
      'DOWNLOAD_SOURCE',
      'UPLOAD_ARTIFACTS',
      'FINALIZING',
    ]) {
      const failure = parseFailureCause(
        'ansible',
        build({
          Phases: [
            { PhaseType: 'INSTALL', PhaseStatus: 'SUCCEEDED' },
            { PhaseType: phaseType, PhaseStatus: 'FAILED' },
          ],
        }),
      );
      expect(failure, phaseType).toMatchObject({
        retryable: true,
        cause: `Build b:1 FAILED in build phase ${phaseType}`,
      });
    }
    const inBuild = parseFailureCause(
      'ansible',
      build({
        Phases: [
          { PhaseType: 'SUBMITTED' },
          { PhaseType: 'BUILD', PhaseStatus: 'FAILED', Contexts: [{}, { Message: 'exit status 2' }] },
        ],
      }),
    );
    expect(inBuild).toMatchObject({
      retryable: false,
      cause: 'Build b:1 FAILED in build phase BUILD: exit status 2',
    });
    const codeOnly = parseFailureCause(
      'ansible',
      build({ Phases: [{ PhaseStatus: 'FAILED', Contexts: [{ StatusCode: 'CLIENT_ERROR' }] }] }),
    );
    expect(codeOnly).toMatchObject({ retryable: false, cause: 'Build b:1 FAILED: CLIENT_ERROR' });
  });

  it('needs an id and a status to read a Cause as a build; otherwise its text is the cause', () => {
    const noStatus = { Error: 'States.TaskFailed', Cause: JSON.stringify({ Build: { Id: 'b:1' } }) };
    expect(parseFailureCause('terraform', noStatus)).toEqual({
      phase: 'terraform',
      cause: `States.TaskFailed: ${noStatus.Cause}`,
      retryable: false,
    });
    const noId = { Error: 'States.TaskFailed', Cause: JSON.stringify({ BuildStatus: 'FAILED' }) };
    expect(parseFailureCause('terraform', noId).buildId).toBeUndefined();
    expect(parseFailureCause('terraform', { Error: 'States.TaskFailed', Cause: 'null' }).cause).toBe(
      'States.TaskFailed: null',
    );
    expect(parseFailureCause('terraform', { Error: 'States.TaskFailed', Cause: '[1]' }).cause).toBe(
      'States.TaskFailed: [1]',
    );
  });

  it("retries a Lambda error whose type, or the Catch's error name, a retry may clear", () => {
    const names = [
      'TransientStoreError',
      'TransientPublishError',
      'States.Timeout',
      'States.HeartbeatTimeout',
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
      'CodeBuild.AccountLimitExceededException',
      'CodeBuild.CodeBuildException',
      'ThrottlingException',
      'ServiceUnavailable',
    ];
    for (const name of names) {
      expect(parseFailureCause('terraform', { Error: name }), name).toEqual({
        phase: 'terraform',
        cause: name,
        retryable: true,
      });
      const lambda = { Error: 'Unhandled', Cause: JSON.stringify({ errorType: name, errorMessage: 'm' }) };
      expect(parseFailureCause('terraform', lambda).retryable, name).toBe(true);
    }
    const byCatch = { Error: 'Lambda.ServiceException', Cause: JSON.stringify({ errorType: 'Error' }) };
    expect(parseFailureCause('terraform', byCatch)).toEqual({
      phase: 'terraform',
      cause: 'Error: (no message)',
      retryable: true,
    });
    const neither = {
      Error: 'Unhandled',
      Cause: JSON.stringify({ errorType: 'ValidationError', errorMessage: 'bad' }),
    };
    expect(parseFailureCause('terraform', neither)).toEqual({
      phase: 'terraform',
      cause: 'ValidationError: bad',
      retryable: false,
    });
  });

  it('trims the cause and cuts it to 1000 characters', () => {
    // 1000 characters once the trailing blanks are gone: kept whole.
    expect(parseFailureCause('terraform', { Error: 'E', Cause: `${'x'.repeat(997)}  \n` }).cause).toBe(
      `E: ${'x'.repeat(997)}`,
    );
    const long = parseFailureCause('terraform', { Error: 'E', Cause: 'y'.repeat(998) }).cause;
    expect(long).toBe(`E: ${'y'.repeat(996)}…`);
    expect(long).toHaveLength(1000);
  });
});

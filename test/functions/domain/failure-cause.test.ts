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

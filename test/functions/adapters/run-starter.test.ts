import type { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunStarter, type RunStarter } from '../../../functions/adapters/sfn/run-starter.js';
import { RunAlreadyStartedError } from '../../../functions/domain/errors.js';
import { pushExecutionName } from '../../../functions/domain/execution-name.js';
import { buildRunId } from '../../../functions/domain/run-id.js';
import { specHash } from '../../../functions/domain/spec-hash.js';
import type { WorkflowInput } from '../../../functions/domain/workflow-events.js';
import { type FakeSfn, startFakeSfn } from '../../support/fake-sfn.js';
import { freshNames, validSpec } from '../../support/fixtures.js';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:slipway-provisioning';
let sfn: FakeSfn;
let starter: RunStarter;

beforeAll(async () => {
  sfn = await startFakeSfn(STATE_MACHINE);
  starter = createRunStarter({ client: sfn.client, stateMachineArn: STATE_MACHINE });
});

afterAll(async () => {
  await sfn.stop();
});

/** The input the API hands the starter after the repository's startRun recorded run `seq`. */
function inputFor(seq = 1): WorkflowInput {
  const names = freshNames();
  const spec = validSpec();
  const hash = specHash(spec);
  return {
    ...names,
    runId: buildRunId({ ...names, seq, specHash: hash }),
    seq,
    trigger: 'api',
    commit: '',
    specHash: hash,
    spec,
    skipPhases: [],
  };
}

describe('run starter', () => {
  it('starts the execution named after the run, with the run as its input', async () => {
    const input = inputFor();
    const started = await starter.startExecution(input);
    expect(started.runId).toBe(input.runId);
    expect(sfn.executions.get(input.runId)?.input).toBe(JSON.stringify(input));
    expect(started.executionArn).toBe(sfn.executions.get(input.runId)?.executionArn);
  });

  it('returns the original execution for a duplicated start of a running run', async () => {
    const input = inputFor();
    const first = await starter.startExecution(input);
    const duplicate = await starter.startExecution(input);
    expect(duplicate.executionArn).toBe(first.executionArn);
    expect([...sfn.executions.keys()].filter((name) => name === input.runId)).toHaveLength(1);
  });

  it('refuses a duplicated start of a run that already ended, or with another input', async () => {
    const input = inputFor();
    await starter.startExecution(input);
    await expect(starter.startExecution({ ...input, commit: 'other' })).rejects.toBeInstanceOf(
      RunAlreadyStartedError,
    );
    const execution = sfn.executions.get(input.runId);
    if (execution) execution.status = 'SUCCEEDED';
    await expect(starter.startExecution(input)).rejects.toMatchObject({ name: 'RunAlreadyStartedError' });
  });

  it('names a push-started run from environment and commit, so a second run of the same push is refused by StartExecution', async () => {
    const commit = '9fceb02d0ae598e95dc970b74767f19372d61af8';
    const first = { ...inputFor(1), trigger: 'git-push' as const, commit };
    const name = pushExecutionName(first.organization, first.environment, commit);
    const started = await starter.startExecution(first);
    expect(sfn.executions.get(name)?.input).toBe(JSON.stringify(first));
    expect(sfn.executions.has(first.runId)).toBe(false);
    expect(started.executionArn.endsWith(`:${name}`)).toBe(true);
    // Another run (a replayed event whose push record is gone) of the same environment and commit.
    const second = {
      ...first,
      seq: 2,
      runId: buildRunId({ ...first, seq: 2, specHash: first.specHash }),
    };
    await expect(starter.startExecution(second)).rejects.toBeInstanceOf(RunAlreadyStartedError);
    expect([...sfn.executions.keys()].filter((key) => key === name)).toHaveLength(1);
    // The same commit on another environment is another execution.
    const other = { ...inputFor(1), trigger: 'git-push' as const, commit };
    await starter.startExecution(other);
    expect(sfn.executions.has(pushExecutionName(other.organization, other.environment, commit))).toBe(true);
  });

  it('builds a lazily given client once, on the first start, and again after a failed build', async () => {
    let builds = 0;
    const lazy = createRunStarter({
      stateMachineArn: STATE_MACHINE,
      client: async (): Promise<SFNClient> => {
        builds += 1;
        if (builds === 1) throw new Error('no credentials yet');
        return sfn.client;
      },
    });
    expect(builds).toBe(0);
    await expect(lazy.startExecution(inputFor())).rejects.toThrow('no credentials yet');
    await lazy.startExecution(inputFor());
    await lazy.startExecution(inputFor());
    expect(builds).toBe(2);
  });
});

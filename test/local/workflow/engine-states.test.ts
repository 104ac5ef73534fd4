import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalWorkflowEngine } from '../../../local/workflow/engine.js';
import { noTaskHandlers } from './no-handlers.js';

/** End states Step Functions reports that the synthesized workflow cannot be made to reach on cue. */
describe('local workflow engine: how executions end', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-engine-states-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  const engineFor = (definition: StateMachineDefinition) =>
    openLocalWorkflowEngine({ definition, handlers: noTaskHandlers(), dataDir });

  it('reports an execution past its TimeoutSeconds as TIMED_OUT (States.Timeout), also after a restart', async () => {
    const definition = {
      TimeoutSeconds: 1,
      StartAt: 'Hold',
      States: { Hold: { Type: 'Wait', Seconds: 30, End: true } },
    } as StateMachineDefinition;
    const engine = await engineFor(definition);

    const done = await engine.waitFor((await engine.startExecution({ name: 'slow' })).executionArn);

    expect(done).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const restarted = await engineFor(definition);
    expect(restarted.describeExecution(done.executionArn)).toMatchObject({ status: 'TIMED_OUT' });
  });

  it('reports a Fail state with its error and cause, and a Succeed with its output', async () => {
    const engine = await engineFor({
      StartAt: 'Route',
      States: {
        Route: {
          Type: 'Choice',
          Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Done' }],
          Default: 'Broken',
        },
        Done: { Type: 'Succeed' },
        Broken: { Type: 'Fail', Error: 'Custom.Broken', Cause: 'asked to fail' },
      },
    } as StateMachineDefinition);

    const [ok, broken] = await Promise.all(
      [
        { name: 'ok', input: '{"ok":true}' },
        { name: 'broken', input: '{"ok":false}' },
      ].map(async (request) => engine.waitFor((await engine.startExecution(request)).executionArn)),
    );

    expect(ok).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}' });
    expect(broken).toMatchObject({ status: 'FAILED', error: 'Custom.Broken', cause: 'asked to fail' });
  });
});

/**
 * The contract between the state machine and its Lambda tasks (workflow-events.ts): what each
 * input accepts and defaults, how a refused input names its fields, and the execution-ended event.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/domain/errors.js';
import {
  AcquireLockInput,
  CompleteRunInput,
  exportedOutputs,
  FailureOutput,
  outputsKey,
  parseExecutionEnded,
  parseInput,
  RecordFailureInput,
  RecordPhaseInput,
  SelectedBuild,
  WorkflowInput,
} from '../../../functions/domain/workflow-events.js';

const HASH = 'a'.repeat(64);
const ref = { organization: 'acme', environment: 'prod', runId: 'acme.prod.000001.1a2b3c4d' };
const workflowInput = { ...ref, seq: 1, trigger: 'api', specHash: HASH, spec: { tier: 'prod' } };

function issuesOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('accepted');
}

describe('WorkflowInput', () => {
  it('defaults the commit to empty and the skipped phases to none', () => {
    expect(parseInput(WorkflowInput, workflowInput, 'input')).toEqual({
      ...workflowInput,
      commit: '',
      skipPhases: [],
    });
    expect(
      parseInput(
        WorkflowInput,
        { ...workflowInput, commit: 'c'.repeat(64), skipPhases: ['terraform'] },
        'input',
      ),
    ).toMatchObject({ commit: 'c'.repeat(64), skipPhases: ['terraform'] });
  });

  it('refuses names that are not DNS labels, a sequence under 1, an unknown trigger or phase, a bad hash', () => {
    const refused: [Record<string, unknown>, string][] = [
      [{ organization: 'Acme' }, 'organization'],
      [{ organization: '' }, 'organization'],
      [{ organization: '-acme' }, 'organization'],
      [{ organization: 'acme-' }, 'organization'],
      [{ environment: 'a'.repeat(64) }, 'environment'],
      [{ runId: '' }, 'runId'],
      [{ runId: 'r'.repeat(81) }, 'runId'],
      [{ seq: 0 }, 'seq'],
      [{ seq: 1.5 }, 'seq'],
      [{ trigger: 'cron' }, 'trigger'],
      [{ commit: 'c'.repeat(65) }, 'commit'],
      [{ specHash: 'A'.repeat(64) }, 'specHash'],
      [{ specHash: 'a'.repeat(63) }, 'specHash'],
      [{ specHash: `x${'a'.repeat(64)}` }, 'specHash'],
      [{ skipPhases: ['deploy'] }, 'skipPhases.0'],
    ];
    for (const [change, field] of refused) {
      const issues = issuesOf(() =>
        parseInput(WorkflowInput, { ...workflowInput, ...change }, 'workflow input'),
      );
      expect([...new Set(issues.map((found) => found.split(':')[0]))], JSON.stringify(change)).toEqual([
        field,
      ]);
    }
    expect(
      parseInput(
        WorkflowInput,
        { ...workflowInput, organization: 'a'.repeat(63), runId: 'r'.repeat(80) },
        'input',
      ),
    ).toMatchObject({
      organization: 'a'.repeat(63),
    });
    expect(parseInput(WorkflowInput, { ...workflowInput, organization: 'a' }, 'input').organization).toBe(
      'a',
    );
    expect(
      issuesOf(() => parseInput(WorkflowInput, { ...workflowInput, environment: 'Prod' }, 'input')),
    ).toEqual(['environment: must be a DNS-1123 label']);
    expect(issuesOf(() => parseInput(WorkflowInput, { ...workflowInput, specHash: 'abc' }, 'input'))).toEqual(
      ['specHash: must be a sha256 hex digest'],
    );
  });

  it('adds the execution name for AcquireLock, 1 to 80 characters', () => {
    expect(
      parseInput(AcquireLockInput, { ...workflowInput, executionName: 'x' }, 'input').executionName,
    ).toBe('x');
    expect(
      issuesOf(() => parseInput(AcquireLockInput, { ...workflowInput, executionName: '' }, 'input')),
    ).toHaveLength(1);
    expect(
      issuesOf(() =>
        parseInput(AcquireLockInput, { ...workflowInput, executionName: 'x'.repeat(81) }, 'input'),
      ),
    ).toHaveLength(1);
  });
});

describe('the phase task inputs', () => {
  const build = { id: 'slipway-terraform:1', logLink: null, exported: [{ Name: 'VPC_ID', Value: 'vpc-1' }] };

  it('RecordPhase closes a phase, opens one, or both, never neither', () => {
    expect(parseInput(RecordPhaseInput, { ...ref, open: { phase: 'terraform' } }, 'input').open).toEqual({
      phase: 'terraform',
    });
    expect(
      parseInput(RecordPhaseInput, { ...ref, close: { phase: 'ansible', build } }, 'input').close?.phase,
    ).toBe('ansible');
    expect(issuesOf(() => parseInput(RecordPhaseInput, ref, 'record phase input'))).toEqual([
      '(root): close or open is required',
    ]);
  });

  it('a selected build needs an id and named exports', () => {
    expect(SelectedBuild.safeParse({ id: '' }).success).toBe(false);
    expect(SelectedBuild.safeParse({ id: 'b', exported: [{ Name: '', Value: 'v' }] }).success).toBe(false);
    expect(SelectedBuild.safeParse({ id: 'b' }).success).toBe(true);
    expect(CompleteRunInput.safeParse({ ...ref, close: { phase: 'argocd-bootstrap', build } }).success).toBe(
      true,
    );
    expect(CompleteRunInput.safeParse(ref).success).toBe(false);
  });

  it('RecordFailure takes the caught error, and the failure output its run status', () => {
    expect(
      RecordFailureInput.safeParse({
        ...ref,
        phase: 'terraform',
        error: { Error: 'States.Timeout', Cause: null },
      }).success,
    ).toBe(true);
    expect(RecordFailureInput.safeParse({ ...ref, phase: 'terraform', error: { Cause: 'x' } }).success).toBe(
      false,
    );
    expect(
      FailureOutput.safeParse({ phase: 'ansible', cause: 'c', retryable: false, runStatus: 'SUCCEEDED' })
        .success,
    ).toBe(true);
    expect(
      FailureOutput.safeParse({ phase: 'ansible', cause: 'c', retryable: false, runStatus: 'DONE' }).success,
    ).toBe(false);
  });

  it("keys a phase's outputs without dashes, and maps a build's exports (a missing value is empty)", () => {
    expect(outputsKey('argocd-bootstrap')).toBe('argocdBootstrap');
    expect(outputsKey('terraform')).toBe('terraform');
    expect(
      exportedOutputs({
        id: 'b',
        exported: [{ Name: 'A', Value: '1' }, { Name: 'B', Value: null }, { Name: 'C' }],
      }),
    ).toEqual({ A: '1', B: '', C: '' });
    expect(exportedOutputs({ id: 'b' })).toEqual({});
    expect(exportedOutputs({ id: 'b', exported: null })).toEqual({});
  });

  it('parseInput names every refused field, under a prefix when given, and keeps the cause', () => {
    let caught: unknown;
    try {
      parseInput(WorkflowInput, { ...workflowInput, seq: 0, trigger: 'cron' }, 'workflow input', [
        'detail',
        'input',
      ]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.issues.map((found) => found.split(':')[0])).toEqual([
      'detail.input.seq',
      'detail.input.trigger',
    ]);
    expect(error.message).toMatch(
      /^invalid workflow input: detail\.input\.seq: .+; detail\.input\.trigger: .+$/,
    );
    expect(error.cause).toBeDefined();
  });
});

describe('parseExecutionEnded', () => {
  const event = (detail: Record<string, unknown> = {}, fields: Record<string, unknown> = {}) => ({
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    region: 'eu-west-1',
    time: '2026-03-01T10:00:05Z',
    detail: {
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:slipway:${ref.runId}`,
      name: ref.runId,
      status: 'TIMED_OUT',
      stopDate: Date.parse('2026-03-01T10:00:00.000Z'),
      input: JSON.stringify({ ...workflowInput, trigger: 'api' }),
      error: 'States.Timeout',
      cause: 'The execution timed out',
      ...detail,
    },
    ...fields,
  });

  it('reads the run, how and when its execution ended, from the event', () => {
    expect(parseExecutionEnded(event())).toEqual({
      ...ref,
      status: 'TIMED_OUT',
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:slipway:${ref.runId}`,
      region: 'eu-west-1',
      error: 'States.Timeout',
      cause: 'The execution timed out',
      stoppedAt: '2026-03-01T10:00:00.000Z',
    });
  });

  it('falls back to the event time without a stop date, and leaves out what is absent', () => {
    expect(parseExecutionEnded(event({ stopDate: null, error: null, cause: '' }))).toEqual({
      ...ref,
      status: 'TIMED_OUT',
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:slipway:${ref.runId}`,
      region: 'eu-west-1',
      stoppedAt: '2026-03-01T10:00:05Z',
    });
    // A stop date past what a Date can hold is no date.
    expect(parseExecutionEnded(event({ stopDate: 1e20 }))).toMatchObject({
      stoppedAt: '2026-03-01T10:00:05Z',
    });
    const untimed = parseExecutionEnded(event({ stopDate: undefined }, { time: undefined }));
    expect(untimed).not.toHaveProperty('stoppedAt');
  });

  it('refuses an ending it does not handle, another source, a bad ARN, naming the field', () => {
    expect(issuesOf(() => parseExecutionEnded(event({ status: 'SUCCEEDED' })))).toEqual([
      expect.stringMatching(/^detail\.status: /),
    ]);
    expect(issuesOf(() => parseExecutionEnded(event({}, { source: 'aws.events' })))).toEqual([
      expect.stringMatching(/^source: /),
    ]);
    expect(issuesOf(() => parseExecutionEnded(event({ executionArn: 'arn:aws:lambda:x' })))).toEqual([
      'detail.executionArn: must be a Step Functions execution ARN',
    ]);
    expect(parseExecutionEnded(event({ executionArn: 'arn:aws-cn:states:x' })).executionArn).toBe(
      'arn:aws-cn:states:x',
    );
    expect(issuesOf(() => parseExecutionEnded(event({}, { region: '' })))).toEqual([
      expect.stringMatching(/^region: /),
    ]);
  });

  it('refuses an input that is not JSON, names no run, or belongs to another execution', () => {
    expect(issuesOf(() => parseExecutionEnded(event({ input: 'not json' })))).toEqual([
      'detail.input: must be the execution input as a JSON string',
    ]);
    expect(() => parseExecutionEnded(event({ input: 'not json' }))).toThrow(
      'invalid Step Functions execution status change event: detail.input: must be the execution input as a JSON string',
    );
    expect(
      issuesOf(() => parseExecutionEnded(event({ input: JSON.stringify({ organization: 'acme' }) }))),
    ).toEqual([
      expect.stringMatching(/^detail\.input\.environment: /),
      expect.stringMatching(/^detail\.input\.runId: /),
    ]);
    expect(issuesOf(() => parseExecutionEnded(event({ name: 'acme.prod.000002.ffffffff' })))).toEqual([
      `detail.name: execution acme.prod.000002.ffffffff is not run ${ref.runId} of its input`,
    ]);
    // A git-push input with a commit that is not one names no execution: refused, not thrown as a RangeError.
    const push = JSON.stringify({ ...workflowInput, trigger: 'git-push', commit: 'main' });
    expect(issuesOf(() => parseExecutionEnded(event({ input: push })))).toEqual([
      `detail.name: execution ${ref.runId} is not run ${ref.runId} of its input`,
    ]);
    // A git-push run without a commit is named by its run id.
    const noCommit = JSON.stringify({ ...workflowInput, trigger: 'git-push' });
    expect(parseExecutionEnded(event({ input: noCommit })).runId).toBe(ref.runId);
  });
});

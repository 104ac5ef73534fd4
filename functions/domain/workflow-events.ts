/**
 * Inputs of the workflow's Lambda tasks, one zod schema per input. The state machine
 * (infra/constructs/provisioning-workflow.ts) builds these payloads; the schemas are the contract.
 */
// zod/mini: the same schemas at a quarter of the bundle size (Lambda bundles stay under budget).
import * as z from 'zod/mini';
import { ValidationError } from './errors.js';
import { executionNameOf } from './execution-name.js';
import {
  EXECUTION_FAILURE_STATUSES,
  type ExecutionFailureStatus,
  PHASES,
  type PhaseName,
  RUN_STATUSES,
  RUN_TRIGGERS,
} from './model.js';

const DnsLabel = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(63),
    z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label'),
  );
const RunId = z.string().check(z.minLength(1), z.maxLength(80));
export const Phase = z.enum(PHASES);

const RunRef = {
  organization: DnsLabel,
  environment: DnsLabel,
  runId: RunId,
};

/** The execution input: what the run starter passes to StartExecution. */
export const WorkflowInput = z.object({
  ...RunRef,
  seq: z.int().check(z.positive()),
  trigger: z.enum(RUN_TRIGGERS),
  commit: z._default(z.string().check(z.maxLength(64)), ''),
  specHash: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest')),
  spec: z.record(z.string(), z.unknown()),
  /** Phases this run does not execute (resume after an earlier phase, ArgoCD-only pushes). */
  skipPhases: z._default(z.array(Phase), []),
});
export type WorkflowInput = z.infer<typeof WorkflowInput>;

/** AcquireLock's payload: the execution input plus the execution's own name (`$$.Execution.Name`). */
export const AcquireLockInput = z.object({
  ...WorkflowInput.shape,
  executionName: z.string().check(z.minLength(1), z.maxLength(80)),
});
export type AcquireLockInput = z.infer<typeof AcquireLockInput>;

/**
 * The fields the state machine selects from a finished build (`$.Build.Id`,
 * `$.Build.Logs.DeepLink`, `$.Build.ExportedEnvironmentVariables`).
 */
export const SelectedBuild = z.object({
  id: z.string().check(z.minLength(1)),
  logLink: z.nullish(z.string()),
  exported: z.nullish(
    z.array(z.object({ Name: z.string().check(z.minLength(1)), Value: z.nullish(z.string()) })),
  ),
});
export type SelectedBuild = z.infer<typeof SelectedBuild>;

export const RecordPhaseInput = z
  .object({
    ...RunRef,
    close: z.optional(z.object({ phase: Phase, build: SelectedBuild })),
    open: z.optional(z.object({ phase: Phase })),
  })
  .check(
    z.refine((input) => input.close !== undefined || input.open !== undefined, 'close or open is required'),
  );
export type RecordPhaseInput = z.infer<typeof RecordPhaseInput>;

export const CompleteRunInput = z.object({
  ...RunRef,
  close: z.object({ phase: Phase, build: SelectedBuild }),
});
export type CompleteRunInput = z.infer<typeof CompleteRunInput>;

/** What a Step Functions `Catch` with `ResultPath: '$.error'` leaves. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.nullish(z.string()) });

export const RecordFailureInput = z.object({
  ...RunRef,
  phase: Phase,
  error: CaughtError,
});
export type RecordFailureInput = z.infer<typeof RecordFailureInput>;

/** Output of record-failure, input of publish-alert. */
export const FailureOutput = z.object({
  phase: Phase,
  buildId: z.optional(z.string()),
  logLink: z.optional(z.string()),
  cause: z.string(),
  retryable: z.boolean(),
  failedAt: z.optional(z.string()),
  /**
   * The run's recorded status after RecordFailure. SUCCEEDED means the run had already succeeded
   * (only its last environment write failed): the workflow then ends in success, with no alert.
   */
  runStatus: z.optional(z.enum(RUN_STATUSES)),
});
export type FailureOutput = z.infer<typeof FailureOutput>;

export const PublishAlertInput = z.object({
  ...RunRef,
  failure: FailureOutput,
});
export type PublishAlertInput = z.infer<typeof PublishAlertInput>;

/** JSONPath keys cannot contain '-': `argocd-bootstrap` outputs live under `argocdBootstrap`. */
export function outputsKey(phase: PhaseName): string {
  return phase.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Exported variables as a map (a build that exported nothing gives `{}`). */
export function exportedOutputs(build: SelectedBuild): Record<string, string> {
  return Object.fromEntries((build.exported ?? []).map(({ Name, Value }) => [Name, Value ?? '']));
}

/** Parses an input or throws a {@link ValidationError} listing every issue. */
export function parseInput<T>(schema: z.ZodMiniType<T>, input: unknown, what: string, at: string[] = []): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map(
    (issue) => `${[...at, ...issue.path.map(String)].join('.') || '(root)'}: ${issue.message}`,
  );
  throw new ValidationError(`invalid ${what}: ${issues.join('; ')}`, issues, { cause: result.error });
}

// ---------------------------------------------------------------- execution ended

/**
 * The EventBridge event Step Functions sends when an execution changes status
 * (`source: aws.states`, `detail-type: Step Functions Execution Status Change`), restricted to
 * the endings that need the execution-ended handler. `detail.name` is the execution name (the
 * run id, or a push-started run's name from environment and commit: execution-name.ts); `detail.input` is the execution input (a {@link WorkflowInput}) as a JSON string.
 * Other fields of the event (account, resources, redrive details …) are ignored.
 */
export const ExecutionStatusChangeEvent = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  region: z.string().check(z.minLength(1)),
  time: z.optional(z.string()),
  detail: z.object({
    executionArn: z
      .string()
      .check(z.regex(/^arn:aws[-a-z]*:states:/, 'must be a Step Functions execution ARN')),
    name: RunId,
    status: z.enum(EXECUTION_FAILURE_STATUSES),
    stopDate: z.nullish(z.number()),
    input: z.string(),
    error: z.nullish(z.string()),
    cause: z.nullish(z.string()),
  }),
});

/** The run identity inside the execution input, and what its execution name derives from. */
const ExecutionRunInput = z.object({
  ...RunRef,
  trigger: z.optional(z.enum(RUN_TRIGGERS)),
  commit: z.optional(z.string().check(z.maxLength(64))),
});

export interface ExecutionEnded {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  readonly status: ExecutionFailureStatus;
  readonly executionArn: string;
  readonly region: string;
  readonly error?: string;
  readonly cause?: string;
  /** When the execution stopped (ISO 8601), from `detail.stopDate`, else the event time. */
  readonly stoppedAt?: string;
}

/**
 * Parses a Step Functions execution status change event of a Slipway run, or throws a
 * {@link ValidationError} naming the offending field (`source`, `detail.status`,
 * `detail.input.organization`, `detail.name` …).
 */
/** A push's execution name, or undefined when its commit is not one (the event is then refused). */
function safeExecutionName(input: Parameters<typeof executionNameOf>[0]): string | undefined {
  try {
    return executionNameOf(input);
  } catch {
    return undefined;
  }
}

export function parseExecutionEnded(event: unknown): ExecutionEnded {
  const what = 'Step Functions execution status change event';
  const parsed = parseInput(ExecutionStatusChangeEvent, event, what);
  const { detail } = parsed;
  let input: unknown;
  try {
    input = JSON.parse(detail.input);
  } catch (error) {
    const issue = 'detail.input: must be the execution input as a JSON string';
    throw new ValidationError(`invalid ${what}: ${issue}`, [issue], { cause: error });
  }
  const { trigger, commit, ...run } = parseInput(ExecutionRunInput, input, what, ['detail', 'input']);
  const expected =
    trigger === 'git-push' && commit ? safeExecutionName({ ...run, trigger, commit }) : run.runId;
  if (expected !== detail.name) {
    const issue = `detail.name: execution ${detail.name} is not run ${run.runId} of its input`;
    throw new ValidationError(`invalid ${what}: ${issue}`, [issue]);
  }
  const stopDate = typeof detail.stopDate === 'number' ? new Date(detail.stopDate) : undefined;
  const stoppedAt = stopDate && !Number.isNaN(stopDate.getTime()) ? stopDate.toISOString() : parsed.time;
  return {
    ...run,
    status: detail.status,
    executionArn: detail.executionArn,
    region: parsed.region,
    ...(detail.error ? { error: detail.error } : {}),
    ...(detail.cause ? { cause: detail.cause } : {}),
    ...(stoppedAt ? { stoppedAt } : {}),
  };
}

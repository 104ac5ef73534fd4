/**
 * Inputs of the workflow's Lambda tasks, one zod schema per input. The state machine
 * (infra/constructs/provisioning-workflow.ts) builds these payloads; the schemas are the contract.
 */
// zod/mini: the same schemas at a quarter of the bundle size (Lambda bundles stay under budget).
import * as z from 'zod/mini';
import { ValidationError } from './errors.js';
import { PHASES, RUN_TRIGGERS } from './model.js';

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
});
export type FailureOutput = z.infer<typeof FailureOutput>;

export const PublishAlertInput = z.object({
  ...RunRef,
  failure: FailureOutput,
});
export type PublishAlertInput = z.infer<typeof PublishAlertInput>;

/** Exported variables as a map (a build that exported nothing gives `{}`). */
export function exportedOutputs(build: SelectedBuild): Record<string, string> {
  return Object.fromEntries((build.exported ?? []).map(({ Name, Value }) => [Name, Value ?? '']));
}

/** Parses an input or throws a {@link ValidationError} listing every issue. */
export function parseInput<T>(schema: z.ZodMiniType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ValidationError(`invalid ${what}: ${issues.join('; ')}`, issues, { cause: result.error });
}

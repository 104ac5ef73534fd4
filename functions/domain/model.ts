/**
 * The shared vocabulary of Slipway's domain: phases, statuses and triggers.
 * Everything else (repository, handlers, state machine, buildspecs) refers to these names.
 */

/** Provisioning phases, in the order the workflow runs them (teardown runs them in reverse). */
export const PHASES = ['terraform', 'ansible', 'argocd-bootstrap'] as const;
export type PhaseName = (typeof PHASES)[number];

export const PHASE_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED'] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

/**
 * What a view shows of a phase: its stored status, or INTERRUPTED for the phase an INTERRUPTED run
 * left RUNNING (its execution is gone; the run item keeps the phase as it was, see run.ts).
 */
export const PHASE_VIEW_STATUSES = [...PHASE_STATUSES, 'INTERRUPTED'] as const;
export type PhaseViewStatus = (typeof PHASE_VIEW_STATUSES)[number];

export const ENVIRONMENT_STATUSES = [
  'PENDING',
  'PROVISIONING',
  'READY',
  'FAILED',
  'DELETING',
  'DELETED',
  'DELETE_FAILED',
] as const;
export type EnvironmentStatus = (typeof ENVIRONMENT_STATUSES)[number];

export const RUN_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'INTERRUPTED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_TRIGGERS = ['api', 'git-push', 'resume', 'teardown', 'drift'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export const TIERS = ['dev', 'staging', 'prod'] as const;
export type Tier = (typeof TIERS)[number];

/**
 * How a workflow execution can end without success (Step Functions execution statuses). The
 * execution-ended handler marks a run still RUNNING after one of these as INTERRUPTED.
 */
export const EXECUTION_FAILURE_STATUSES = ['TIMED_OUT', 'ABORTED', 'FAILED'] as const;
export type ExecutionFailureStatus = (typeof EXECUTION_FAILURE_STATUSES)[number];

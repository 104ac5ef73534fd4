/**
 * A run: one execution of the provisioning workflow, with one record per phase and an
 * append-only history of what the workflow did (see docs/data-model.md for why the history
 * lives on the run item).
 */
import type { PhaseName, PhaseStatus, RunStatus, RunTrigger } from './model.js';

export interface PhaseRecord {
  readonly status: PhaseStatus;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly buildId?: string;
  readonly logLink?: string;
  /** The build's exported variables (small values only; see docs/phase-contract.md). */
  readonly outputs?: Readonly<Record<string, string>>;
  readonly error?: string;
}

export interface RunError {
  readonly phase: PhaseName;
  readonly cause: string;
  readonly buildId?: string;
  readonly logLink?: string;
  /** True when re-running the phase unchanged may succeed (a platform fault, not a code fault). */
  readonly retryable: boolean;
}

export interface HistoryEntry {
  readonly at: string;
  /** e.g. `run.started`, `phase.started`, `phase.succeeded`, `phase.failed`, `run.succeeded`. */
  readonly event: string;
  readonly detail?: Readonly<Record<string, string>>;
}

export interface RunRecord {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  readonly seq: number;
  readonly trigger: RunTrigger;
  readonly commit: string;
  readonly specHash: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly endedAt?: string;
  /** The order the workflow runs the phases in (teardown runs them in reverse). */
  readonly phaseOrder: readonly PhaseName[];
  readonly phases: Readonly<Record<PhaseName, PhaseRecord>>;
  readonly error?: RunError;
  readonly history: readonly HistoryEntry[];
  readonly updatedAt: string;
}

/** Phase records of a new run: all PENDING, except the ones this run skips. */
export function initialPhases(
  order: readonly PhaseName[],
  skipped: readonly PhaseName[] = [],
): Record<PhaseName, PhaseRecord> {
  const entries = order.map(
    (phase) => [phase, { status: skipped.includes(phase) ? 'SKIPPED' : 'PENDING' }] as const,
  );
  return Object.fromEntries(entries) as Record<PhaseName, PhaseRecord>;
}

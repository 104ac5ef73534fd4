/**
 * A run: one execution of the provisioning workflow, with one record per phase and an
 * append-only history of what the workflow did (see docs/data-model.md for why the history
 * lives on the run item).
 */
import type { PhaseName, PhaseStatus, PhaseViewStatus, RunStatus, RunTrigger } from './model.js';
import type { PhasePlan } from './phase-plan.js';

export interface PhaseRecord {
  readonly status: PhaseStatus;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly buildId?: string;
  readonly logLink?: string;
  /** The build's exported variables (small values only; see docs/phase-contract.md). */
  readonly outputs?: Readonly<Record<string, string>>;
  readonly error?: string;
  /** Why a SKIPPED phase did not run (e.g. `inputs unchanged since run …`). */
  readonly reason?: string;
  /** The run whose recorded outputs a SKIPPED phase hands on (they are in `outputs`). */
  readonly handedOnFrom?: string;
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
  /** Per phase, the hash of the spec fields it consumes (the phase plan's fingerprint inputs). */
  readonly inputs?: Readonly<Partial<Record<PhaseName, string>>>;
  readonly error?: RunError;
  readonly history: readonly HistoryEntry[];
  readonly updatedAt: string;
}

/**
 * Phase records of a new run from its plan: PENDING for the phases it runs; SKIPPED, with the
 * reason and the outputs handed on from the run that last succeeded at it, for the others. With
 * `openedAt`, the first phase it runs (the plan's `startAt`) is RUNNING from then: the run is
 * accepted with its first phase open, so the workflow's first step only verifies it.
 */
export function initialPhases(plan: PhasePlan, openedAt?: string): Record<PhaseName, PhaseRecord> {
  const entries = plan.order.map((phase): [PhaseName, PhaseRecord] => {
    const planned = plan.phases[phase];
    if (planned.action === 'run') {
      return [
        phase,
        openedAt !== undefined && phase === plan.startAt
          ? { status: 'RUNNING', startedAt: openedAt }
          : { status: 'PENDING' },
      ];
    }
    return [
      phase,
      {
        status: 'SKIPPED',
        reason: planned.reason,
        ...(planned.handedOn ? { outputs: { ...planned.handedOn.outputs } } : {}),
        ...(planned.handedOn?.runId ? { handedOnFrom: planned.handedOn.runId } : {}),
      },
    ];
  });
  return Object.fromEntries(entries) as Record<PhaseName, PhaseRecord>;
}

/** Per phase, the hash of the spec fields it consumes, as recorded on the run. */
export function planInputs(plan: PhasePlan): Partial<Record<PhaseName, string>> {
  return Object.fromEntries(plan.order.map((phase) => [phase, plan.phases[phase].inputs]));
}

/**
 * A phase as the run's views show it. Interrupting a run (its execution timed out, was aborted or
 * is gone after a crash) keeps its phases as they were, so the phase it was in is still RUNNING
 * with no end: shown, it is INTERRUPTED and ended when the run did.
 */
export function phaseAsShown(
  run: Pick<RunRecord, 'status' | 'endedAt'>,
  phase: Pick<PhaseRecord, 'status' | 'endedAt'>,
): { readonly status: PhaseViewStatus; readonly endedAt?: string } {
  if (run.status === 'INTERRUPTED' && phase.status === 'RUNNING') {
    return { status: 'INTERRUPTED', endedAt: phase.endedAt ?? run.endedAt };
  }
  return { status: phase.status, endedAt: phase.endedAt };
}

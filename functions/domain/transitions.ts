/**
 * Pure status rules: which status may follow which. The repository turns these tables into
 * DynamoDB condition expressions, so a stale or duplicated event can never move an environment,
 * a run or a phase backwards. No I/O here.
 */
import { TransitionRefusedError } from './errors.js';
import {
  ENVIRONMENT_STATUSES,
  type EnvironmentStatus,
  PHASES,
  type PhaseName,
  type PhaseStatus,
  type RunStatus,
  type RunTrigger,
} from './model.js';

const ENVIRONMENT_TRANSITIONS: Readonly<Record<EnvironmentStatus, readonly EnvironmentStatus[]>> = {
  PENDING: ['PROVISIONING', 'DELETING'],
  PROVISIONING: ['READY', 'FAILED'],
  READY: ['PROVISIONING', 'DELETING'],
  FAILED: ['PROVISIONING', 'DELETING'],
  DELETING: ['DELETED', 'DELETE_FAILED'],
  // A failed teardown may be retried, or the environment provisioned again.
  DELETE_FAILED: ['DELETING', 'PROVISIONING'],
  // Recording a spec for a deleted environment brings it back as a new, pending one; a PUT that
  // starts a run brings it back straight into PROVISIONING (one write: spec, lock and status).
  DELETED: ['PENDING', 'PROVISIONING'],
};

const PHASE_TRANSITIONS: Readonly<Record<PhaseStatus, readonly PhaseStatus[]>> = {
  // PENDING → FAILED: the phase could not even start (its start could not be recorded).
  PENDING: ['RUNNING', 'SKIPPED', 'FAILED'],
  RUNNING: ['SUCCEEDED', 'FAILED'],
  SUCCEEDED: [],
  FAILED: [],
  SKIPPED: [],
};

const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  RUNNING: ['SUCCEEDED', 'FAILED', 'INTERRUPTED'],
  SUCCEEDED: [],
  FAILED: [],
  INTERRUPTED: [],
};

/** Phase statuses a finished run may leave a phase in: it either ran to success or was skipped. */
export const PHASE_DONE_STATUSES: readonly PhaseStatus[] = ['SUCCEEDED', 'SKIPPED'];

/**
 * The statuses from which `to` may be reached, read off a transition table: this is what the
 * repository turns into a condition (`#status IN (:s0, :s1)`), so each rule is written only here.
 */
function statusesAllowing<S extends string>(table: Readonly<Record<S, readonly S[]>>, to: S): S[] {
  return (Object.keys(table) as S[]).filter((from) => table[from].includes(to));
}

export function environmentStatusesAllowing(to: EnvironmentStatus): EnvironmentStatus[] {
  return statusesAllowing(ENVIRONMENT_TRANSITIONS, to);
}

export function phaseStatusesAllowing(to: PhaseStatus): PhaseStatus[] {
  return statusesAllowing(PHASE_TRANSITIONS, to);
}

export function runStatusesAllowing(to: RunStatus): RunStatus[] {
  return statusesAllowing(RUN_TRANSITIONS, to);
}

/** The status a run is created in. */
export const RUN_START_STATUS: RunStatus = 'RUNNING';

/** Run statuses in which a run may still change (a phase recorded, an ending): those with a way out. */
export function runStatusesStillOpen(): RunStatus[] {
  return (Object.keys(RUN_TRANSITIONS) as RunStatus[]).filter((from) => RUN_TRANSITIONS[from].length > 0);
}

/**
 * The locked statuses from which an environment may go back to `before` when the run that took
 * its lock is abandoned before any phase ran (its execution never started): only those a run
 * start from `before` can have entered. Going back is not a transition of the table — it undoes
 * one — so it is derived from the table's forward entries rather than listed beside them.
 */
export function lockedStatusesReturningTo(before: EnvironmentStatus): EnvironmentStatus[] {
  const locked = [lockedStatusFor('api'), lockedStatusFor('teardown')];
  return locked.filter((status) => canEnvironmentTransition(before, status));
}

/**
 * Environment statuses in which a new desired spec may be recorded without starting a run: not
 * while a teardown is in progress or after it (a deleted environment comes back through a run).
 */
export function statusesAllowingSpecChange(): EnvironmentStatus[] {
  return ENVIRONMENT_STATUSES.filter((status) => status !== 'DELETING' && status !== 'DELETED');
}

export function canEnvironmentTransition(from: EnvironmentStatus, to: EnvironmentStatus): boolean {
  return ENVIRONMENT_TRANSITIONS[from].includes(to);
}

export function canPhaseTransition(from: PhaseStatus, to: PhaseStatus): boolean {
  return PHASE_TRANSITIONS[from].includes(to);
}

export function canRunTransition(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

/** The environment status while a run of this trigger holds the lock. */
export function lockedStatusFor(trigger: RunTrigger): EnvironmentStatus {
  return trigger === 'teardown' ? 'DELETING' : 'PROVISIONING';
}

/** The environment status after a run of this trigger succeeds. */
export function succeededStatusFor(trigger: RunTrigger): EnvironmentStatus {
  return trigger === 'teardown' ? 'DELETED' : 'READY';
}

/** The environment status after a run of this trigger fails or is interrupted. */
export function failedStatusFor(trigger: RunTrigger): EnvironmentStatus {
  return trigger === 'teardown' ? 'DELETE_FAILED' : 'FAILED';
}

/** Environment statuses from which a run of this trigger may take the lock. */
export function statusesAllowingRun(trigger: RunTrigger): EnvironmentStatus[] {
  return environmentStatusesAllowing(lockedStatusFor(trigger));
}

/** Phase order of a run: teardown undoes the phases in reverse. */
export function phaseOrderFor(trigger: RunTrigger): PhaseName[] {
  return trigger === 'teardown' ? [...PHASES].reverse() : [...PHASES];
}

/**
 * What a request to change one phase means given its stored status:
 * `apply` = make the write; `noop` = the change is already there (a duplicated event).
 * Anything else throws {@link TransitionRefusedError}.
 */
export type PhaseChangePlan = 'apply' | 'noop';

/** Closing a phase as SUCCEEDED with a build: RUNNING → apply; SUCCEEDED by the same build → noop. */
export function planPhaseClose(
  phase: PhaseName,
  stored: { status: PhaseStatus; buildId?: string | undefined },
  buildId: string,
): PhaseChangePlan {
  if (stored.status === 'RUNNING') return 'apply';
  if (stored.status === 'SUCCEEDED' && stored.buildId === buildId) return 'noop';
  throw new TransitionRefusedError(
    `phase ${phase} cannot be closed by build ${buildId}: it is ${stored.status}` +
      (stored.buildId ? ` (build ${stored.buildId})` : ''),
  );
}

/** Opening a phase: PENDING → apply; already RUNNING or further along → noop (never backwards). */
export function planPhaseOpen(phase: PhaseName, stored: { status: PhaseStatus }): PhaseChangePlan {
  if (stored.status === 'PENDING') return 'apply';
  if (stored.status === 'RUNNING' || stored.status === 'SUCCEEDED' || stored.status === 'FAILED')
    return 'noop';
  throw new TransitionRefusedError(`phase ${phase} cannot be opened: it is ${stored.status}`);
}

/** Failing a phase: PENDING or RUNNING → apply; already FAILED → noop; SUCCEEDED/SKIPPED → refused. */
export function planPhaseFail(phase: PhaseName, stored: { status: PhaseStatus }): PhaseChangePlan {
  if (canPhaseTransition(stored.status, 'FAILED')) return 'apply';
  if (stored.status === 'FAILED') return 'noop';
  throw new TransitionRefusedError(`phase ${phase} cannot fail: it is ${stored.status}`);
}

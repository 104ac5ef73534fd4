/**
 * The transition tables entry by entry, and the phase-change plans with their refusals: the state
 * layer's conditions are read off these tables, so an entry added or dropped changes what a
 * guarded write accepts (mutation testing found entries no other test pinned).
 */
import { describe, expect, it } from 'vitest';
import { TransitionRefusedError } from '../../../functions/domain/errors.js';
import {
  ENVIRONMENT_STATUSES,
  PHASE_STATUSES,
  type PhaseStatus,
  RUN_STATUSES,
} from '../../../functions/domain/model.js';
import {
  canEnvironmentTransition,
  canPhaseTransition,
  canRunTransition,
  lockedStatusesReturningTo,
  planPhaseClose,
  planPhaseFail,
  planPhaseOpen,
  RUN_START_STATUS,
  runStatusesStillOpen,
  statusesAllowingRun,
  statusesAllowingSpecChange,
} from '../../../functions/domain/transitions.js';

function allowed<S extends string>(statuses: readonly S[], can: (from: S, to: S) => boolean): string[] {
  return statuses.flatMap((from) => statuses.filter((to) => can(from, to)).map((to) => `${from}→${to}`));
}

describe('transition tables, every entry', () => {
  it('environment: exactly these transitions', () => {
    expect(allowed(ENVIRONMENT_STATUSES, canEnvironmentTransition).sort()).toEqual(
      [
        'PENDING→PROVISIONING',
        'PENDING→DELETING',
        'PROVISIONING→READY',
        'PROVISIONING→FAILED',
        'READY→PROVISIONING',
        'READY→DELETING',
        'FAILED→PROVISIONING',
        'FAILED→DELETING',
        'DELETING→DELETED',
        'DELETING→DELETE_FAILED',
        'DELETE_FAILED→DELETING',
        'DELETE_FAILED→PROVISIONING',
        'DELETED→PENDING',
        'DELETED→PROVISIONING',
      ].sort(),
    );
  });

  it('phase: exactly these transitions; a finished phase never moves', () => {
    expect(allowed(PHASE_STATUSES, canPhaseTransition).sort()).toEqual(
      ['PENDING→RUNNING', 'PENDING→SKIPPED', 'PENDING→FAILED', 'RUNNING→SUCCEEDED', 'RUNNING→FAILED'].sort(),
    );
  });

  it('run: only RUNNING moves, to SUCCEEDED, FAILED or INTERRUPTED', () => {
    expect(allowed(RUN_STATUSES, canRunTransition).sort()).toEqual(
      ['RUNNING→SUCCEEDED', 'RUNNING→FAILED', 'RUNNING→INTERRUPTED'].sort(),
    );
  });

  it('a run takes the lock from these statuses only (the conditions of takeLock)', () => {
    expect(statusesAllowingRun('api').sort()).toEqual([
      'DELETED',
      'DELETE_FAILED',
      'FAILED',
      'PENDING',
      'READY',
    ]);
    expect(statusesAllowingRun('teardown').sort()).toEqual(['DELETE_FAILED', 'FAILED', 'PENDING', 'READY']);
  });

  it('a spec alone is recorded in every status but DELETING and DELETED (the condition of recordSpec)', () => {
    expect(statusesAllowingSpecChange().sort()).toEqual(
      ['DELETE_FAILED', 'FAILED', 'PENDING', 'PROVISIONING', 'READY'].sort(),
    );
  });
});

describe('phase-change plans', () => {
  const stored = (status: PhaseStatus, buildId?: string) => ({ status, ...(buildId ? { buildId } : {}) });

  it('closing: RUNNING applies, SUCCEEDED by the same build is a no-op, anything else is refused naming why', () => {
    expect(planPhaseClose('ansible', stored('RUNNING'), 'b1')).toBe('apply');
    expect(planPhaseClose('ansible', stored('SUCCEEDED', 'b1'), 'b1')).toBe('noop');
    expect(() => planPhaseClose('ansible', stored('SUCCEEDED', 'b1'), 'b2')).toThrow(
      new TransitionRefusedError('phase ansible cannot be closed by build b2: it is SUCCEEDED (build b1)'),
    );
    for (const status of ['PENDING', 'FAILED', 'SKIPPED'] as const) {
      expect(() => planPhaseClose('terraform', stored(status), 'b1')).toThrow(
        new TransitionRefusedError(`phase terraform cannot be closed by build b1: it is ${status}`),
      );
    }
    // Only a success by the same build is a replay: a phase that build failed stays refused.
    expect(() => planPhaseClose('terraform', stored('FAILED', 'b1'), 'b1')).toThrow(
      new TransitionRefusedError('phase terraform cannot be closed by build b1: it is FAILED (build b1)'),
    );
  });

  it('opening: PENDING applies, RUNNING, SUCCEEDED or FAILED is a no-op, SKIPPED is refused', () => {
    expect(planPhaseOpen('ansible', stored('PENDING'))).toBe('apply');
    for (const status of ['RUNNING', 'SUCCEEDED', 'FAILED'] as const) {
      expect(planPhaseOpen('ansible', stored(status))).toBe('noop');
    }
    expect(() => planPhaseOpen('ansible', stored('SKIPPED'))).toThrow(
      new TransitionRefusedError('phase ansible cannot be opened: it is SKIPPED'),
    );
  });

  it('failing: PENDING or RUNNING applies, FAILED is a no-op, SUCCEEDED and SKIPPED are refused', () => {
    expect(planPhaseFail('ansible', stored('PENDING'))).toBe('apply');
    expect(planPhaseFail('ansible', stored('RUNNING'))).toBe('apply');
    expect(planPhaseFail('ansible', stored('FAILED'))).toBe('noop');
    for (const status of ['SUCCEEDED', 'SKIPPED'] as const) {
      expect(() => planPhaseFail('ansible', stored(status))).toThrow(
        new TransitionRefusedError(`phase ansible cannot fail: it is ${status}`),
      );
    }
  });
});

describe('the statuses derived for the run start, open runs and an abandoned run', () => {
  it('creates a run RUNNING, the one status a run may still change from', () => {
    expect(RUN_START_STATUS).toBe('RUNNING');
    expect(runStatusesStillOpen()).toEqual(['RUNNING']);
  });

  it('lets an abandoned run take its environment back only to a status its start could have left', () => {
    expect(
      Object.fromEntries(ENVIRONMENT_STATUSES.map((status) => [status, lockedStatusesReturningTo(status)])),
    ).toEqual({
      PENDING: ['PROVISIONING', 'DELETING'],
      PROVISIONING: [],
      READY: ['PROVISIONING', 'DELETING'],
      FAILED: ['PROVISIONING', 'DELETING'],
      DELETING: [],
      DELETE_FAILED: ['PROVISIONING', 'DELETING'],
      DELETED: ['PROVISIONING'],
    });
  });
});

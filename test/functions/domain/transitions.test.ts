import { describe, expect, it } from 'vitest';
import { TransitionRefusedError } from '../../../functions/domain/errors.js';
import {
  canEnvironmentTransition,
  canPhaseTransition,
  canRunTransition,
  failedStatusFor,
  lockedStatusFor,
  phaseOrderFor,
  planPhaseClose,
  planPhaseFail,
  planPhaseOpen,
  statusesAllowingRun,
  succeededStatusFor,
} from '../../../functions/domain/transitions.js';

describe('environment transitions', () => {
  it('allows the provisioning lifecycle PENDING → PROVISIONING → READY | FAILED', () => {
    expect(canEnvironmentTransition('PENDING', 'PROVISIONING')).toBe(true);
    expect(canEnvironmentTransition('PROVISIONING', 'READY')).toBe(true);
    expect(canEnvironmentTransition('PROVISIONING', 'FAILED')).toBe(true);
  });

  it('refuses to move a READY environment back to PENDING', () => {
    expect(canEnvironmentTransition('READY', 'PENDING')).toBe(false);
  });

  it('refuses to provision a DELETING or PROVISIONING environment, and provisions a DELETED one again', () => {
    expect(statusesAllowingRun('api')).not.toContain('DELETING');
    expect(statusesAllowingRun('api')).not.toContain('PROVISIONING');
    expect(statusesAllowingRun('api')).toContain('DELETED');
  });

  it('lets a teardown start from READY or after a failed teardown, never from DELETED', () => {
    expect(statusesAllowingRun('teardown')).toEqual(
      expect.arrayContaining(['READY', 'FAILED', 'DELETE_FAILED']),
    );
    expect(statusesAllowingRun('teardown')).not.toContain('DELETED');
  });

  it('maps a teardown run to DELETING, DELETED and DELETE_FAILED', () => {
    expect([
      lockedStatusFor('teardown'),
      succeededStatusFor('teardown'),
      failedStatusFor('teardown'),
    ]).toEqual(['DELETING', 'DELETED', 'DELETE_FAILED']);
    expect([lockedStatusFor('resume'), succeededStatusFor('resume'), failedStatusFor('resume')]).toEqual([
      'PROVISIONING',
      'READY',
      'FAILED',
    ]);
  });
});

describe('phase and run transitions', () => {
  it('refuses to move a SUCCEEDED phase back to RUNNING', () => {
    expect(canPhaseTransition('SUCCEEDED', 'RUNNING')).toBe(false);
    expect(() => planPhaseOpen('terraform', { status: 'SKIPPED' })).toThrow(TransitionRefusedError);
  });

  it('treats a duplicated close by the same build as a no-op and by another build as refused', () => {
    expect(planPhaseClose('ansible', { status: 'RUNNING' }, 'b-1')).toBe('apply');
    expect(planPhaseClose('ansible', { status: 'SUCCEEDED', buildId: 'b-1' }, 'b-1')).toBe('noop');
    expect(() => planPhaseClose('ansible', { status: 'SUCCEEDED', buildId: 'b-1' }, 'b-2')).toThrow(
      TransitionRefusedError,
    );
    expect(() => planPhaseClose('ansible', { status: 'PENDING' }, 'b-1')).toThrow(TransitionRefusedError);
  });

  it('treats opening a phase that already started as a no-op', () => {
    expect(planPhaseOpen('ansible', { status: 'PENDING' })).toBe('apply');
    expect(planPhaseOpen('ansible', { status: 'RUNNING' })).toBe('noop');
    expect(planPhaseOpen('ansible', { status: 'SUCCEEDED' })).toBe('noop');
  });

  it('refuses to fail a phase that already succeeded', () => {
    expect(planPhaseFail('terraform', { status: 'RUNNING' })).toBe('apply');
    expect(planPhaseFail('terraform', { status: 'FAILED' })).toBe('noop');
    expect(() => planPhaseFail('terraform', { status: 'SUCCEEDED' })).toThrow(TransitionRefusedError);
  });

  it('never moves a finished run', () => {
    expect(canRunTransition('RUNNING', 'SUCCEEDED')).toBe(true);
    expect(canRunTransition('SUCCEEDED', 'FAILED')).toBe(false);
    expect(canRunTransition('FAILED', 'RUNNING')).toBe(false);
  });

  it('runs a teardown in reverse phase order', () => {
    expect(phaseOrderFor('api')).toEqual(['terraform', 'ansible', 'argocd-bootstrap']);
    expect(phaseOrderFor('teardown')).toEqual(['argocd-bootstrap', 'ansible', 'terraform']);
  });
});

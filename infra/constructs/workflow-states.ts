import type { PhaseName } from '../../functions/domain/model.js';

/**
 * State names of the provisioning workflow. Tests and local mode map these names to the real
 * handlers and to the local build runner, so they are part of the workflow's contract.
 */
export const WORKFLOW_STATES = {
  acquireLock: 'AcquireLock',
  completeRun: 'CompleteRun',
  recordFailure: 'RecordFailure',
  checkOutcome: 'RunAlreadySucceeded',
  publishAlert: 'PublishPhaseFailedAlert',
  runRefused: 'RunRefused',
  runFailed: 'RunFailed',
  succeeded: 'RunSucceeded',
} as const;

const PASCAL: Record<PhaseName, string> = {
  terraform: 'Terraform',
  ansible: 'Ansible',
  'argocd-bootstrap': 'ArgocdBootstrap',
};

/** `Start` + terraform → `StartTerraform`; `Build` + argocd-bootstrap → `BuildArgocdBootstrap`. */
export function phaseStateId(step: 'Start' | 'Build' | 'Record' | 'Failed', phase: PhaseName): string {
  return `${step}${PASCAL[phase]}`;
}

import type { PhaseName } from '../../functions/domain/model.js';

/**
 * State names of the provisioning workflow. Tests and local mode map these names to the real
 * handlers and to the local build runner, so they are part of the workflow's contract.
 */
export const WORKFLOW_STATES = {
  acquireLock: 'AcquireLock',
  routeRun: 'RouteRun',
  nothingToRun: 'NothingToRun',
  completeRun: 'CompleteRun',
  completeTeardown: 'CompleteTeardown',
  /** A shared cluster's tenant leaves: the ArgoCD teardown alone (its cluster keeps the rest). */
  teardownTenant: 'TeardownTenantArgocdBootstrap',
  completeTenantTeardown: 'CompleteTenantTeardown',
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

/**
 * `Build` + argocd-bootstrap → `BuildArgocdBootstrap`; `Teardown` + terraform → `TeardownTerraform`
 * (the teardown build), `RecordTeardown` + ansible → `RecordTeardownAnsible`.
 */
export function phaseStateId(
  step: 'Build' | 'Record' | 'Failed' | 'Teardown' | 'RecordTeardown',
  phase: PhaseName,
): string {
  return `${step}${PASCAL[phase]}`;
}

/** The buildspec a teardown build of a phase runs (a BuildspecOverride on the phase's own project). */
export function teardownBuildspec(phase: PhaseName): string {
  return `buildspecs/teardown/${phase}.yml`;
}

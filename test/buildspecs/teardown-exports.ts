/**
 * What each teardown buildspec (`buildspecs/teardown/<phase>.yml`) exports, copied from the table
 * in the "Teardown" section of docs/phase-contract.md; buildspecs.test.ts keeps the three in step.
 */
export const TEARDOWN_EXPORTS = {
  'argocd-bootstrap': [
    'TEARDOWN_STATUS',
    'TEARDOWN_SKIPPED',
    'APPLICATIONS_PRUNED',
    'TENANT_MANIFESTS_REMOVED_REVISION',
    'SECRETS_DELETED',
  ],
  ansible: ['TEARDOWN_STATUS', 'TEARDOWN_SKIPPED', 'NODES_RESET'],
  terraform: ['TEARDOWN_STATUS', 'TEARDOWN_SKIPPED', 'TF_STATE_BACKUP_S3_KEY', 'RESOURCES_DESTROYED'],
} as const satisfies Record<string, readonly string[]>;

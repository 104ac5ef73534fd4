/**
 * What each phase's buildspec exports (`env.exported-variables`), copied from the table
 * "Exported variables" in docs/phase-contract.md; a test keeps the two in step.
 */
export const PHASE_EXPORTS = {
  terraform: ['TF_OUTPUTS_S3_KEY', 'TF_STATE_BACKUP_S3_KEY', 'CLUSTER_NAME', 'API_ENDPOINT'],
  ansible: ['KUBECONFIG_SECRET_ID', 'NODES_READY', 'CILIUM_STATUS'],
  'argocd-bootstrap': [
    'ARGOCD_SYNC_STATUS',
    'ARGOCD_HEALTH_STATUS',
    'TENANT_MANIFESTS_REVISION',
    'GITOPS_COMMIT',
    'GITOPS_SYNC_RESULT',
    'GITOPS_SYNCED_REVISION',
  ],
} as const satisfies Record<string, readonly string[]>;

export type PhaseWithExports = keyof typeof PHASE_EXPORTS;

/** Labels and well-known names shared by every tenant manifest. */
import { PLATFORM_NAMESPACE } from '../../../functions/domain/cluster-namespaces.js';

export const LABEL_ORGANIZATION = 'slipway.io/organization';
export const LABEL_ENVIRONMENT = 'slipway.io/environment';
export const LABEL_TIER = 'slipway.io/tier';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

/** ArgoCD runs in this namespace; AppProjects and ApplicationSets must live in it. */
export const ARGOCD_NAMESPACE = PLATFORM_NAMESPACE.argocd;
/** Each environment is its own cluster, and ArgoCD runs inside it. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

export interface TenantIdentity {
  readonly organization: string;
  readonly environment: string;
  readonly tier: string;
}

export function tenantLabels(identity: TenantIdentity): Record<string, string> {
  return {
    [LABEL_ORGANIZATION]: identity.organization,
    [LABEL_ENVIRONMENT]: identity.environment,
    [LABEL_TIER]: identity.tier,
    [LABEL_MANAGED_BY]: 'slipway',
  };
}

/**
 * kube-apiserver's `--oidc-groups-prefix` (the ansible role's `k8s_control_plane_oidc_groups_prefix`,
 * kept equal by a test): every group of an OIDC token reaches RBAC as `oidc:<group>`, so a group the
 * issuer lets someone create - `system:masters`, `system:nodes` - is never the built-in group of
 * that name. Kubernetes RoleBinding subjects therefore name `kubernetesGroup(...)`; Argo CD reads
 * the claim itself and names the groups unprefixed (argocd-rbac-cm, AppProject roles).
 */
export const OIDC_GROUPS_PREFIX = 'oidc:';

/** A group of the issuer as kube-apiserver presents it to RBAC. */
export function kubernetesGroup(issuerGroup: string): string {
  return `${OIDC_GROUPS_PREFIX}${issuerGroup}`;
}

/**
 * RBAC groups, as the cluster's issuer (OIDC: kube-apiserver and Argo CD read the same groups
 * claim) presents them; kube-apiserver prefixes them (kubernetesGroup). The roles are the HTTP API's (platform-admin, org-admin,
 * developer, viewer); a developer or viewer is assigned to namespaces one by one, by short name.
 */
export const groups = {
  platformAdmin: 'slipway:platform-admin',
  /** The organization's admins: namespace-admin in every namespace of the organization. */
  orgAdmin: (organization: string) => `slipway:${organization}:org-admin`,
  /** Every developer of the organization: reads across all its namespaces (no Secrets). */
  developer: (organization: string) => `slipway:${organization}:developer`,
  /** The developers assigned to one namespace (by its short name): write in that namespace. */
  namespaceDeveloper: (organization: string, name: string) => `slipway:${organization}:${name}:developer`,
  /** The viewers assigned to one namespace (by its short name): read in that namespace only. */
  namespaceViewer: (organization: string, name: string) => `slipway:${organization}:${name}:viewer`,
} as const;

/**
 * The service account Argo CD impersonates when it syncs the organization's Applications. It lives
 * in the argocd namespace, where tenants can create nothing (no token Secret of it, no pod running
 * as it), and is bound only inside the organization's namespaces.
 */
export function deployerServiceAccount(organization: string): { namespace: string; name: string } {
  return { namespace: ARGOCD_NAMESPACE, name: `slipway-deployer-${organization}` };
}

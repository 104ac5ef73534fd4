/** Labels and well-known names shared by every tenant manifest. */

export const LABEL_ORGANIZATION = 'slipway.io/organization';
export const LABEL_ENVIRONMENT = 'slipway.io/environment';
export const LABEL_TIER = 'slipway.io/tier';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

/** ArgoCD runs in this namespace; AppProjects and ApplicationSets must live in it. */
export const ARGOCD_NAMESPACE = 'argocd';
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

/** RBAC groups, as the cluster's authenticator (OIDC) must present them. */
export const groups = {
  platformAdmin: 'slipway:platform-admin',
  namespaceAdmin: (organization: string) => `slipway:${organization}:namespace-admin`,
  /** Every developer of the organization: reads across all its namespaces. */
  developer: (organization: string) => `slipway:${organization}:developer`,
  /** The developers of one namespace (by its short name): write in that namespace. */
  namespaceDeveloper: (organization: string, name: string) => `slipway:${organization}:${name}:developer`,
  viewer: (organization: string) => `slipway:${organization}:viewer`,
} as const;

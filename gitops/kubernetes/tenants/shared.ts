/**
 * The ArgoCD phase in two parts, so a dedicated environment and a shared cluster share one
 * implementation:
 * - `platform`: what belongs to the cluster and to no organization — Argo CD, monitoring, storage,
 *   the platform's RBAC and network fence, and (on a shared cluster) the ApplicationSet that
 *   reconciles each tenant's directory;
 * - `tenant`: one organization's environment — namespaces, quotas, LimitRanges, default-deny Cilium
 *   policies, RBAC, AppProject, repository credential, ApplicationSet;
 * - `all`: both, for a dedicated environment (its own cluster).
 *
 * On a shared cluster each tenant run commits its bundle under
 * `slipway-managed/cluster/<cluster>/tenants/<org>.<env>/` of the Slipway GitOps repository (a dot
 * never occurs in a DNS label, so the directory names one tenant unambiguously), and the platform's
 * ApplicationSet turns every such directory into one Application; removing the directory (the
 * tenant's teardown) deletes that Application and, through its finalizer, what it created.
 */
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { ARGOCD_NAMESPACE, IN_CLUSTER, LABEL_MANAGED_BY } from './labels.js';

export const ARGOCD_PARTS = ['all', 'platform', 'tenant'] as const;
export type ArgocdPart = (typeof ARGOCD_PARTS)[number];

export function isArgocdPart(value: string): value is ArgocdPart {
  return (ARGOCD_PARTS as readonly string[]).includes(value);
}

/** Where the tenants of shared cluster `cluster` commit their bundles. */
export function sharedTenantsPath(cluster: string): string {
  return `slipway-managed/cluster/${cluster}/tenants`;
}

export function tenantDirectory(organization: string, environment: string): string {
  return `${organization}.${environment}`;
}

/** The name of the Application that reconciles one tenant's directory. */
export function tenantApplicationName(organization: string, environment: string): string {
  return `tenant-${tenantDirectory(organization, environment)}`;
}

export interface SharedTenantsSource {
  readonly cluster: string;
  /** The Slipway GitOps repository and branch the tenant runs commit to. */
  readonly repository: string;
  readonly revision: string;
}

/** One Application per tenant directory, in the platform's project (tenant bundles hold Namespaces). */
export function sharedTenantsApplicationSet(source: SharedTenantsSource): ApplicationSet {
  const labels = { [LABEL_MANAGED_BY]: 'slipway' };
  return new ApplicationSet({
    metadata: { name: 'slipway-tenants', namespace: ARGOCD_NAMESPACE, labels },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [
        {
          git: {
            repoURL: source.repository,
            revision: source.revision,
            directories: [{ path: `${sharedTenantsPath(source.cluster)}/*` }],
          },
        },
      ],
      template: {
        metadata: {
          name: 'tenant-{{ .path.basename }}',
          labels,
          // Removing a tenant's directory deletes its Application, and this deletes what it created.
          finalizers: ['resources-finalizer.argocd.argoproj.io'],
          annotations: {
            'notifications.argoproj.io/subscribe.on-sync-failed.slipway': '',
            'notifications.argoproj.io/subscribe.on-health-degraded.slipway': '',
            'notifications.argoproj.io/subscribe.on-synced-healthy.slipway': '',
          },
        },
        spec: {
          project: 'slipway-platform',
          source: { repoURL: source.repository, targetRevision: source.revision, path: '{{ .path.path }}' },
          destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
          },
        },
      },
    },
  });
}

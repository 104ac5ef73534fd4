import { ApplicationSet, AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { type EnvironmentSpec, tenantNamespace } from '../../../functions/domain/environment-spec.js';
import { ARGOCD_NAMESPACE, groups, IN_CLUSTER } from './labels.js';

/** Subscribes every generated Application to Slipway's webhook for the two triggers it acts on. */
export const NOTIFICATION_SUBSCRIPTIONS: Readonly<Record<string, string>> = {
  'notifications.argoproj.io/subscribe.on-sync-failed.slipway': '',
  'notifications.argoproj.io/subscribe.on-health-degraded.slipway': '',
};

/** One Application the organization's ApplicationSet generates: its name and the directory it deploys. */
export interface ExpectedApplication {
  readonly name: string;
  readonly path: string;
}

/** The directory of the tenant repository that one namespace's Application deploys. */
export function applicationDirectory(spec: EnvironmentSpec, name: string): string {
  return `${spec.gitops.path}/${name}/overlays/${spec.tier}`;
}

/**
 * The Applications the ApplicationSet below generates, derived from the spec alone: one per
 * namespace, named like the namespace (the template's name is `<org>-<env>-<segment>` of the
 * directory). The bootstrap phase waits for exactly these, so it never reads the list from the
 * cluster before the ApplicationSet controller has generated it.
 */
export function expectedApplications(
  organization: string,
  environment: string,
  spec: EnvironmentSpec,
): ExpectedApplication[] {
  return spec.namespaces.map((ns) => ({
    name: tenantNamespace(organization, environment, ns.name),
    path: applicationDirectory(spec, ns.name),
  }));
}

/**
 * One AppProject per organization: its Applications may deploy only from the organization's
 * repository, only into the organization's namespaces, and no cluster-scoped resource at all.
 * Quotas, limit ranges, Cilium policies and RBAC are Slipway's (rendered here, reconciled by the
 * platform project), so tenant Applications may not override them.
 */
export function appProject(
  organization: string,
  spec: EnvironmentSpec,
  namespaces: readonly string[],
  labels: Record<string, string>,
): AppProject {
  const project = organization;
  const policy = (role: string, action: string) =>
    `p, proj:${project}:${role}, applications, ${action}, ${project}/*, allow`;
  return new AppProject({
    metadata: { name: project, namespace: ARGOCD_NAMESPACE, labels },
    spec: {
      description: `Applications of organization ${organization}: its repository, its namespaces only`,
      sourceRepos: [spec.gitops.repository],
      destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
      clusterResourceWhitelist: [],
      namespaceResourceBlacklist: [
        { group: '', kind: 'ResourceQuota' },
        { group: '', kind: 'LimitRange' },
        { group: 'cilium.io', kind: 'CiliumNetworkPolicy' },
        { group: 'rbac.authorization.k8s.io', kind: 'Role' },
        { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
      ],
      orphanedResources: { warn: true },
      roles: [
        {
          name: 'admin',
          description: 'Organization admins manage and sync the Applications',
          groups: [groups.namespaceAdmin(organization)],
          policies: [policy('admin', '*')],
        },
        {
          name: 'developer',
          description: 'Developers see and sync the Applications',
          groups: [groups.developer(organization)],
          policies: [policy('developer', 'get'), policy('developer', 'sync')],
        },
        {
          name: 'viewer',
          description: 'Viewers see the Applications',
          groups: [groups.viewer(organization)],
          policies: [policy('viewer', 'get')],
        },
      ],
    },
  });
}

/**
 * The organization's Applications: one per namespace, from `<gitops.path>/<namespace>/overlays/<tier>`
 * (a kustomize overlay over that application's `base/`). The git generator lists exactly the
 * spec's namespaces — not a wildcard — so a directory in the repository can never create an
 * Application for a namespace the organization does not own.
 */
export function applicationSet(
  organization: string,
  environment: string,
  spec: EnvironmentSpec,
  labels: Record<string, string>,
): ApplicationSet {
  // With goTemplate, `.path.segments` is the generated path split on '/': the namespace's short
  // name follows the segments of gitops.path.
  const nameIndex = spec.gitops.path.split('/').length;
  const shortName = `{{ index .path.segments ${nameIndex} }}`;
  const namespace = `${organization}-${environment}-${shortName}`;
  return new ApplicationSet({
    metadata: { name: `${organization}-${environment}`, namespace: ARGOCD_NAMESPACE, labels },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [
        {
          git: {
            repoURL: spec.gitops.repository,
            revision: spec.gitops.branch,
            directories: spec.namespaces.map((ns) => ({ path: applicationDirectory(spec, ns.name) })),
          },
        },
      ],
      template: {
        metadata: { name: namespace, labels, annotations: { ...NOTIFICATION_SUBSCRIPTIONS } },
        spec: {
          project: organization,
          source: {
            repoURL: spec.gitops.repository,
            targetRevision: spec.gitops.branch,
            path: '{{ .path.path }}',
          },
          destination: { server: IN_CLUSTER, namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            // Namespaces are Slipway's: an Application never creates one.
            syncOptions: ['CreateNamespace=false'],
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
          },
        },
      },
    },
  });
}

import { ApplicationSet, AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { type EnvironmentSpec, tenantNamespace } from '../../../functions/domain/environment-spec.js';
import { ARGOCD_NAMESPACE, deployerServiceAccount, groups, IN_CLUSTER } from './labels.js';
import { TENANT_KINDS } from './tenant-kinds.js';

/** Subscribes every generated Application to Slipway's webhook for the two triggers it acts on. */
export const NOTIFICATION_SUBSCRIPTIONS: Readonly<Record<string, string>> = {
  'notifications.argoproj.io/subscribe.on-sync-failed.slipway': '',
  'notifications.argoproj.io/subscribe.on-health-degraded.slipway': '',
  'notifications.argoproj.io/subscribe.on-synced-healthy.slipway': '',
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
 * One AppProject per organization. Its Applications may deploy only from the organization's
 * repository, only into the organization's namespaces, and only the namespaced kinds of
 * tenant-kinds.ts (an allow-list: any other kind, and every cluster-scoped one, is refused before
 * anything is applied). Syncs run as the organization's deployer service account (sync
 * impersonation, `destinationServiceAccounts`), which RoleBindings in those namespaces alone empower:
 * even a kind Argo CD let through is refused by the API server outside them.
 *
 * Roles map the OIDC groups of labels.ts: org admins manage every Application; every developer of
 * the organization sees them all; a namespace's developers sync its Application and its viewers see
 * only that one (one Application per namespace, named like the namespace).
 */
export function appProject(
  organization: string,
  environment: string,
  spec: EnvironmentSpec,
  namespaces: readonly string[],
  labels: Record<string, string>,
): AppProject {
  const project = organization;
  const policy = (role: string, resource: string, action: string, object: string) =>
    `p, proj:${project}:${role}, ${resource}, ${action}, ${project}/${object}, allow`;
  const deployer = deployerServiceAccount(organization);
  const perNamespace = spec.namespaces.flatMap((ns) => {
    const application = tenantNamespace(organization, environment, ns.name);
    return [
      {
        name: `developer-${ns.name}`,
        description: `Developers of ${application}: see and sync its Application`,
        groups: [groups.namespaceDeveloper(organization, ns.name)],
        policies: [
          policy(`developer-${ns.name}`, 'applications', 'get', application),
          policy(`developer-${ns.name}`, 'applications', 'sync', application),
          policy(`developer-${ns.name}`, 'logs', 'get', application),
        ],
      },
      {
        name: `viewer-${ns.name}`,
        description: `Viewers of ${application}: see its Application only`,
        groups: [groups.namespaceViewer(organization, ns.name)],
        policies: [policy(`viewer-${ns.name}`, 'applications', 'get', application)],
      },
    ];
  });
  return new AppProject({
    metadata: { name: project, namespace: ARGOCD_NAMESPACE, labels },
    spec: {
      description: `Applications of organization ${organization}: its repository, its namespaces, its allowed kinds only`,
      sourceRepos: [spec.gitops.repository],
      destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
      // No catch-all entry: a destination without a service account fails its sync instead of
      // falling back to Argo CD's own (cluster-admin) identity.
      destinationServiceAccounts: namespaces.map((namespace) => ({
        server: IN_CLUSTER,
        namespace,
        defaultServiceAccount: `${deployer.namespace}:${deployer.name}`,
      })),
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: TENANT_KINDS.map(({ group, kind }) => ({ group, kind })),
      orphanedResources: { warn: true },
      roles: [
        {
          name: 'admin',
          description: 'Organization admins manage and sync every Application',
          groups: [groups.orgAdmin(organization)],
          policies: [policy('admin', 'applications', '*', '*'), policy('admin', 'logs', 'get', '*')],
        },
        {
          name: 'developer',
          description: "The organization's developers see every Application",
          groups: [groups.developer(organization)],
          policies: [
            policy('developer', 'applications', 'get', '*'),
            policy('developer', 'logs', 'get', '*'),
          ],
        },
        ...perNamespace,
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
          // A literal project, never templated: then the git generator reads the repository with
          // the organization's project-scoped credential (Argo CD uses only unscoped credentials
          // for a templated project).
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

/**
 * Events a cluster reports (ArgoCD notifications, Alertmanager), routed to the tenant they are
 * about. A tenant namespace is named `<org>-<env>-<name>`, so a namespace identifies its
 * environment — but only against the environment's own list: `a-b-c-x` may be `x` of `a/b-c` or
 * `c-x` of `a/b`. Routing therefore compares with the namespaces each candidate's spec declares.
 *
 * This module is the routing rule alone (pure), so a dedicated environment's hook and a shared
 * cluster's hook (several tenants behind one token) route the same way.
 */
import { isPlatformNamespace } from './cluster-namespaces.js';
import { tenantNamespace } from './environment-spec.js';

/** The AppProject of the platform's own Applications (gitops/kubernetes/argocd/bootstrap). */
export const PLATFORM_PROJECT = 'slipway-platform';

/** One tenant a cluster hosts: an environment and the full names of its namespaces. */
export interface TenantScope {
  readonly organization: string;
  readonly environment: string;
  readonly namespaces: readonly string[];
}

/** The tenant scope of an environment from its recorded spec (`namespaces[].name`). */
export function tenantScope(
  organization: string,
  environment: string,
  spec: Readonly<Record<string, unknown>>,
): TenantScope {
  const declared = Array.isArray(spec.namespaces) ? spec.namespaces : [];
  const names = declared.flatMap((entry: unknown) =>
    entry !== null && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string'
      ? [tenantNamespace(organization, environment, (entry as { name: string }).name)]
      : [],
  );
  return { organization, environment, namespaces: names };
}

/**
 * Where an event about `namespace` belongs, seen from one tenant's hook:
 * - `tenant`: one of its namespaces;
 * - `platform`: a platform namespace of its own cluster;
 * - `unknown`: shaped like its namespaces (`<org>-<env>-…`) but not declared (removed, not yet
 *   applied), or no namespace at all — recorded as unrouted and counted, never dropped;
 * - `foreign`: any other name — another tenant's, which this cluster's token may not speak for:
 *   refused (403) and counted.
 */
export type NamespaceRoute = 'tenant' | 'platform' | 'unknown' | 'foreign';

export function routeNamespace(scope: TenantScope, namespace: string | undefined): NamespaceRoute {
  if (namespace === undefined || namespace === '') return 'unknown';
  if (scope.namespaces.includes(namespace)) return 'tenant';
  if (isPlatformNamespace(namespace)) return 'platform';
  if (namespace.startsWith(`${scope.organization}-${scope.environment}-`)) return 'unknown';
  return 'foreign';
}

/** A shared cluster's routing: the tenant that declares `namespace`, if any. */
export function tenantOfNamespace(
  namespace: string,
  tenants: readonly TenantScope[],
): TenantScope | undefined {
  return tenants.find((tenant) => tenant.namespaces.includes(namespace));
}

/** What an ArgoCD notification names: the template's `organization`, `environment`, `app`, `project`, `namespace`. */
export interface ArgoApplicationRef {
  readonly organization?: string | null;
  readonly environment?: string | null;
  readonly app: string;
  readonly project?: string | null;
  readonly namespace?: string | null;
}

/**
 * Where an ArgoCD event belongs. The cluster's own notification context (organization,
 * environment) must be this tenant's; a tenant Application is named like its namespace and
 * belongs to the organization's AppProject (gitops/kubernetes/tenants/argocd.ts); a platform
 * Application belongs to `slipway-platform` and deploys into a platform namespace.
 */
export function routeArgoEvent(scope: TenantScope, event: ArgoApplicationRef): NamespaceRoute {
  const namesOther =
    (event.organization != null && event.organization !== scope.organization) ||
    (event.environment != null && event.environment !== scope.environment);
  if (namesOther) return 'foreign';
  const namespace = event.namespace ?? undefined;
  if (event.project === PLATFORM_PROJECT) {
    return namespace !== undefined && isPlatformNamespace(namespace) ? 'platform' : 'foreign';
  }
  const byNamespace = routeNamespace(scope, namespace);
  const byName = routeNamespace(scope, event.app);
  if (byNamespace === 'foreign' || byName === 'foreign') return 'foreign';
  if (event.project != null && event.project !== scope.organization) return 'foreign';
  if (byNamespace === 'tenant' && event.app === namespace) return 'tenant';
  // A platform namespace under a tenant project, or an app named unlike its namespace.
  if (byNamespace === 'platform' || (byNamespace === 'tenant' && byName === 'tenant')) return 'foreign';
  return 'unknown';
}

/**
 * Events and alerts of a shared cluster (`POST /v1/clusters/{cluster}/hooks/argocd|alertmanager`):
 * the request must carry the cluster's own token (derived from `cluster/<name>`, hook-token.ts), and
 * every namespace the event is about must belong to one tenant of that cluster — the event is then
 * that tenant's (its organization and environment, so the tenant sees its own alerts only). An
 * event about a namespace of no tenant of the cluster, or about namespaces of two tenants, is
 * refused and counted; the platform's own namespaces (no tenant) are the cluster's. Pure: no I/O.
 */
import { isPlatformNamespace } from './cluster-namespaces.js';
import { clusterTokenSubject, hookTokenMatches } from './hook-token.js';
import { tenantNamespace } from './spec/names.js';

export interface ClusterTenantNamespaces {
  readonly organization: string;
  readonly environment: string;
  /** Short names, as in the tenant's spec. */
  readonly namespaces: readonly string[];
}

export type ClusterEventRoute =
  | { readonly kind: 'tenant'; readonly organization: string; readonly environment: string }
  /** About the platform's namespaces only: the cluster's own event (the platform sees it). */
  | { readonly kind: 'cluster' }
  | {
      readonly kind: 'refused';
      readonly reason: 'token' | 'unknown-namespace' | 'several-tenants';
      readonly message: string;
    };

export interface ClusterEvent {
  readonly cluster: string;
  /** The token the request presented (hook-token.ts `presentedToken`). */
  readonly token: string | undefined;
  /** The hook secrets of the source (current, then previous during a rotation). */
  readonly secrets: readonly string[];
  /** Every namespace the event names (ArgoCD: the destination; Alertmanager: each alert's `namespace`). */
  readonly namespaces: readonly string[];
}

export function routeClusterEvent(
  event: ClusterEvent,
  tenants: readonly ClusterTenantNamespaces[],
): ClusterEventRoute {
  if (!hookTokenMatches(event.token, event.secrets, clusterTokenSubject(event.cluster))) {
    return { kind: 'refused', reason: 'token', message: `not the hook token of cluster ${event.cluster}` };
  }
  return routeClusterNamespaces(event.cluster, event.namespaces, tenants);
}

/**
 * The routing alone, once the cluster's token was accepted (the hook checks it before it reads the
 * body, functions/handlers/hooks/shared-cluster-hook.ts): the one tenant owning every namespace.
 */
export function routeClusterNamespaces(
  cluster: string,
  namespaces: readonly string[],
  tenants: readonly ClusterTenantNamespaces[],
): ClusterEventRoute {
  const event = { cluster, namespaces };
  const owners = new Map<string, ClusterTenantNamespaces>();
  for (const tenant of tenants) {
    for (const name of tenant.namespaces) {
      owners.set(tenantNamespace(tenant.organization, tenant.environment, name), tenant);
    }
  }
  const found = new Set<ClusterTenantNamespaces>();
  for (const namespace of event.namespaces) {
    const owner = owners.get(namespace);
    if (owner) found.add(owner);
    else if (!isPlatformNamespace(namespace)) {
      return {
        kind: 'refused',
        reason: 'unknown-namespace',
        message: `namespace ${namespace} belongs to no tenant of cluster ${event.cluster}`,
      };
    }
  }
  const [owner, ...others] = [...found];
  if (others.length > 0) {
    return {
      kind: 'refused',
      reason: 'several-tenants',
      message: `one event about namespaces of ${[...found].map((t) => `${t.organization}/${t.environment}`).join(' and ')}`,
    };
  }
  return owner
    ? { kind: 'tenant', organization: owner.organization, environment: owner.environment }
    : { kind: 'cluster' };
}

/** A tenant's namespaces as its recorded spec names them (for routing). */
export function tenantNamespacesOfSpec(
  organization: string,
  environment: string,
  spec: Readonly<Record<string, unknown>>,
): ClusterTenantNamespaces {
  const list = Array.isArray(spec.namespaces) ? spec.namespaces : [];
  const namespaces = list.flatMap((entry: unknown) =>
    typeof entry === 'object' && entry !== null && typeof (entry as { name?: unknown }).name === 'string'
      ? [(entry as { name: string }).name]
      : [],
  );
  return { organization, environment, namespaces };
}

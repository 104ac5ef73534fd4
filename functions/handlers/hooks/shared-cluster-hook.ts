/**
 * A shared cluster's hooks (`POST /v1/clusters/{cluster}/hooks/argocd|alertmanager`): one cluster,
 * several tenants behind the cluster's own token (derived from `cluster/<name>`, checked in
 * constant time before the body is read). The event is routed to the tenant environment owning
 * every namespace it is about (functions/domain/cluster-hooks.ts) and then handled exactly as that
 * tenant's own hook handles it — the same `handle` of argocd.ts / alertmanager.ts, so the record,
 * dedup and alerts are the tenant's, and the tenant sees its own alerts only. An event about a
 * namespace of no tenant of this cluster is refused (403) and counted as `UnroutedClusterEvents`,
 * one spanning two tenants refused and counted as `ClusterEventsForeign`: nothing is recorded. An
 * event about the platform's namespaces only is the cluster's own (recorded on it, the platform
 * sees it).
 */

import type { Repository } from '../../adapters/dynamodb/repository.js';
import { verifierFor } from '../../adapters/secrets/hook-secrets.js';
import { CLUSTER_ORGANIZATION } from '../../domain/cluster.js';
import { routeClusterNamespaces, tenantNamespacesOfSpec } from '../../domain/cluster-hooks.js';
import { EnvironmentName } from '../../domain/environment-spec.js';
import { clusterTokenSubject, hookTokenMatches, presentedToken } from '../../domain/hook-token.js';
import type { EnvironmentRecord } from '../../domain/records.js';
import { parseHttpEvent } from '../../shared/http/event.js';
import { jsonResponse } from '../../shared/http/response.js';
import {
  answering,
  type ClusterHookDefinition,
  type ClusterHookDeps,
  HookAnswer,
  type HookHandler,
  readBody,
  refusedToken,
} from './cluster-hook.js';

export interface SharedClusterHookDeps extends ClusterHookDeps {
  readonly repository: ClusterHookDeps['repository'] & Pick<Repository, 'getCluster'>;
}

export function makeSharedClusterHook(
  definition: ClusterHookDefinition,
  deps: SharedClusterHookDeps,
): HookHandler {
  const verify = verifierFor(deps.secrets);
  return answering(definition.source, deps, async (event) => {
    const request = parseHttpEvent(event);
    const name = EnvironmentName.safeParse(request.pathParameters.cluster);
    const token = presentedToken(request.headers, definition.carrier);
    if (!name.success) throw refusedToken('cluster');
    const cluster = name.data;
    const subject = clusterTokenSubject(cluster);
    const accepted = await verify(definition.source, (secrets) => hookTokenMatches(token, secrets, subject));
    if (!accepted) throw refusedToken('cluster');
    const body = readBody(request.body);
    const namespaces = definition.namespacesOf(body);
    const state = await deps.repository.getCluster(cluster);
    if (!state || state.record.status === 'DELETED') {
      throw new HookAnswer(404, 'not-found', `cluster ${cluster} does not exist`, 'HookRefused');
    }
    // The tenants' namespaces as their recorded specs declare them (one read per tenant).
    const tenants: EnvironmentRecord[] = [];
    for (const grant of Object.values(state.tenants)) {
      const tenant = await deps.repository.getEnvironment(grant.organization, grant.environment);
      if (tenant && tenant.status !== 'DELETED') tenants.push(tenant);
    }
    const route = routeClusterNamespaces(
      cluster,
      namespaces,
      tenants.map((tenant) => tenantNamespacesOfSpec(tenant.organization, tenant.environment, tenant.spec)),
    );
    if (route.kind === 'refused') {
      throw new HookAnswer(
        403,
        'forbidden',
        route.message,
        route.reason === 'unknown-namespace' ? 'UnroutedClusterEvents' : 'ClusterEventsForeign',
      );
    }
    if (route.kind === 'cluster') {
      return jsonResponse(
        202,
        await definition.handle({ organization: CLUSTER_ORGANIZATION, environment: state.record, body }),
      );
    }
    const environment = tenants.find(
      (tenant) => tenant.organization === route.organization && tenant.environment === route.environment,
    );
    if (!environment) throw new Error(`routed to ${route.organization}/${route.environment}, not a tenant`);
    const tenantBody = definition.forTenant?.(body, cluster, route.organization, route.environment) ?? body;
    return jsonResponse(
      202,
      await definition.handle({ organization: route.organization, environment, body: tenantBody }),
    );
  });
}

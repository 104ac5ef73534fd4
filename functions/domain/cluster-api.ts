/**
 * What the HTTP API accepts and shows of shared clusters: the path, the body's documentation
 * schema (the body itself is checked by validateClusterSpec, cluster.ts) and the views, generated
 * into the OpenAPI document with the other routes' schemas. zod/mini, like every schema a Lambda
 * bundle carries. Pure: schemas only.
 */
import * as z from 'zod/mini';
import { described, RunView } from './api/schemas.js';
import { ENVIRONMENT_STATUSES, TIERS } from './model.js';
import { IngressSpec } from './spec/ingress.js';
import { EnvironmentName } from './spec/names.js';

export const ClusterPath = z.strictObject({
  cluster: described(EnvironmentName, {
    description: 'Shared cluster name (DNS-1123 label)',
    example: 'shared-eu',
  }),
});

const Ratio = z.number().check(z.gte(0.1), z.lte(4));
const NodeGroup = z.object({ count: z.int(), instanceType: z.string() });

export const ClusterSpecBody = described(
  z.object({
    tier: z.enum(TIERS),
    region: z.string(),
    kubernetesVersion: z.string(),
    ciliumVersion: z.string(),
    cluster: z.object({ controlPlane: NodeGroup, workers: NodeGroup }),
    network: z.object({ vpcCidr: z.string(), podCidr: z.string(), serviceCidr: z.string() }),
    ingress: described(z.optional(IngressSpec), {
      description:
        "The cluster's ingress domain and Route 53 hosted zone: tenants' hosts are *.<organization>.<domain>",
    }),
    overcommit: described(z.optional(z.object({ cpu: Ratio, memory: Ratio })), {
      description: 'Tenants may be granted allocatable × ratio of CPU and memory (default 1)',
    }),
  }),
  {
    id: 'ClusterSpec',
    description:
      "A shared cluster: a dedicated environment's spec without namespaces and gitops, plus an optional overcommit",
  },
);

const Resources = z.object({ cpu: z.string(), memory: z.string(), pods: z.int() });

export const ClusterCapacityView = described(
  z.object({
    allocatable: described(Resources, {
      description: "The workers' allocatable resources minus the platform's workloads",
    }),
    limit: described(Resources, {
      description: 'allocatable × overcommit: what all tenants together may be granted',
    }),
    granted: described(Resources, { description: "The tenants' namespace quotas, summed" }),
    available: described(Resources, { description: 'limit − granted' }),
    overcommit: z.object({ cpu: z.number(), memory: z.number() }),
  }),
  { id: 'ClusterCapacity' },
);

export const ClusterTenantView = described(
  z.object({
    organization: z.string(),
    environment: z.string(),
    status: z.enum(ENVIRONMENT_STATUSES),
    granted: Resources,
    stale: described(z.boolean(), {
      description:
        "READY, but a PUT of its spec would run its ArgoCD part: the cluster's versions, shape or outputs changed since (re-PUT the tenant's spec to refresh it)",
    }),
  }),
  { id: 'ClusterTenant' },
);

export const ClusterView = described(
  z.object({
    cluster: z.string(),
    status: z.enum(ENVIRONMENT_STATUSES),
    spec: z.record(z.string(), z.unknown()),
    specHash: z.string(),
    activeRunId: z.optional(z.string()),
    currentRunId: z.optional(z.string()),
    currentRun: z.optional(RunView),
    capacity: described(z.optional(ClusterCapacityView), {
      description: 'Absent once the cluster is DELETED: its nodes are gone, it has nothing to grant',
    }),
    tenants: z.array(ClusterTenantView),
    tenantRuns: described(z.array(z.string()), { description: 'Tenant runs in progress on the cluster' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  { id: 'ClusterView' },
);

export type ClusterView = z.infer<typeof ClusterView>;
export type ClusterTenantView = z.infer<typeof ClusterTenantView>;
export type ClusterCapacityView = z.infer<typeof ClusterCapacityView>;

/** A shared placement's request (for the document; provision checks it, cluster-placement.ts). */
export const SharedPlacementBody = described(
  z.object({
    tier: z.enum(TIERS),
    sharedCluster: described(z.string(), {
      description: 'A registered, READY shared cluster',
      example: 'shared-eu',
    }),
    namespaces: z.array(z.unknown()),
    gitops: z.object({ repository: z.string(), branch: z.string(), path: z.string() }),
  }),
  {
    id: 'SharedPlacement',
    description:
      'An environment on a shared cluster: `sharedCluster` replaces region, versions, cluster and network (namespaces and gitops as in EnvironmentSpec)',
  },
);

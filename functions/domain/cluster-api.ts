/**
 * What the HTTP API accepts and shows of shared clusters: the path, the body's documentation
 * schema (the body itself is checked by validateClusterSpec, cluster.ts) and the views, generated
 * into the OpenAPI document with the other routes' schemas. Pure: schemas and mapping only.
 */
import * as z from 'zod';
import { EnvironmentView, RunView } from './api/schemas.js';
import { ENVIRONMENT_STATUSES } from './model.js';
import { EnvironmentName } from './spec/names.js';

export const ClusterPath = z.strictObject({
  cluster: EnvironmentName.meta({
    description: 'Shared cluster name (DNS-1123 label)',
    example: 'shared-eu',
  }),
});

const Ratio = z.number().min(0.1).max(4);

export const ClusterSpecBody = z
  .object({
    tier: z.enum(['dev', 'staging', 'prod']),
    region: z.string(),
    kubernetesVersion: z.string(),
    ciliumVersion: z.string(),
    cluster: z.object({
      controlPlane: z.object({ count: z.number().int(), instanceType: z.string() }),
      workers: z.object({ count: z.number().int(), instanceType: z.string() }),
    }),
    network: z.object({ vpcCidr: z.string(), podCidr: z.string(), serviceCidr: z.string() }),
    overcommit: z
      .object({ cpu: Ratio, memory: Ratio })
      .optional()
      .meta({ description: 'Tenants may be granted allocatable × ratio of CPU and memory (default 1)' }),
  })
  .meta({
    id: 'ClusterSpec',
    description:
      "A shared cluster: a dedicated environment's spec without namespaces and gitops, plus an optional overcommit",
  });

const Resources = z.object({ cpu: z.string(), memory: z.string(), pods: z.number().int() });

export const ClusterCapacityView = z
  .object({
    allocatable: Resources.meta({
      description: "The workers' allocatable resources minus the platform's workloads",
    }),
    limit: Resources.meta({
      description: 'allocatable × overcommit: what all tenants together may be granted',
    }),
    granted: Resources.meta({ description: "The tenants' namespace quotas, summed" }),
    available: Resources.meta({ description: 'limit − granted' }),
    overcommit: z.object({ cpu: z.number(), memory: z.number() }),
  })
  .meta({ id: 'ClusterCapacity' });

export const ClusterTenantView = z
  .object({
    organization: z.string(),
    environment: z.string(),
    status: z.enum(ENVIRONMENT_STATUSES),
    granted: Resources,
  })
  .meta({ id: 'ClusterTenant' });

export const ClusterView = z
  .object({
    cluster: z.string(),
    status: EnvironmentView.shape.status,
    spec: z.record(z.string(), z.unknown()),
    specHash: z.string(),
    activeRunId: z.string().optional(),
    currentRunId: z.string().optional(),
    currentRun: RunView.optional(),
    capacity: ClusterCapacityView,
    tenants: z.array(ClusterTenantView),
    tenantRuns: z.array(z.string()).meta({ description: 'Tenant runs in progress on the cluster' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ClusterView' });

export type ClusterView = z.infer<typeof ClusterView>;
export type ClusterTenantView = z.infer<typeof ClusterTenantView>;
export type ClusterCapacityView = z.infer<typeof ClusterCapacityView>;

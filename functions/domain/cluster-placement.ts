/**
 * Shared placement: an environment whose spec names a registered shared cluster
 * (`"sharedCluster": "<name>"`) instead of its own region, versions, cluster shape and network. Its
 * namespaces become tenants of that cluster. Pure: no I/O.
 *
 * The spec recorded for such an environment is its request resolved against the cluster: the
 * cluster's region, versions, shape and network copied in beside `sharedCluster`, so the phases (and
 * the tenant renderer, and the one environment validator) see a complete spec, and a cluster
 * upgrade shows as a changed spec of each tenant. Terraform and Ansible never run for a tenant:
 * they are the cluster's, SKIPPED "shared cluster" with the outputs of the cluster's last success
 * at them handed on.
 */
import * as z from 'zod/mini';
import type { ClusterSpec } from './cluster.js';
import { type EnvironmentSpec, type SpecContext, validateEnvironmentSpec } from './environment-spec.js';
import type { PhaseName } from './model.js';
import type { PhaseSuccesses } from './phase-plan.js';
import { fromZodIssues, issue, type Validation } from './spec/issues.js';

export const SHARED_CLUSTER_REASON = 'shared cluster';

/** The phases a tenant never runs, with why (the phase plan's `notApplicable`). */
export const TENANT_NOT_APPLICABLE: Readonly<Partial<Record<PhaseName, string>>> = {
  terraform: SHARED_CLUSTER_REASON,
  ansible: SHARED_CLUSTER_REASON,
};

/** The phases whose successes a tenant takes over from its cluster. */
export const CLUSTER_PHASES = ['terraform', 'ansible'] as const satisfies readonly PhaseName[];

const ClusterName = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(63, 'must be at most 63 characters'),
    z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a cluster name (a DNS-1123 label)'),
  );

/** What a shared placement's request holds; namespaces and gitops get the environment rules. */
const SharedPlacement = z.strictObject({
  tier: z.unknown(),
  sharedCluster: ClusterName,
  namespaces: z.unknown(),
  gitops: z.unknown(),
});

export interface SharedRequest {
  readonly sharedCluster: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** The recorded spec of a tenant: the resolved environment spec plus its cluster's name. */
export type TenantSpec = EnvironmentSpec & { readonly sharedCluster: string };

/** Whether a request (or a recorded spec) places the environment on a shared cluster. */
export function isSharedPlacement(input: unknown): boolean {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'sharedCluster' in input;
}

/** The cluster a recorded spec is placed on, if it is a tenant's. */
export function sharedClusterOf(spec: Readonly<Record<string, unknown>>): string | undefined {
  return typeof spec.sharedCluster === 'string' ? spec.sharedCluster : undefined;
}

/** First stage: the request's own shape (which cluster, and no dedicated field). */
export function parseSharedRequest(input: unknown): Validation<SharedRequest> {
  const parsed = SharedPlacement.safeParse(input);
  if (!parsed.success) {
    const issues = fromZodIssues(parsed.error.issues).map((found) =>
      /^(region|kubernetesVersion|ciliumVersion|cluster|network|ingress|logs)$/.test(found.field)
        ? issue(found.field, 'is the shared cluster\'s: a spec with "sharedCluster" does not set it')
        : found,
    );
    return { ok: false, issues };
  }
  return { ok: true, spec: { sharedCluster: parsed.data.sharedCluster, body: parsed.data } };
}

/**
 * Second stage: the request resolved against its cluster's spec, checked by the environment
 * validator. An issue of a field the cluster provides (a prod tenant on a cluster without a highly
 * available control plane, say) is reported on `sharedCluster`.
 */
export function resolveSharedSpec(
  request: SharedRequest,
  cluster: ClusterSpec,
  context: SpecContext,
): Validation<TenantSpec> {
  const { sharedCluster: _name, ...own } = request.body;
  const resolved = {
    tier: own.tier,
    region: cluster.region,
    kubernetesVersion: cluster.kubernetesVersion,
    ciliumVersion: cluster.ciliumVersion,
    cluster: cluster.cluster,
    network: cluster.network,
    ...(cluster.ingress ? { ingress: cluster.ingress } : {}),
    namespaces: own.namespaces,
    gitops: own.gitops,
    // The cluster's Fluent Bit creates the tenant's log group with the cluster's retention.
    ...(cluster.logs === undefined ? {} : { logs: cluster.logs }),
  };
  const checked = validateEnvironmentSpec(resolved, context);
  if (!checked.ok) {
    const issues = checked.issues.map((found) =>
      /^(tier|namespaces|gitops|environment|organization)(\.|$)/.test(found.field)
        ? found
        : issue(
            'sharedCluster',
            `cluster ${request.sharedCluster} cannot host this environment: ${found.message}`,
          ),
    );
    return { ok: false, issues };
  }
  return { ok: true, spec: { ...checked.spec, sharedCluster: request.sharedCluster } };
}

/** The recorded spec without `sharedCluster`: what the environment validator and renderer read. */
export function withoutPlacement(spec: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { sharedCluster: _name, ...rest } = spec;
  return rest;
}

/**
 * The successes a tenant's plan sees: its own ArgoCD success, and the cluster's Terraform and
 * Ansible successes in place of its own (so those phases hand on the cluster's outputs).
 */
export function tenantSuccesses(tenant: PhaseSuccesses, cluster: PhaseSuccesses): PhaseSuccesses {
  const merged: Partial<Record<PhaseName, PhaseSuccesses[PhaseName]>> = { ...tenant };
  for (const phase of CLUSTER_PHASES) {
    const success = cluster[phase];
    if (success) merged[phase] = success;
    else delete merged[phase];
  }
  return merged;
}

/** The key of a tenant in its cluster's tenant index. */
export function tenantKey(organization: string, environment: string): string {
  return `${organization}/${environment}`;
}

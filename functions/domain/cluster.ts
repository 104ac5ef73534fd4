/**
 * A shared cluster: a platform-owned cluster that several organizations' environments use as
 * tenants. Its spec is a dedicated environment's spec without `namespaces` and `gitops` (it has no
 * tenant of its own), plus an optional overcommit ratio for the tenants' CPU and memory quotas.
 *
 * A cluster is recorded, locked and provisioned as the environment `<name>` of the reserved
 * organization `cluster`: its runs, lock, phase plan, alerts and teardown are an environment's, its
 * hook token derives from `cluster/<name>` exactly like an environment's from `<org>/<env>`, and
 * its resources are named `cluster-<name>`. No organization may be called `cluster` (see
 * {@link isReservedOrganization}), so neither the state nor the tokens can collide.
 */
import * as z from 'zod/mini';
import { clusterAllocatable, INSTANCE_SHAPES, type Overcommit } from './cluster-capacity.js';
import { type EnvironmentSpec, validateEnvironmentSpec } from './environment-spec.js';
import { fromZodIssues, issue, type SpecIssue, type Validation } from './spec/issues.js';

/** The organization under which shared clusters are recorded. */
export const CLUSTER_ORGANIZATION = 'cluster';

export function isReservedOrganization(name: string): boolean {
  return name === CLUSTER_ORGANIZATION;
}

export const MAX_OVERCOMMIT = 4;
const Ratio = z
  .number()
  .check(
    z.gte(0.1, 'must be at least 0.1'),
    z.lte(MAX_OVERCOMMIT, `must be at most ${MAX_OVERCOMMIT} (quotas of ${MAX_OVERCOMMIT}× the nodes)`),
  );

/** The shape of the document; the dedicated fields are checked by the environment validator. */
const ClusterDocument = z.strictObject({
  tier: z.unknown(),
  region: z.unknown(),
  kubernetesVersion: z.unknown(),
  ciliumVersion: z.unknown(),
  cluster: z.unknown(),
  network: z.unknown(),
  // The ingress domain of the cluster: its tenants' hosts are *.<organization>.<domain>.
  ingress: z.optional(z.unknown()),
  // The cluster's log retention, for its own groups and every tenant's (its Fluent Bit creates them).
  logs: z.optional(z.unknown()),
  overcommit: z.optional(z.strictObject({ cpu: Ratio, memory: Ratio })),
});

/** A validated cluster spec: the dedicated fields of an environment spec and the overcommit. */
export type ClusterSpec = Omit<EnvironmentSpec, 'namespaces' | 'gitops'> & {
  readonly overcommit?: Overcommit;
};

export const DEFAULT_OVERCOMMIT: Overcommit = { cpu: 1, memory: 1 };

export function overcommitOf(spec: ClusterSpec): Overcommit {
  return spec.overcommit ?? DEFAULT_OVERCOMMIT;
}

// The environment validator wants namespaces and gitops; these stand-ins satisfy it and their
// issues (there are none) are dropped, so the dedicated fields get exactly the environment rules.
const STAND_IN = {
  namespaces: [{ name: 'x', quota: { cpu: '1', memory: '1Gi', pods: 1 } }],
  gitops: { repository: 'https://example.invalid/x.git', branch: 'main', path: 'x' },
};

/**
 * Validates a cluster spec; `name` is the cluster's name. Every issue names its field; the
 * workers' instance type must be one whose capacity is known (cluster-capacity.ts).
 */
export function validateClusterSpec(input: unknown, name: string): Validation<ClusterSpec> {
  const parsed = ClusterDocument.safeParse(input);
  if (!parsed.success) return { ok: false, issues: fromZodIssues(parsed.error.issues) };
  const { overcommit, ...dedicated } = parsed.data;
  const checked = validateEnvironmentSpec(
    { ...dedicated, ...STAND_IN },
    { organization: CLUSTER_ORGANIZATION, environment: name },
  );
  if (!checked.ok) {
    // `environment` is the cluster's name here.
    const issues = checked.issues.map((found) =>
      found.field === 'environment' ? issue('cluster', found.message.replace(/^environment: /, '')) : found,
    );
    return { ok: false, issues };
  }
  const { namespaces: _namespaces, gitops: _gitops, ...spec } = checked.spec;
  const issues: SpecIssue[] = [];
  if (!clusterAllocatable(spec.cluster)) {
    issues.push(
      issue(
        'cluster.workers.instanceType',
        `the capacity of '${spec.cluster.workers.instanceType}' is not known to Slipway; a shared cluster's workers use one of ${Object.keys(INSTANCE_SHAPES).join(', ')}`,
      ),
    );
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, spec: overcommit ? { ...spec, overcommit } : spec };
}

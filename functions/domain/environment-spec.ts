/**
 * The environment spec: what an organization asks Slipway to provision, and the ONE validator that
 * the HTTP API, the run starter and the tenant renderer all use, so a spec accepted at the edge is
 * exactly a spec the phases can build. Every issue names its field by dotted path.
 */
import * as z from 'zod/mini';
import './spec/locale.js';
import { TIERS } from './model.js';
import { CLUSTER_NAME_MAX, clusterName, INSTANCE_TYPE, VPC_PREFIX_MAX, VPC_PREFIX_MIN } from './spec/aws.js';
import { cidrsOverlap, type Ipv4Cidr, parseIpv4Cidr } from './spec/cidr.js';
import { IngressSpec, NamespaceObservability } from './spec/ingress.js';
import {
  fieldOf,
  fromZodIssues,
  issue,
  type SpecIssue,
  stringExpected,
  type Validation,
} from './spec/issues.js';
import { Logs } from './spec/logs.js';
import {
  DNS1123_LABEL_MAX,
  EnvironmentName,
  NamespaceName,
  OrganizationName,
  tenantNamespace,
} from './spec/names.js';
import { ResourceQuota } from './spec/quota.js';
import {
  CILIUM_VERSIONS,
  isSupportedCombination,
  KUBERNETES_VERSIONS,
  SUPPORTED_COMBINATIONS,
} from './spec/versions.js';

export { CLUSTER_NAME_MAX, clusterName, INSTANCE_TYPE, VPC_PREFIX_MAX, VPC_PREFIX_MIN } from './spec/aws.js';
export { formatIpv4, parseIpv4Cidr } from './spec/cidr.js';
export {
  DEFAULT_HTTP_PORTS,
  IngressSpec,
  l7HttpPorts,
  NamespaceObservability,
  organizationHostSuffix,
} from './spec/ingress.js';
export type { SpecIssue, Validation } from './spec/issues.js';
export { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_DAYS, Logs, logRetentionDays } from './spec/logs.js';
export {
  DNS1123_LABEL,
  EnvironmentName,
  isDns1123Label,
  NamespaceName,
  OrganizationName,
  tenantNamespace,
} from './spec/names.js';
export {
  formatCpu,
  formatMemory,
  parseCpuMillicores,
  parseMemoryBytes,
  parseQuantity,
} from './spec/quantities.js';
export {
  CpuQuantity,
  checkOrganizationQuota,
  MemoryQuantity,
  PodCount,
  type QuotaCheck,
  type QuotaTotals,
  ResourceQuota,
  sumNamespaceQuotas,
} from './spec/quota.js';
export { CILIUM_VERSIONS, KUBERNETES_VERSIONS, SUPPORTED_COMBINATIONS } from './spec/versions.js';

/** Cilium's cluster-pool IPAM hands each node a /24 of the pod CIDR by default. */
export const POD_CIDR_NODE_MASK = 24;

/** Address space a cluster may use: RFC 1918 and the shared (CGNAT) range, never public addresses. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((text) => {
  const cidr = parseIpv4Cidr(text);
  if (typeof cidr === 'string') throw new Error(cidr);
  return cidr;
});

function isPrivate(cidr: Ipv4Cidr): boolean {
  return PRIVATE_RANGES.some(
    (range) => cidr.network >= range.network && cidr.network + cidr.size <= range.network + range.size,
  );
}

function cidr(what: string, minPrefix: number, maxPrefix: number) {
  return z.string({ error: 'must be an IPv4 CIDR block such as "10.20.0.0/16"' }).check(
    z.superRefine((value, ctx) => {
      const parsed = parseIpv4Cidr(value);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
      } else if (parsed.prefix < minPrefix || parsed.prefix > maxPrefix) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} '${value}' must have a prefix length between /${minPrefix} and /${maxPrefix}`,
        });
      } else if (!isPrivate(parsed)) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} '${value}' must be a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)`,
        });
      }
    }),
  );
}

function parsedOrUndefined(value: string): Ipv4Cidr | undefined {
  const parsed = parseIpv4Cidr(value);
  return typeof parsed === 'string' ? undefined : parsed;
}

export const Network = z
  .strictObject({
    // AWS allows VPCs from /16 to /28, but Terraform's vpc module splits the VPC into a private
    // and a public subnet per zone and takes /16 to /24 only.
    vpcCidr: cidr('the VPC CIDR', VPC_PREFIX_MIN, VPC_PREFIX_MAX),
    podCidr: cidr('the pod CIDR', 8, POD_CIDR_NODE_MASK),
    // kube-apiserver refuses a service range larger than /12 (2^20 addresses).
    serviceCidr: cidr('the service CIDR', 12, 28),
  })
  .check(
    z.superRefine((network, ctx) => {
      // Pods, services and the VPC must be disjoint, or traffic is routed to the wrong place.
      const ranges = {
        vpcCidr: parsedOrUndefined(network.vpcCidr),
        podCidr: parsedOrUndefined(network.podCidr),
        serviceCidr: parsedOrUndefined(network.serviceCidr),
      };
      const pairs = [
        ['podCidr', 'vpcCidr'],
        ['serviceCidr', 'vpcCidr'],
        ['serviceCidr', 'podCidr'],
      ] as const;
      for (const [field, other] of pairs) {
        const a = ranges[field];
        const b = ranges[other];
        if (a && b && cidrsOverlap(a, b)) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `${a.text} overlaps network.${other} (${b.text}); pod, service and VPC ranges must not overlap`,
          });
        }
      }
    }),
  );

const InstanceType = z.string().check(
  z.regex(INSTANCE_TYPE, {
    error: 'must be an EC2 instance type such as "m6i.large", "m7i-flex.large" or "m7i.metal-24xl"',
  }),
);

const NodeGroup = (min: number, max: number) =>
  z.strictObject({
    count: z
      .int({ error: 'must be an integer' })
      .check(
        z.gte(min, { error: `must be at least ${min}` }),
        z.lte(max, { error: `must be at most ${max}` }),
      ),
    instanceType: InstanceType,
  });

export const Cluster = z.strictObject({
  controlPlane: NodeGroup(1, 5).check(
    z.superRefine((group, ctx) => {
      // etcd needs an odd member count for a quorum: 1 (no HA), 3 or 5.
      if (![1, 3, 5].includes(group.count)) {
        ctx.addIssue({
          code: 'custom',
          path: ['count'],
          message: 'must be 1, 3 or 5 (an odd number, for an etcd quorum)',
        });
      }
    }),
  ),
  workers: NodeGroup(1, 100),
});

export const NamespaceSpec = z.strictObject({
  name: NamespaceName,
  quota: ResourceQuota,
  // Opt-ins such as Cilium's HTTP (L7) visibility; absent: off.
  observability: z.optional(NamespaceObservability),
});

const Namespaces = z.array(NamespaceSpec).check(
  z.minLength(1, { error: 'must list at least one namespace' }),
  z.maxLength(50, { error: 'must list at most 50 namespaces' }),
  z.superRefine((namespaces, ctx) => {
    const seen = new Map<string, number>();
    namespaces.forEach((namespace, index) => {
      const first = seen.get(namespace.name);
      if (first === undefined) {
        seen.set(namespace.name, index);
      } else {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `'${namespace.name}' is already used by namespaces.${first}.name; namespace names must be unique`,
        });
      }
    });
  }),
);

/** Git ref names (git check-ref-format, simplified): no "..", no "//", no leading "-" or "/", no ".lock". */
const GitBranch = z.string().check(
  z.minLength(1, { error: 'must not be empty' }),
  z.maxLength(255, { error: 'must be at most 255 characters' }),
  z.regex(/^(?![-/])(?!.*\.\.)(?!.*\/\/)(?!.*(?:\.lock|\/|\.)$)[A-Za-z0-9._/-]+$/, {
    error: 'must be a Git branch name such as "main" or "release/1.2"',
  }),
);

/** A path inside the repository: relative, no "." or ".." segments (it must not escape the repository). */
const RepositoryPath = z.string().check(
  z.maxLength(200, { error: 'must be at most 200 characters' }),
  z.regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, {
    error: 'must be a relative path such as "tenants/acme/prod" (no leading "/", no "." or ".." segments)',
  }),
);

const HttpsRepository = z.url({ protocol: /^https$/, error: 'must be an https:// Git repository URL' }).check(
  z.superRefine((value, ctx) => {
    // Credentials never belong in a spec: it is stored, logged and sent to the phases in clear.
    // (This refinement runs even when the URL check above failed: an unparsable value has its issue.)
    if (!URL.canParse(value)) return;
    const url = new URL(value);
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain credentials (user or password)' });
    }
  }),
);

export const Gitops = z.strictObject({
  repository: HttpsRepository,
  branch: GitBranch,
  path: RepositoryPath,
});

export const Region = z.string().check(
  z.regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/, {
    error: 'must be an AWS region such as "eu-west-1"',
  }),
);

export const EnvironmentSpec = z
  .strictObject({
    tier: z.enum(TIERS, { error: `must be one of ${TIERS.join(', ')}` }),
    region: Region,
    kubernetesVersion: z.enum(KUBERNETES_VERSIONS, {
      error: stringExpected(
        `must be a supported Kubernetes version: ${KUBERNETES_VERSIONS.join(', ')}`,
        KUBERNETES_VERSIONS,
      ),
    }),
    ciliumVersion: z.enum(CILIUM_VERSIONS, {
      error: stringExpected(
        `must be a supported Cilium version: ${CILIUM_VERSIONS.join(', ')}`,
        CILIUM_VERSIONS,
      ),
    }),
    cluster: Cluster,
    network: Network,
    namespaces: Namespaces,
    gitops: Gitops,
    // The cluster's ingress domain and hosted zone; absent: no load balancer, every Ingress refused.
    ingress: z.optional(IngressSpec),
    // Optional, so specs recorded before it keep their meaning (the default retention).
    logs: z.optional(Logs),
  })
  .check(
    z.superRefine((spec, ctx) => {
      if (!isSupportedCombination(spec.kubernetesVersion, spec.ciliumVersion)) {
        ctx.addIssue({
          code: 'custom',
          path: ['ciliumVersion'],
          message: `Cilium ${spec.ciliumVersion} is not supported with kubernetesVersion ${spec.kubernetesVersion} (Cilium ${spec.ciliumVersion} supports Kubernetes ${SUPPORTED_COMBINATIONS[spec.ciliumVersion].join(', ')})`,
        });
      }
      if (spec.tier === 'prod' && spec.cluster.controlPlane.count < 3) {
        ctx.addIssue({
          code: 'custom',
          path: ['cluster', 'controlPlane', 'count'],
          message: 'a prod environment needs a highly available control plane: 3 or 5 nodes',
        });
      }
      const pods = parsedOrUndefined(spec.network.podCidr);
      const nodes = spec.cluster.controlPlane.count + spec.cluster.workers.count;
      if (pods && pods.prefix <= POD_CIDR_NODE_MASK && 2 ** (POD_CIDR_NODE_MASK - pods.prefix) < nodes) {
        ctx.addIssue({
          code: 'custom',
          path: ['network', 'podCidr'],
          message: `${pods.text} holds ${2 ** (POD_CIDR_NODE_MASK - pods.prefix)} node ranges of /${POD_CIDR_NODE_MASK}, fewer than the ${nodes} nodes of the cluster`,
        });
      }
    }),
  );

export type EnvironmentSpec = z.infer<typeof EnvironmentSpec>;
export type NamespaceSpec = z.infer<typeof NamespaceSpec>;

/** Who the spec is for; when given, names that depend on it (the full namespace) are checked too. */
export interface SpecContext {
  readonly organization: string;
  readonly environment: string;
}

function contextIssues(spec: EnvironmentSpec, context: SpecContext): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const organization = OrganizationName.safeParse(context.organization);
  if (!organization.success) issues.push(...fromZodIssues(organization.error.issues, 'organization'));
  const environment = EnvironmentName.safeParse(context.environment);
  if (!environment.success) issues.push(...fromZodIssues(environment.error.issues, 'environment'));
  const cluster = clusterName(context.organization, context.environment);
  if (cluster.length > CLUSTER_NAME_MAX) {
    issues.push(
      issue(
        'environment',
        `the cluster name '${cluster}' is ${cluster.length} characters; <organization>-<environment> must be at most ${CLUSTER_NAME_MAX} (it prefixes the environment's IAM and EC2 resource names)`,
      ),
    );
  }
  spec.namespaces.forEach((namespace, index) => {
    const full = tenantNamespace(context.organization, context.environment, namespace.name);
    if (full.length > DNS1123_LABEL_MAX) {
      issues.push(
        issue(
          fieldOf(['namespaces', index, 'name']),
          `the namespace '${full}' is ${full.length} characters; <organization>-<environment>-<name> must be at most ${DNS1123_LABEL_MAX}`,
        ),
      );
    }
  });
  return issues;
}

/**
 * Validates an environment spec (already parsed from JSON or YAML). Never throws on bad input:
 * returns every issue found, each naming its field (`network.podCidr: ...`).
 */
export function validateEnvironmentSpec(input: unknown, context?: SpecContext): Validation<EnvironmentSpec> {
  const parsed = EnvironmentSpec.safeParse(input);
  if (!parsed.success) return { ok: false, issues: fromZodIssues(parsed.error.issues) };
  const issues = context ? contextIssues(parsed.data, context) : [];
  return issues.length === 0 ? { ok: true, spec: parsed.data } : { ok: false, issues };
}

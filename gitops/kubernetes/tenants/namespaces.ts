import { LimitRange, Namespace, ResourceQuota } from 'kubernetes-models/v1';
import type { NamespaceSpec } from '../../../functions/domain/environment-spec.js';
import {
  formatCpu,
  formatMemory,
  parseCpuMillicores,
  parseMemoryBytes,
} from '../../../functions/domain/environment-spec.js';

const MI = 1024 * 1024;

/** Defaults a container gets when it names no requests/limits: small, and never above the namespace quota. */
const DEFAULT_REQUEST = { cpuMillicores: 100, memoryBytes: 128 * MI };
const DEFAULT_LIMIT = { cpuMillicores: 500, memoryBytes: 512 * MI };

/** The Pod Security Standard every tenant namespace enforces: no privileged, hostPath or root pods. */
export const POD_SECURITY_LEVEL = 'restricted';

/**
 * Pod Security Admission labels: `restricted` enforced (pods that break it are refused), audited and
 * warned, each pinned to the cluster's Kubernetes minor (`v1.30`), so a cluster upgrade does not
 * change what is admitted until the spec's version moves. Tenants cannot relabel their namespace:
 * their AppProject allows no cluster-scoped resource and their Roles do not write namespaces.
 */
export function podSecurityLabels(kubernetesVersion: string): Record<string, string> {
  const version = `v${kubernetesVersion}`;
  return Object.fromEntries(
    (['enforce', 'audit', 'warn'] as const).flatMap((mode) => [
      [`pod-security.kubernetes.io/${mode}`, POD_SECURITY_LEVEL],
      [`pod-security.kubernetes.io/${mode}-version`, version],
    ]),
  );
}

export function namespace(
  name: string,
  labels: Record<string, string>,
  kubernetesVersion: string,
): Namespace {
  return new Namespace({
    metadata: {
      name,
      labels: { ...labels, ...podSecurityLabels(kubernetesVersion), 'kubernetes.io/metadata.name': name },
      // Namespaces first: everything else in the tenant bundle lives in them.
      annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
    },
  });
}

/**
 * Requests and limits are both capped at the namespace quota, so the quota alerts
 * (KubeQuotaAlmostFull / FullyUsed / Exceeded) fire on what the organization asked for.
 * Tenants get no LoadBalancer or NodePort services: ingress goes through the platform.
 */
export function resourceQuota(
  name: string,
  spec: NamespaceSpec,
  labels: Record<string, string>,
): ResourceQuota {
  return new ResourceQuota({
    metadata: { name: 'slipway-quota', namespace: name, labels },
    spec: {
      hard: {
        'requests.cpu': spec.quota.cpu,
        'limits.cpu': spec.quota.cpu,
        'requests.memory': spec.quota.memory,
        'limits.memory': spec.quota.memory,
        pods: String(spec.quota.pods),
        'services.loadbalancers': '0',
        'services.nodeports': '0',
      },
    },
  });
}

/** With a quota on requests and limits, pods without them are refused; the LimitRange fills them in. */
export function limitRange(name: string, spec: NamespaceSpec, labels: Record<string, string>): LimitRange {
  const cpu = parseCpuMillicores(spec.quota.cpu);
  const memory = parseMemoryBytes(spec.quota.memory);
  return new LimitRange({
    metadata: { name: 'slipway-limits', namespace: name, labels },
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: {
            cpu: formatCpu(Math.min(DEFAULT_REQUEST.cpuMillicores, cpu)),
            memory: formatMemory(Math.min(DEFAULT_REQUEST.memoryBytes, memory)),
          },
          default: {
            cpu: formatCpu(Math.min(DEFAULT_LIMIT.cpuMillicores, cpu)),
            memory: formatMemory(Math.min(DEFAULT_LIMIT.memoryBytes, memory)),
          },
          max: { cpu: formatCpu(cpu), memory: formatMemory(memory) },
        },
      ],
    },
  });
}

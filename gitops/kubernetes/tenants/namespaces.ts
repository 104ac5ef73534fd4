import { LimitRange, Namespace, ResourceQuota } from 'kubernetes-models/v1';
import type { NamespaceSpec } from '../../../functions/domain/environment-spec.js';
import {
  formatCpu,
  formatMemory,
  parseCpuMillicores,
  parseMemoryBytes,
} from '../../../functions/domain/environment-spec.js';

const MI = 1024 * 1024;

/** Defaults a container gets when it names no requests/limits, before the per-pod share caps them. */
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
 * Requests and limits of CPU and memory are both capped at the namespace quota, so the quota alerts
 * (KubeQuotaAlmostFull / FullyUsed / Exceeded) fire on what the organization asked for. Storage is
 * capped too: the sum of the PersistentVolumeClaims' requests and their number (zero unless the spec
 * asks for storage: EBS volumes cost money and outlive pods). Tenants get no LoadBalancer or
 * NodePort services: ingress goes through the platform.
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
        'requests.storage': spec.quota.storage ?? '0',
        persistentvolumeclaims: String(spec.quota.persistentVolumeClaims ?? 0),
        'services.loadbalancers': '0',
        'services.nodeports': '0',
      },
    },
  });
}

/**
 * A namespace's fair share per pod: its quota divided by its pod count, rounded down (to the
 * millicore, and to the MiB when it is at least one), never below 1m CPU or 1 byte.
 */
export function perPodShare(spec: NamespaceSpec): { cpuMillicores: number; memoryBytes: number } {
  const cpu = Math.floor(parseCpuMillicores(spec.quota.cpu) / spec.quota.pods);
  const memory = Math.floor(parseMemoryBytes(spec.quota.memory) / spec.quota.pods);
  return {
    cpuMillicores: Math.max(1, cpu),
    memoryBytes: Math.max(1, memory >= MI ? Math.floor(memory / MI) * MI : memory),
  };
}

/**
 * With a quota on requests and limits, pods without them are refused; the LimitRange fills them in.
 * The defaults are derived from the quota so that the namespace holds as many default pods as its
 * pod quota says: default request = min(share, 100m / 128Mi), default limit = min(share, 500m /
 * 512Mi), share = quota / pods. A "4 CPU / 40 pods" namespace gets 100m limits and fits 40 default
 * pods (fixed 500m limits fitted 8; each container of a pod gets the defaults). Limits stay in the quota (rather than a quota on requests
 * only): memory is not compressible, and limits above the quota would overcommit the nodes the
 * organization's quota was sized against. A container that needs more names its own limits, up to
 * `max` (the whole quota).
 */
export function limitRange(name: string, spec: NamespaceSpec, labels: Record<string, string>): LimitRange {
  const cpu = parseCpuMillicores(spec.quota.cpu);
  const memory = parseMemoryBytes(spec.quota.memory);
  const share = perPodShare(spec);
  return new LimitRange({
    metadata: { name: 'slipway-limits', namespace: name, labels },
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: {
            cpu: formatCpu(Math.min(DEFAULT_REQUEST.cpuMillicores, share.cpuMillicores)),
            memory: formatMemory(Math.min(DEFAULT_REQUEST.memoryBytes, share.memoryBytes)),
          },
          default: {
            cpu: formatCpu(Math.min(DEFAULT_LIMIT.cpuMillicores, share.cpuMillicores)),
            memory: formatMemory(Math.min(DEFAULT_LIMIT.memoryBytes, share.memoryBytes)),
          },
          max: { cpu: formatCpu(cpu), memory: formatMemory(memory) },
        },
      ],
    },
  });
}

/**
 * What a shared cluster can give its tenants: the allocatable capacity of its worker nodes (from the
 * instance type, minus what the node keeps for itself), minus what the platform's own workloads on
 * the cluster take, times the cluster's overcommit ratio (CPU and memory; pods are never
 * overcommitted). Control-plane nodes carry the control-plane taint, so they count for nothing.
 * Pure: no I/O.
 *
 * Per worker node — the figures every node's kubelet is configured with, read from the same file
 * the ansible phase writes each node's kubeadm patch from
 * (gitops/ansible/roles/k8s-common/vars/kubelet-reservations.json), so the kubelet reserves what
 * this check subtracts:
 * - pods: `maxPods`, 110 (Cilium's cluster-pool IPAM gives each node a /24, 254 addresses, so the
 *   kubelet's limit is the binding one);
 * - kube-reserved CPU (EKS's formula): 6% of the first core, 1% of the second, 0.5% of the third
 *   and fourth, 0.25% of every core above four; system-reserved CPU: 100m;
 * - kube-reserved memory: 255 MiB + 11 MiB per pod the node may run (110 → 1465 MiB);
 *   system-reserved memory: 100 MiB; hard eviction threshold (`memory.available`): 100 MiB.
 * Platform workloads, once per cluster (Argo CD, kube-prometheus-stack, the Cilium operator and
 * Hubble relay, the EBS CSI controller): 2 CPU, 4 GiB, 40 pods.
 */
import RESERVATIONS from '../../gitops/ansible/roles/k8s-common/vars/kubelet-reservations.json' with {
  type: 'json',
};
import { formatCpuAlike, formatMemoryAlike, parseMemoryBytes } from './spec/quantities.js';
import type { QuotaTotals } from './spec/quota.js';

const MI = 1024 ** 2;
const GI = 1024 ** 3;

export interface InstanceShape {
  readonly vcpu: number;
  readonly memoryGiB: number;
}

/** The instance types a shared cluster's workers may use: their capacity is known here. */
export const INSTANCE_SHAPES: Readonly<Record<string, InstanceShape>> = {
  't3.medium': { vcpu: 2, memoryGiB: 4 },
  't3.large': { vcpu: 2, memoryGiB: 8 },
  't3.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm6i.large': { vcpu: 2, memoryGiB: 8 },
  'm6i.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm6i.2xlarge': { vcpu: 8, memoryGiB: 32 },
  'm6i.4xlarge': { vcpu: 16, memoryGiB: 64 },
  'm7i.large': { vcpu: 2, memoryGiB: 8 },
  'm7i.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm7i.2xlarge': { vcpu: 8, memoryGiB: 32 },
  'm7i.4xlarge': { vcpu: 16, memoryGiB: 64 },
  'm7i-flex.large': { vcpu: 2, memoryGiB: 8 },
  'm7i-flex.xlarge': { vcpu: 4, memoryGiB: 16 },
  'c6i.large': { vcpu: 2, memoryGiB: 4 },
  'c6i.xlarge': { vcpu: 4, memoryGiB: 8 },
  'c6i.2xlarge': { vcpu: 8, memoryGiB: 16 },
  'r6i.large': { vcpu: 2, memoryGiB: 16 },
  'r6i.xlarge': { vcpu: 4, memoryGiB: 32 },
  'r6i.2xlarge': { vcpu: 8, memoryGiB: 64 },
};

export const NODE_MAX_PODS: number = RESERVATIONS.maxPods;
export const SYSTEM_RESERVED = {
  cpuMillicores: RESERVATIONS.systemReserved.cpuMillicores,
  memoryBytes: RESERVATIONS.systemReserved.memoryMiB * MI,
} as const;
export const EVICTION_MEMORY_BYTES = parseMemoryBytes(RESERVATIONS.evictionHard['memory.available']);
export const PLATFORM_WORKLOADS: QuotaTotals = { cpuMillicores: 2000, memoryBytes: 4 * GI, pods: 40 };

/** kube-reserved CPU in millicores for a node of `vcpu` cores (EKS's formula; `cores: null` is every core left). */
export function kubeReservedCpu(vcpu: number): number {
  let left = vcpu;
  let reserved = 0;
  for (const tier of RESERVATIONS.kubeReservedCpuTiers) {
    const taken = Math.min(left, tier.cores ?? left);
    reserved += taken * tier.millicoresPerCore;
    left -= taken;
    if (left <= 0) break;
  }
  return Math.round(reserved);
}

/** kube-reserved memory in bytes for a node that may run `maxPods` pods (EKS's formula). */
export function kubeReservedMemory(maxPods: number): number {
  return (RESERVATIONS.kubeReservedMemoryMiB.base + RESERVATIONS.kubeReservedMemoryMiB.perPod * maxPods) * MI;
}

/** What one worker node of this shape offers pods. */
export function nodeAllocatable(shape: InstanceShape): QuotaTotals {
  return {
    cpuMillicores: shape.vcpu * 1000 - kubeReservedCpu(shape.vcpu) - SYSTEM_RESERVED.cpuMillicores,
    memoryBytes:
      shape.memoryGiB * GI -
      kubeReservedMemory(NODE_MAX_PODS) -
      SYSTEM_RESERVED.memoryBytes -
      EVICTION_MEMORY_BYTES,
    pods: NODE_MAX_PODS,
  };
}

export interface Overcommit {
  readonly cpu: number;
  readonly memory: number;
}

export interface ClusterShape {
  readonly workers: { readonly count: number; readonly instanceType: string };
}

/** The cluster's allocatable capacity for tenants (before overcommit), or undefined for an unknown type. */
export function clusterAllocatable(shape: ClusterShape): QuotaTotals | undefined {
  const instance = INSTANCE_SHAPES[shape.workers.instanceType];
  if (!instance) return undefined;
  const node = nodeAllocatable(instance);
  const floor = (value: number) => Math.max(0, value);
  return {
    cpuMillicores: floor(node.cpuMillicores * shape.workers.count - PLATFORM_WORKLOADS.cpuMillicores),
    memoryBytes: floor(node.memoryBytes * shape.workers.count - PLATFORM_WORKLOADS.memoryBytes),
    pods: floor(node.pods * shape.workers.count - PLATFORM_WORKLOADS.pods),
  };
}

/** What the tenants' quotas may add up to: allocatable × overcommit (pods never overcommitted). */
export function grantable(allocatable: QuotaTotals, overcommit: Overcommit): QuotaTotals {
  return {
    cpuMillicores: Math.floor(allocatable.cpuMillicores * overcommit.cpu),
    memoryBytes: Math.floor(allocatable.memoryBytes * overcommit.memory),
    pods: allocatable.pods,
  };
}

export function addTotals(a: QuotaTotals, b: QuotaTotals): QuotaTotals {
  return {
    cpuMillicores: a.cpuMillicores + b.cpuMillicores,
    memoryBytes: a.memoryBytes + b.memoryBytes,
    pods: a.pods + b.pods,
  };
}

export const ZERO_TOTALS: QuotaTotals = { cpuMillicores: 0, memoryBytes: 0, pods: 0 };

export interface CapacityShortfall {
  readonly resource: 'cpu' | 'memory' | 'pods';
  /** What is asked (a tenant's quotas, or the tenants' total for a shrinking shape). */
  readonly requested: string | number;
  /** What the cluster has left for it. */
  readonly available: string | number;
}

/**
 * The resources for which `requested`, added to `granted`, exceeds `limit`, with the amounts in
 * Kubernetes quantities (cpu, memory; the two amounts of one resource in the same unit, so they
 * read side by side) and counts (pods).
 */
export function capacityShortfalls(
  requested: QuotaTotals,
  granted: QuotaTotals,
  limit: QuotaTotals,
): CapacityShortfall[] {
  const left = (total: number, used: number) => Math.max(0, total - used);
  const shortfalls: CapacityShortfall[] = [];
  if (granted.cpuMillicores + requested.cpuMillicores > limit.cpuMillicores) {
    const [asked = '', free = ''] = formatCpuAlike([
      requested.cpuMillicores,
      left(limit.cpuMillicores, granted.cpuMillicores),
    ]);
    shortfalls.push({ resource: 'cpu', requested: asked, available: free });
  }
  if (granted.memoryBytes + requested.memoryBytes > limit.memoryBytes) {
    const [asked = '', free = ''] = formatMemoryAlike([
      requested.memoryBytes,
      left(limit.memoryBytes, granted.memoryBytes),
    ]);
    shortfalls.push({ resource: 'memory', requested: asked, available: free });
  }
  if (granted.pods + requested.pods > limit.pods) {
    shortfalls.push({
      resource: 'pods',
      requested: requested.pods,
      available: left(limit.pods, granted.pods),
    });
  }
  return shortfalls;
}

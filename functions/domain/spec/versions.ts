/**
 * The Kubernetes and Cilium versions Slipway provisions, and which pairs are supported together.
 * The matrix follows Cilium's own compatibility pages: a Kubernetes minor is allowed with a Cilium
 * minor only when that Cilium release is e2e tested against it.
 */

export const KUBERNETES_VERSIONS = ['1.29', '1.30', '1.31', '1.32'] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

export const CILIUM_VERSIONS = ['1.15', '1.16', '1.17'] as const;
export type CiliumVersion = (typeof CILIUM_VERSIONS)[number];

/** Cilium minor → Kubernetes minors it is tested with (restricted to KUBERNETES_VERSIONS). */
export const SUPPORTED_COMBINATIONS: Readonly<Record<CiliumVersion, readonly KubernetesVersion[]>> = {
  '1.15': ['1.29'],
  '1.16': ['1.29', '1.30'],
  '1.17': ['1.29', '1.30', '1.31', '1.32'],
};

export function isSupportedCombination(kubernetes: KubernetesVersion, cilium: CiliumVersion): boolean {
  return SUPPORTED_COMBINATIONS[cilium].includes(kubernetes);
}

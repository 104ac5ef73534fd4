/**
 * The platform's namespaces, in every cluster Slipway builds (a dedicated environment's or a shared
 * one): where Argo CD, the monitoring stack, External Secrets and the node plumbing (Cilium, CoreDNS,
 * the EBS CSI driver, all in kube-system) run. One list, read by the event routing of both hooks
 * (cluster-event.ts for an environment's, cluster-hooks.ts for a shared cluster's): an event about
 * one of these is the cluster's own, never a tenant's. No tenant namespace can take one of these
 * names — a tenant namespace is always `<org>-<env>-<name>` — and a test keeps the list equal to the
 * destination namespaces of the platform's Applications (gitops/kubernetes/<add-on>/application.yaml
 * and the bootstrap's), so an add-on in a new namespace must be added here.
 */

export const PLATFORM_NAMESPACE = {
  argocd: 'argocd',
  monitoring: 'monitoring',
  externalSecrets: 'external-secrets',
  logging: 'logging',
  kubeSystem: 'kube-system',
} as const;

export const PLATFORM_NAMESPACES: readonly string[] = Object.values(PLATFORM_NAMESPACE);

export function isPlatformNamespace(namespace: string): boolean {
  return PLATFORM_NAMESPACES.includes(namespace);
}

import { CiliumNetworkPolicy } from '@kubernetes-models/cilium/cilium.io/v2';

/** Cilium's label for the namespace of an endpoint; `k8s:` scopes it to Kubernetes-derived labels. */
const POD_NAMESPACE = 'k8s:io.kubernetes.pod.namespace';

/**
 * Default deny for one namespace: selecting every pod turns on deny-by-default in both directions;
 * the only traffic allowed is to and from pods of the same namespace (an empty selector in a
 * namespaced policy means "this namespace") and DNS to kube-dns in kube-system.
 */
export function defaultDenyPolicy(namespace: string, labels: Record<string, string>): CiliumNetworkPolicy {
  return new CiliumNetworkPolicy({
    metadata: { name: 'slipway-default-deny', namespace, labels },
    spec: {
      description: `Default deny for ${namespace}: same-namespace traffic and DNS to kube-dns only`,
      endpointSelector: {},
      enableDefaultDeny: { ingress: true, egress: true },
      ingress: [{ fromEndpoints: [{}] }],
      egress: [
        { toEndpoints: [{}] },
        {
          toEndpoints: [{ matchLabels: { [POD_NAMESPACE]: 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
          toPorts: [
            {
              ports: [
                { port: '53', protocol: 'UDP' },
                { port: '53', protocol: 'TCP' },
              ],
            },
          ],
        },
      ],
    },
  });
}

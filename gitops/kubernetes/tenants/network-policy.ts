import { CiliumClusterwideNetworkPolicy, CiliumNetworkPolicy } from '@kubernetes-models/cilium/cilium.io/v2';
import { PLATFORM_NAMESPACE } from '../../../functions/domain/cluster-namespaces.js';
import { INGRESS_ENTITY } from './ingress.js';
import { ARGOCD_NAMESPACE, LABEL_ORGANIZATION } from './labels.js';

/** kube-dns and the node plumbing (functions/domain/cluster-namespaces.ts: the one platform list). */
const KUBE_SYSTEM = PLATFORM_NAMESPACE.kubeSystem;

/** Cilium's label for the namespace of an endpoint; `k8s:` scopes it to Kubernetes-derived labels. */
const POD_NAMESPACE = 'k8s:io.kubernetes.pod.namespace';

/** What a namespace's default-deny policy admits beyond its own pods, from the spec. */
export interface DefaultDenyOptions {
  /** The cluster has an ingress domain: traffic from Cilium's ingress proxy is admitted. */
  readonly fromIngress?: boolean;
  /**
   * TCP ports on which requests from the namespace's own pods (and the ingress proxy) are parsed
   * as HTTP by Cilium's proxy (namespaces[].observability.l7Http): Hubble then sees each request.
   */
  readonly httpPorts?: readonly number[];
}

/**
 * Default deny for one namespace: selecting every pod turns on deny-by-default in both directions;
 * the only traffic allowed is to and from pods of the same namespace (an empty selector in a
 * namespaced policy means "this namespace"), DNS to kube-dns in kube-system and, on a cluster with
 * an ingress domain, from Cilium's ingress proxy (the `ingress` entity), which forwards only what
 * the namespace's own Ingress objects route to its own Services.
 *
 * L7 visibility adds a rule with an empty HTTP rule (`http: [{}]`, every request allowed) on the
 * opted-in ports for the peers already allowed: Cilium then redirects those ports to its proxy,
 * which records each request (Hubble's http metrics) and allows nothing the L3 rule did not.
 */
export function defaultDenyPolicy(
  namespace: string,
  labels: Record<string, string>,
  options: DefaultDenyOptions = {},
): CiliumNetworkPolicy {
  const httpPorts = options.httpPorts ?? [];
  const peers = [
    { fromEndpoints: [{}] },
    ...(options.fromIngress ? [{ fromEntities: [INGRESS_ENTITY] }] : []),
  ];
  const l7 =
    httpPorts.length === 0
      ? []
      : peers.map((peer) => ({
          ...peer,
          toPorts: [
            {
              ports: httpPorts.map((port) => ({ port: String(port), protocol: 'TCP' as const })),
              rules: { http: [{}] },
            },
          ],
        }));
  const extras = [
    ...(options.fromIngress ? ['from the ingress proxy'] : []),
    ...(httpPorts.length > 0 ? [`HTTP visibility on ${httpPorts.join(', ')}`] : []),
  ];
  return new CiliumNetworkPolicy({
    metadata: { name: 'slipway-default-deny', namespace, labels },
    spec: {
      description: `Default deny for ${namespace}: same-namespace traffic and DNS to kube-dns only${extras.length > 0 ? `; ${extras.join('; ')}` : ''}`,
      endpointSelector: {},
      enableDefaultDeny: { ingress: true, egress: true },
      ingress: [...peers, ...l7],
      egress: [
        { toEndpoints: [{}] },
        {
          toEndpoints: [{ matchLabels: { [POD_NAMESPACE]: KUBE_SYSTEM, 'k8s:k8s-app': 'kube-dns' } }],
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

/** Cilium's label for a label of an endpoint's namespace (namespace labels are part of identity). */
const NAMESPACE_LABEL = (key: string) => `k8s:io.cilium.k8s.namespace.labels.${key}`;
const TENANT_NAMESPACE_LABEL = NAMESPACE_LABEL(LABEL_ORGANIZATION);

/** Pods of tenant namespaces: every namespace the renderer labels with an organization. */
export const TENANT_PODS = {
  matchExpressions: [{ key: TENANT_NAMESPACE_LABEL, operator: 'Exists' as const }],
};

/**
 * Pods of platform namespaces - every namespace without an organization label (argocd,
 * monitoring, kube-system, and any the platform adds later) - except kube-dns, as two selectors
 * (a selector cannot say "not (kube-system and kube-dns)"). `Exists` on the pod namespace keeps
 * reserved identities (world, host) out of them.
 */
export const PLATFORM_PODS_EXCEPT_DNS = [
  {
    matchExpressions: [
      { key: POD_NAMESPACE, operator: 'Exists' as const },
      { key: POD_NAMESPACE, operator: 'NotIn' as const, values: [KUBE_SYSTEM] },
      { key: TENANT_NAMESPACE_LABEL, operator: 'DoesNotExist' as const },
    ],
  },
  {
    matchLabels: { [POD_NAMESPACE]: KUBE_SYSTEM },
    matchExpressions: [{ key: 'k8s:k8s-app', operator: 'NotIn' as const, values: ['kube-dns'] }],
  },
];

/**
 * What no tenant pod may reach, whatever allow rules its namespace gains (a namespace admin may add
 * Kubernetes NetworkPolicies, and policies add up): Cilium's deny rules win over every allow rule.
 * The host and the other nodes are platform too (kubelet, node-exporter, etcd, scheduler and
 * controller-manager metrics), and so is the API server.
 */
export const PLATFORM_ENTITIES = ['host', 'remote-node', 'kube-apiserver'] as const;

/**
 * The EC2 instance metadata service. Nodes allow a hop limit of 2, so that the platform's pods
 * (EBS CSI controller, External Secrets) reach the node role's credentials; tenant pods must not,
 * and neither must Argo CD, whose repo-server renders tenant repositories.
 */
export const INSTANCE_METADATA_CIDR = '169.254.169.254/32';

/**
 * The platform's fence, cluster-wide and independent of any tenant namespace's own policy: tenant
 * pods are denied egress to every platform pod but kube-dns, to the platform entities and to the
 * instance metadata service (Argo CD's pods are denied the metadata service too), and
 * platform pods but kube-dns are denied ingress from tenant pods. Deny-only rules with
 * `enableDefaultDeny` off: they take nothing away from platform components (which no other policy
 * selects, so they keep reaching what they need) and change nothing else for tenants.
 */
export function platformFencePolicies(labels: Record<string, string>): CiliumClusterwideNetworkPolicy[] {
  const noDefaultDeny = { ingress: false, egress: false };
  return [
    new CiliumClusterwideNetworkPolicy({
      metadata: { name: 'slipway-tenant-egress-fence', labels },
      spec: {
        description: 'Tenant pods reach no platform pod but kube-dns, and neither nodes nor the API server',
        endpointSelector: TENANT_PODS,
        enableDefaultDeny: noDefaultDeny,
        egressDeny: [
          { toEndpoints: PLATFORM_PODS_EXCEPT_DNS },
          { toEntities: [...PLATFORM_ENTITIES] },
          { toCIDR: [INSTANCE_METADATA_CIDR] },
        ],
      },
    }),
    new CiliumClusterwideNetworkPolicy({
      metadata: { name: 'slipway-argocd-metadata-fence', labels },
      spec: {
        description:
          'Argo CD (which renders tenant repositories) never reaches the instance metadata service',
        endpointSelector: { matchLabels: { [POD_NAMESPACE]: ARGOCD_NAMESPACE } },
        enableDefaultDeny: noDefaultDeny,
        egressDeny: [{ toCIDR: [INSTANCE_METADATA_CIDR] }],
      },
    }),
    new CiliumClusterwideNetworkPolicy({
      metadata: { name: 'slipway-platform-ingress-fence', labels },
      specs: PLATFORM_PODS_EXCEPT_DNS.map((endpointSelector) => ({
        description: 'Platform pods (kube-dns aside) accept nothing from tenant pods',
        endpointSelector,
        enableDefaultDeny: noDefaultDeny,
        ingressDeny: [{ fromEndpoints: [TENANT_PODS] }],
      })),
    }),
  ];
}

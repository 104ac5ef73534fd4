/**
 * A MODEL of Cilium's deny rules between endpoints, for the cluster-wide fence policies: an
 * endpoint is its identity's label set (`k8s:io.kubernetes.pod.namespace=...`, namespace labels as
 * `k8s:io.cilium.k8s.namespace.labels.<key>=...`) or a reserved entity (host, remote-node,
 * kube-apiserver, world). Selectors follow Kubernetes label-selector semantics (matchLabels, and
 * matchExpressions In / NotIn / Exists / DoesNotExist; NotIn holds when the key is absent), and a
 * deny rule that matches wins over any allow rule, as Cilium documents. Allow rules, ports and
 * are not modelled; CIDR peers (toCIDR / fromCIDR) match an endpoint outside the cluster by its IPv4
 * address: this answers "does the fence deny A -> B", nothing more.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Selector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

export interface Endpoint {
  readonly labels: Labels;
  /** The reserved entity the endpoint is, if it is not a pod. */
  readonly entity?: string;
  /** An address outside the cluster (world), matched by CIDR rules. */
  readonly ip?: string;
}

const ipv4 = (address: string): number =>
  address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);

/** Whether the IPv4 ADDRESS lies in CIDR (a.b.c.d/n). */
export function inCidr(address: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base) / size);
}

export function selects(selector: Selector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, key);
    const value = labels[key] ?? '';
    const holds =
      operator === 'In'
        ? present && values.includes(value)
        : operator === 'NotIn'
          ? !present || !values.includes(value)
          : operator === 'Exists'
            ? present
            : operator === 'DoesNotExist'
              ? !present
              : false;
    if (!holds) return false;
  }
  return true;
}

interface Rule {
  endpointSelector?: Selector;
  egressDeny?: { toEndpoints?: Selector[]; toEntities?: string[]; toCIDR?: string[] }[];
  ingressDeny?: { fromEndpoints?: Selector[]; fromEntities?: string[]; fromCIDR?: string[] }[];
}

/** The rules of CiliumClusterwideNetworkPolicy objects (`spec` and every `specs` entry). */
export function rulesOf(policies: readonly { spec?: unknown; specs?: unknown }[]): Rule[] {
  return policies.flatMap((policy) => [
    ...(policy.spec ? [policy.spec as Rule] : []),
    ...((policy.specs as Rule[] | undefined) ?? []),
  ]);
}

const peerMatches = (
  endpoint: Endpoint,
  selectors: Selector[] = [],
  entities: string[] = [],
  cidrs: string[] = [],
) =>
  endpoint.entity !== undefined
    ? entities.includes(endpoint.entity) ||
      entities.includes('all') ||
      (endpoint.ip !== undefined && cidrs.some((cidr) => inCidr(endpoint.ip ?? '', cidr)))
    : selectors.some((selector) => selects(selector, endpoint.labels));

/** Whether some rule denies FROM -> TO, either as FROM's egress or as TO's ingress. */
export function isDenied(rules: readonly Rule[], from: Endpoint, to: Endpoint): boolean {
  const applies = (rule: Rule, endpoint: Endpoint) =>
    endpoint.entity === undefined &&
    rule.endpointSelector !== undefined &&
    selects(rule.endpointSelector, endpoint.labels);
  return rules.some(
    (rule) =>
      (applies(rule, from) &&
        (rule.egressDeny ?? []).some((deny) =>
          peerMatches(to, deny.toEndpoints, deny.toEntities, deny.toCIDR),
        )) ||
      (applies(rule, to) &&
        (rule.ingressDeny ?? []).some((deny) =>
          peerMatches(from, deny.fromEndpoints, deny.fromEntities, deny.fromCIDR),
        )),
  );
}

/** A pod's identity labels as Cilium derives them from its namespace and its own labels. */
export function podEndpoint(namespace: string, namespaceLabels: Labels, podLabels: Labels = {}): Endpoint {
  return {
    labels: {
      'k8s:io.kubernetes.pod.namespace': namespace,
      ...Object.fromEntries(
        Object.entries({ ...namespaceLabels, 'kubernetes.io/metadata.name': namespace }).map(
          ([key, value]) => [`k8s:io.cilium.k8s.namespace.labels.${key}`, value],
        ),
      ),
      ...Object.fromEntries(Object.entries(podLabels).map(([key, value]) => [`k8s:${key}`, value])),
    },
  };
}

export const entity = (name: string): Endpoint => ({ labels: { [`reserved:${name}`]: '' }, entity: name });

/** An address outside the cluster: Cilium gives it the world identity (and CIDR labels). */
export const worldAddress = (ip: string): Endpoint => ({
  labels: { 'reserved:world': '' },
  entity: 'world',
  ip,
});

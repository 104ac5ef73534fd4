/**
 * The platform's ingress path, as the tenant renderer sees it. The controller is Cilium's own
 * (Envoy in every agent, enabled by the ansible phase's Cilium values in shared load-balancer
 * mode: one listener for the whole cluster), exposed on fixed NodePorts that the cluster's one
 * network load balancer (Terraform, modules/ingress) forwards to; TLS ends at that load balancer
 * with an ACM certificate per organization, `*.<organization>.<domain>`. Tenants write plain
 * Ingress objects of class `cilium` for their own hosts (admission.ts keeps them there).
 */

/** The IngressClass Cilium's ingress controller registers, the only one tenants may name. */
export const INGRESS_CLASS = 'cilium';

/**
 * Cilium's reserved identity for traffic its ingress proxy forwards to backends: the default-deny
 * policy of a namespace on a cluster with an ingress domain admits it (network-policy.ts).
 */
export const INGRESS_ENTITY = 'ingress' as const;

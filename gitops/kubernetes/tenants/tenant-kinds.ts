/**
 * What a tenant may deploy through its GitOps repository: ONE list, read by the AppProject's
 * `namespaceResourceWhitelist` (Argo CD refuses any other kind before it applies anything) and by
 * the deployer Role the sync impersonates (the API server refuses any other kind even if Argo CD
 * let it through). Everything else in a tenant repository is refused twice.
 *
 * Left out on purpose, each because it lets a tenant undo what Slipway set up:
 * - NetworkPolicy, CiliumNetworkPolicy: policies add up, so one allow rule undoes default-deny;
 * - PrometheusRule, ServiceMonitor, PodMonitor, Probe, ScrapeConfig, AlertmanagerConfig: forged
 *   quota alerts reach Slipway with the cluster's real token, and a monitor's bearerTokenFile or
 *   authorization reads Prometheus's own service-account token;
 * - ResourceQuota, LimitRange: the guard rails themselves;
 * - Role, RoleBinding: a binding to a ClusterRole (admin, edit, cluster-admin) grants what the
 *   organization was never given (namespace admins can still write Roles with kubectl, where the
 *   API server's escalation check applies to the person, not to Argo CD);
 * - Endpoints, EndpointSlice: a Service with hand-written endpoints points at any address;
 * - DaemonSet, ReplicaSet, bare Pod: node-wide workloads are the platform's, and Deployments,
 *   StatefulSets and Jobs cover the rest;
 * - SecretStore, ClusterSecretStore (and External Secrets' generators and PushSecrets): a store
 *   names the IAM role and the prefix secrets are read from, so it is the platform's (one per
 *   tenant namespace, external-secrets.ts); the cluster-scoped kinds are not even installed;
 * - every cluster-scoped kind (the AppProject's clusterResourceWhitelist is empty).
 */
export interface TenantKind {
  /** API group ("" for the core group). */
  readonly group: string;
  readonly kind: string;
  /** The resource (plural) RBAC names the kind by. */
  readonly resource: string;
}

export const TENANT_KINDS: readonly TenantKind[] = [
  { group: '', kind: 'ConfigMap', resource: 'configmaps' },
  { group: '', kind: 'Secret', resource: 'secrets' },
  { group: '', kind: 'Service', resource: 'services' },
  { group: '', kind: 'ServiceAccount', resource: 'serviceaccounts' },
  { group: '', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims' },
  { group: 'apps', kind: 'Deployment', resource: 'deployments' },
  { group: 'apps', kind: 'StatefulSet', resource: 'statefulsets' },
  { group: 'batch', kind: 'Job', resource: 'jobs' },
  { group: 'batch', kind: 'CronJob', resource: 'cronjobs' },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers' },
  // A PDB can hold up a node drain, but only by protecting the tenant's own pods.
  { group: 'policy', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets' },
  // Secrets from Secrets Manager, through the namespace's SecretStore only (admission.ts); the
  // stores themselves (SecretStore, ClusterSecretStore) are the platform's.
  { group: 'external-secrets.io', kind: 'ExternalSecret', resource: 'externalsecrets' },
  // Routes on the cluster's load balancer, for the organization's own hosts only and with the
  // platform's class (admission.ts); certificates and issuers are the platform's (ACM, Terraform).
  { group: 'networking.k8s.io', kind: 'Ingress', resource: 'ingresses' },
];

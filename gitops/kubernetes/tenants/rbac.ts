import {
  ClusterRole,
  ClusterRoleBinding,
  type IPolicyRule,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { groups } from './labels.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** Workload resources a tenant runs, by API group. */
const WORKLOADS: readonly (readonly [string, readonly string[]])[] = [
  ['', ['pods', 'services', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts']],
  ['apps', ['deployments', 'replicasets', 'statefulsets', 'daemonsets']],
  ['batch', ['jobs', 'cronjobs']],
  ['autoscaling', ['horizontalpodautoscalers']],
  ['networking.k8s.io', ['ingresses']],
  ['policy', ['poddisruptionbudgets']],
];

/** Read-only context: what is running, and the guard rails Slipway put around it. */
const OBSERVE: readonly (readonly [string, readonly string[]])[] = [
  ['', ['pods/log', 'endpoints', 'events', 'resourcequotas', 'limitranges']],
  ['discovery.k8s.io', ['endpointslices']],
  ['networking.k8s.io', ['networkpolicies']],
  ['cilium.io', ['ciliumnetworkpolicies']],
  ['rbac.authorization.k8s.io', ['roles', 'rolebindings']],
];

function rules(
  entries: readonly (readonly [string, readonly string[]])[],
  verbs: readonly string[],
): IPolicyRule[] {
  return entries.map(([apiGroup, resources]) => ({
    apiGroups: [apiGroup],
    resources: [...resources],
    verbs: [...verbs],
  }));
}

/** Viewers read workloads and guard rails, never Secrets. */
export const VIEWER_RULES: readonly IPolicyRule[] = [...rules(WORKLOADS, READ), ...rules(OBSERVE, READ)];

/** Developers also write workloads and Secrets; quotas, limits and network policies stay read-only. */
export const DEVELOPER_RULES: readonly IPolicyRule[] = [
  ...rules(WORKLOADS, [...READ, ...WRITE]),
  { apiGroups: [''], resources: ['secrets'], verbs: [...READ, ...WRITE] },
  ...rules(OBSERVE, READ),
];

/**
 * Namespace admins also debug pods, allow extra traffic with (additive) Kubernetes NetworkPolicies
 * and delegate with Roles — RBAC's escalation check keeps them within their own permissions.
 * The quota, the limit range and the default-deny Cilium policy are Slipway's: read only.
 */
export const NAMESPACE_ADMIN_RULES: readonly IPolicyRule[] = [
  ...DEVELOPER_RULES.filter(
    (rule) => !rule.resources?.includes('networkpolicies') && !rule.resources?.includes('roles'),
  ),
  { apiGroups: [''], resources: ['pods/exec', 'pods/portforward', 'pods/attach'], verbs: ['get', 'create'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: [...READ, ...WRITE] },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['roles', 'rolebindings'],
    verbs: [...READ, ...WRITE],
  },
];

export const ROLES = {
  namespaceAdmin: 'slipway:namespace-admin',
  developer: 'slipway:developer',
  viewer: 'slipway:viewer',
} as const;

function groupSubjects(names: readonly string[]) {
  return names.map((name) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name }));
}

/** The three Roles of a tenant namespace and the bindings of the organization's groups to them. */
export function namespaceRbac(
  organization: string,
  shortName: string,
  namespace: string,
  labels: Record<string, string>,
): (Role | RoleBinding)[] {
  const role = (name: string, roleRules: readonly IPolicyRule[]) =>
    new Role({ metadata: { name, namespace, labels }, rules: [...roleRules] });
  const binding = (roleName: string, subjects: readonly string[]) =>
    new RoleBinding({
      metadata: { name: roleName, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects: groupSubjects(subjects),
    });
  return [
    role(ROLES.namespaceAdmin, NAMESPACE_ADMIN_RULES),
    role(ROLES.developer, DEVELOPER_RULES),
    role(ROLES.viewer, VIEWER_RULES),
    binding(ROLES.namespaceAdmin, [groups.namespaceAdmin(organization)]),
    binding(ROLES.developer, [groups.namespaceDeveloper(organization, shortName)]),
    // Developers read across their organization's namespaces; viewers read everywhere in it.
    binding(ROLES.viewer, [groups.developer(organization), groups.viewer(organization)]),
  ];
}

/**
 * Namespaces are cluster-scoped, so seeing one's own namespaces needs a ClusterRole, limited by
 * resourceNames to the organization's namespaces (`list` cannot be limited that way, so it is not granted).
 */
export function organizationClusterRbac(
  organization: string,
  namespaces: readonly string[],
  labels: Record<string, string>,
): (ClusterRole | ClusterRoleBinding)[] {
  const name = `slipway:${organization}:namespaces`;
  return [
    new ClusterRole({
      metadata: { name, labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['namespaces'],
          resourceNames: [...namespaces],
          verbs: ['get', 'watch'],
        },
      ],
    }),
    new ClusterRoleBinding({
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: groupSubjects([
        groups.namespaceAdmin(organization),
        groups.developer(organization),
        groups.viewer(organization),
      ]),
    }),
  ];
}

/** The platform team administers the whole cluster. */
export function platformRbac(labels: Record<string, string>): ClusterRoleBinding {
  return new ClusterRoleBinding({
    metadata: { name: 'slipway:platform-admin', labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: groupSubjects([groups.platformAdmin]),
  });
}

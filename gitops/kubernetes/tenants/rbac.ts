import {
  ClusterRole,
  ClusterRoleBinding,
  type IPolicyRule,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import { deployerServiceAccount, groups, kubernetesGroup } from './labels.js';
import { TENANT_KINDS } from './tenant-kinds.js';

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
  ['external-secrets.io', ['externalsecrets']],
];

/** Read-only context: what is running, and the guard rails Slipway put around it. */
const OBSERVE: readonly (readonly [string, readonly string[]])[] = [
  ['', ['pods/log', 'endpoints', 'events', 'resourcequotas', 'limitranges']],
  ['discovery.k8s.io', ['endpointslices']],
  ['networking.k8s.io', ['networkpolicies']],
  ['cilium.io', ['ciliumnetworkpolicies']],
  ['rbac.authorization.k8s.io', ['roles', 'rolebindings']],
  ['external-secrets.io', ['secretstores']],
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

/**
 * What Argo CD may do in a tenant namespace when it syncs as the organization's deployer: exactly
 * the kinds of the AppProject's allow-list (tenant-kinds.ts), by resource and API group.
 */
export const DEPLOYER_RULES: readonly IPolicyRule[] = [
  ...new Set(TENANT_KINDS.map((kind) => kind.group)),
].map((group) => ({
  apiGroups: [group],
  resources: TENANT_KINDS.filter((kind) => kind.group === group).map((kind) => kind.resource),
  verbs: [...READ, 'create', 'update', 'patch', 'delete'],
}));

export const ROLES = {
  namespaceAdmin: 'slipway:namespace-admin',
  developer: 'slipway:developer',
  viewer: 'slipway:viewer',
  deployer: 'slipway:deployer',
} as const;

/** Subjects for groups of the issuer, named as kube-apiserver presents them (OIDC groups prefix). */
function groupSubjects(issuerGroups: readonly string[]) {
  return issuerGroups.map((name) => ({
    kind: 'Group',
    apiGroup: 'rbac.authorization.k8s.io',
    name: kubernetesGroup(name),
  }));
}

/**
 * The Roles of a tenant namespace and their bindings: the organization's admins, the namespace's
 * developers and viewers (by short name), every developer of the organization as a reader, and the
 * organization's deployer service account (Argo CD's sync identity). Every binding is a RoleBinding
 * to a Role of this namespace: nothing here grants anything outside it.
 */
export function namespaceRbac(
  organization: string,
  shortName: string,
  namespace: string,
  labels: Record<string, string>,
): (Role | RoleBinding)[] {
  const role = (name: string, roleRules: readonly IPolicyRule[]) =>
    new Role({ metadata: { name, namespace, labels }, rules: [...roleRules] });
  const binding = (roleName: string, subjects: RoleBinding['subjects']) =>
    new RoleBinding({
      metadata: { name: roleName, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects,
    });
  const deployer = deployerServiceAccount(organization);
  return [
    role(ROLES.namespaceAdmin, NAMESPACE_ADMIN_RULES),
    role(ROLES.developer, DEVELOPER_RULES),
    role(ROLES.viewer, VIEWER_RULES),
    role(ROLES.deployer, DEPLOYER_RULES),
    binding(ROLES.namespaceAdmin, groupSubjects([groups.orgAdmin(organization)])),
    binding(ROLES.developer, groupSubjects([groups.namespaceDeveloper(organization, shortName)])),
    // The organization's developers read across its namespaces; a viewer reads only the namespaces
    // it is assigned to.
    binding(
      ROLES.viewer,
      groupSubjects([groups.developer(organization), groups.namespaceViewer(organization, shortName)]),
    ),
    binding(ROLES.deployer, [{ kind: 'ServiceAccount', ...deployer }]),
  ];
}

/**
 * Namespaces are cluster-scoped, so seeing one's own namespaces needs a ClusterRole, limited by
 * resourceNames to the organization's namespaces (`list` cannot be limited that way, so it is not granted).
 * Only org admins and the organization's developers get it: a viewer reads its assigned namespaces
 * alone, and `kubectl -n <namespace>` needs no right on the Namespace object.
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
      subjects: groupSubjects([groups.orgAdmin(organization), groups.developer(organization)]),
    }),
  ];
}

/** The organization's deployer service account (in the argocd namespace; see deployerServiceAccount). */
export function deployerAccount(organization: string, labels: Record<string, string>): ServiceAccount {
  return new ServiceAccount({
    metadata: { ...deployerServiceAccount(organization), labels },
    // Argo CD impersonates it; no pod ever runs as it, so no token is mounted anywhere.
    automountServiceAccountToken: false,
  });
}

/** The platform team administers the whole cluster. */
export function platformRbac(labels: Record<string, string>): ClusterRoleBinding {
  return new ClusterRoleBinding({
    metadata: { name: 'slipway:platform-admin', labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: groupSubjects([groups.platformAdmin]),
  });
}

/**
 * A MODEL of Kubernetes RBAC authorization (the union of the rules of every Role and ClusterRole
 * bound to a subject; RoleBindings grant inside their namespace only, ClusterRoleBindings
 * everywhere; `*` matches any group, resource or verb; a rule with resourceNames grants only those
 * names). Enough to ask "may this service account create this kind in this namespace" of the
 * rendered RBAC objects. It leaves out aggregation, non-resource URLs and the escalation check.
 */
import type { KubeObject } from './models.js';

export interface Subject {
  readonly kind: 'ServiceAccount' | 'Group' | 'User';
  readonly name: string;
  readonly namespace?: string;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

interface Binding {
  subjects?: { kind: string; name: string; namespace?: string }[];
  roleRef: { kind: string; name: string };
}

function matches(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).some((item) => item === '*' || item === value);
}

function bindsSubject(binding: Binding, subject: Subject): boolean {
  return (binding.subjects ?? []).some(
    (candidate) =>
      candidate.kind === subject.kind &&
      candidate.name === subject.name &&
      (subject.kind !== 'ServiceAccount' || candidate.namespace === subject.namespace),
  );
}

/** Whether SUBJECT may VERB the RESOURCE (plural) of GROUP named NAME in NAMESPACE ('' = cluster scope). */
export function isAllowed(
  objects: readonly KubeObject[],
  subject: Subject,
  request: { verb: string; group: string; resource: string; namespace: string; name?: string },
): boolean {
  const roles = (kind: 'Role' | 'ClusterRole', name: string, namespace?: string) =>
    objects.filter(
      (object) =>
        object.kind === kind && object.metadata.name === name && object.metadata.namespace === namespace,
    );
  const grants = (rules: readonly Rule[]) =>
    rules.some(
      (rule) =>
        matches(rule.apiGroups, request.group) &&
        matches(rule.resources, request.resource) &&
        matches(rule.verbs, request.verb) &&
        (!rule.resourceNames?.length ||
          (request.name !== undefined && rule.resourceNames.includes(request.name))),
    );
  const rulesOf = (role: KubeObject) => (role.rules as Rule[] | undefined) ?? [];
  const viaClusterRoleBindings = objects
    .filter(
      (object) => object.kind === 'ClusterRoleBinding' && bindsSubject(object as unknown as Binding, subject),
    )
    .some((binding) =>
      roles('ClusterRole', (binding as unknown as Binding).roleRef.name).some((role) =>
        grants(rulesOf(role)),
      ),
    );
  if (viaClusterRoleBindings) return true;
  if (request.namespace === '') return false;
  return objects
    .filter(
      (object) =>
        object.kind === 'RoleBinding' &&
        object.metadata.namespace === request.namespace &&
        bindsSubject(object as unknown as Binding, subject),
    )
    .some((binding) => {
      const ref = (binding as unknown as Binding).roleRef;
      const bound =
        ref.kind === 'Role' ? roles('Role', ref.name, request.namespace) : roles('ClusterRole', ref.name);
      return bound.some((role) => grants(rulesOf(role)));
    });
}

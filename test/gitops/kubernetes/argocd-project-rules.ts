/**
 * A MODEL of how Argo CD 3.3 decides whether an Application may apply one object, written from
 * argo-cd v3.3.14 `pkg/apis/application/v1alpha1` (AppProject.IsResourcePermitted,
 * IsGroupKindNamePermitted, isResourceInList, isNamedResourceInList, isDestinationMatched) and
 * its documented project semantics; argocd-project-rules.test.ts checks it against the cases of
 * upstream's own TestAppProject_IsGroupKindPermitted. It is not Argo CD: what it leaves out is
 * said where it matters (glob character classes, project-scoped clusters).
 *
 * Namespaced kinds: a missing (nil) `namespaceResourceWhitelist` allows every kind, an EMPTY one
 * allows none, otherwise the kind must match an entry; the blacklist then removes kinds.
 * Cluster-scoped kinds: allowed only when `clusterResourceWhitelist` is non-empty and matches.
 * Kind and group are matched with Go's filepath.Match globs. A namespaced object must also land
 * in a namespace the project's `destinations` allow (server and namespace globs, `!` negation).
 */

export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface ProjectSpec {
  readonly namespaceResourceWhitelist?: readonly GroupKind[];
  readonly namespaceResourceBlacklist?: readonly GroupKind[];
  readonly clusterResourceWhitelist?: readonly (GroupKind & { name?: string })[];
  readonly clusterResourceBlacklist?: readonly (GroupKind & { name?: string })[];
  readonly destinations?: readonly { server?: string; name?: string; namespace?: string }[];
}

/** Go's filepath.Match for names without '/': `*` any run, `?` one character. */
export function filepathMatch(pattern: string, value: string): boolean {
  if (/[[\\]/.test(pattern))
    throw new Error(`glob character classes and escapes are not modelled: ${pattern}`);
  const regex = pattern
    .split('')
    .map((char) => (char === '*' ? '[^/]*' : char === '?' ? '[^/]' : char.replace(/[.+^${}()|]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`).test(value);
}

function inList(resource: GroupKind, list: readonly GroupKind[]): boolean {
  return list.some(
    (item) => filepathMatch(item.kind, resource.kind) && filepathMatch(item.group, resource.group),
  );
}

function inNamedList(
  resource: GroupKind,
  name: string,
  list: readonly (GroupKind & { name?: string })[],
): boolean {
  return list.some(
    (item) =>
      filepathMatch(item.kind, resource.kind) &&
      filepathMatch(item.group, resource.group) &&
      (!item.name || filepathMatch(item.name, name)),
  );
}

/** AppProject.IsGroupKindNamePermitted. */
export function isGroupKindPermitted(
  project: ProjectSpec,
  resource: GroupKind,
  name: string,
  namespaced: boolean,
): boolean {
  if (namespaced) {
    const whitelist = project.namespaceResourceWhitelist;
    const blacklist = project.namespaceResourceBlacklist ?? [];
    const whitelisted = whitelist === undefined || (whitelist.length > 0 && inList(resource, whitelist));
    return whitelisted && !(blacklist.length > 0 && inList(resource, blacklist));
  }
  const whitelist = project.clusterResourceWhitelist ?? [];
  const blacklist = project.clusterResourceBlacklist ?? [];
  return (
    whitelist.length > 0 &&
    inNamedList(resource, name, whitelist) &&
    !(blacklist.length > 0 && inNamedList(resource, name, blacklist))
  );
}

/** The globMatch of destinations: `*` matches everything, `!pattern` negates, otherwise a glob. */
function destinationGlob(pattern: string | undefined, value: string): boolean {
  const text = pattern ?? '';
  if (text.startsWith('!')) return !destinationGlob(text.slice(1), value);
  if (text === '*') return true;
  return new RegExp(
    `^${text
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);
}

/** AppProject.isDestinationMatched for a destination given by server URL (project-scoped clusters not modelled). */
export function isDestinationPermitted(project: ProjectSpec, server: string, namespace: string): boolean {
  let matched = false;
  for (const item of project.destinations ?? []) {
    const serverMatched = destinationGlob(item.server, server);
    const namespaceMatched = destinationGlob(item.namespace, namespace);
    if (serverMatched && namespaceMatched) matched = true;
    else if (!serverMatched && (item.server ?? '').startsWith('!') && namespaceMatched) return false;
    else if (!namespaceMatched && (item.namespace ?? '').startsWith('!') && serverMatched) return false;
  }
  return matched;
}

export interface ManifestObject {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** The namespace the object names; Argo CD puts a namespaced object without one in the Application's. */
  readonly namespace?: string;
  readonly namespaced: boolean;
}

/** AppProject.IsResourcePermitted for one object of an Application deploying to SERVER/APP_NAMESPACE. */
export function isResourcePermitted(
  project: ProjectSpec,
  object: ManifestObject,
  server: string,
  appNamespace: string,
): boolean {
  if (!isGroupKindPermitted(project, object, object.name, object.namespaced)) return false;
  if (!object.namespaced) return true;
  return isDestinationPermitted(project, server, object.namespace ?? appNamespace);
}

/** Argo CD's checks of a project role (validateRoleName, validatePolicy): what the API server would refuse. */
export function projectRoleProblems(
  project: string,
  role: { name: string; policies?: readonly string[] },
): string[] {
  const problems: string[] = [];
  if (!/^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(role.name))
    problems.push(`invalid role name '${role.name}'`);
  const resources = new Set(['applications', 'applicationsets', 'repositories', 'exec', 'logs', 'clusters']);
  const actions = /^(get|create|update|delete|sync|override|\*|action\/.*|update\/.*|delete\/.*)$/;
  const object = new RegExp(`^${project.replace(/[.+?^${}()|[\]\\*]/g, '\\$&')}(/[*\\w.-]+)?/[*\\w.-]+$`);
  for (const policy of role.policies ?? []) {
    const parts = policy.split(',').map((part) => part.trim());
    if (parts.length !== 6 || parts[0] !== 'p')
      problems.push(`'${policy}' is not p, sub, res, act, obj, eft`);
    else if (parts[1] !== `proj:${project}:${role.name}`)
      problems.push(`'${policy}' has subject ${parts[1]}`);
    else if (!resources.has(parts[2] ?? '')) problems.push(`'${policy}' names resource ${parts[2]}`);
    else if (!actions.test(parts[3] ?? '')) problems.push(`'${policy}' names action ${parts[3]}`);
    else if (!object.test(parts[4] ?? '')) problems.push(`'${policy}' names object ${parts[4]}`);
    else if (parts[5] !== 'allow' && parts[5] !== 'deny') problems.push(`'${policy}' has effect ${parts[5]}`);
  }
  return problems;
}

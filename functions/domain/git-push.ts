/**
 * Git pushes, whatever door they come through (GitHub or GitLab webhook, CodeCommit event), as one
 * normalized `GitPushed` event, and the rules that route one to environments. Pure: no I/O.
 *
 * - The repository is compared normalized: scheme, credentials, `www.`, a trailing `.git` or `/`
 *   dropped, lower case (`https://GitHub.com/Acme/Platform-GitOps.git` and
 *   `git@github.com:acme/platform-gitops` are both `github.com/acme/platform-gitops`).
 * - Only branch pushes count: tag pushes, other refs and branch deletions are ignored, with why.
 * - Changed paths are the union of the added, modified and removed paths of the pushed commits.
 *   When that list cannot be trusted — a new branch, a forced push, a push listing no commits or
 *   fewer than it has (GitLab lists at most 20), more than {@link MAX_CHANGED_PATHS} paths, a
 *   CodeCommit diff that failed — every path is treated as changed, and the event says why.
 * - Paths under `slipway-managed/` are the ArgoCD phase's own commits: they never start a run.
 */
import { createHash } from 'node:crypto';

export const GIT_PUSH_SOURCES = ['github', 'gitlab', 'codecommit'] as const;
export type GitPushSource = (typeof GIT_PUSH_SOURCES)[number];

/** EventBridge `source` and `detail-type` of the normalized event on Slipway's bus. */
export const GIT_PUSHED_EVENT = { source: 'slipway.git', detailType: 'GitPushed' } as const;

/** Over this many changed paths, every path is treated as changed (keeps the event small). */
export const MAX_CHANGED_PATHS = 1000;

/** Where the ArgoCD phase commits; a change there is Slipway's own and starts nothing. */
export const SLIPWAY_MANAGED_PREFIX = 'slipway-managed/';

const ZERO_COMMIT = /^0+$/;

export interface GitPushed {
  readonly source: GitPushSource;
  /** Normalized, see {@link normalizeRepository}. */
  readonly repository: string;
  readonly branch: string;
  /** The branch's commit before the push (all zeros for a new branch). */
  readonly before: string;
  /** The commit pushed: what the environments sync to. */
  readonly after: string;
  /** Union of added/modified/removed paths; meaningless when `everyPathChanged` is set. */
  readonly changedPaths: readonly string[];
  /** Set when the changed paths are unknown: why every path is treated as changed. */
  readonly everyPathChanged?: string;
  /** The sender's delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID, the EventBridge event id). */
  readonly deliveryId: string;
  readonly pushedAt: string;
}

export type PushClassification =
  | { readonly kind: 'push'; readonly push: GitPushed }
  | { readonly kind: 'ignored'; readonly reason: string };

/** `github.com/acme/platform-gitops` for any https, ssh or scp-like URL of that repository. */
export function normalizeRepository(url: string): string {
  const trimmed = url.trim();
  const scpLike = /^[\w.-]+@([^:/]+):(.+)$/.exec(trimmed);
  const withoutScheme = (scpLike ? `${scpLike[1]}/${scpLike[2]}` : trimmed)
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/^[^@/]*@/, '');
  const [host = '', ...segments] = withoutScheme.split(/[?#]/)[0]?.split('/') ?? [];
  const path = segments
    .filter((segment) => segment !== '')
    .join('/')
    .replace(/\.git$/i, '');
  return `${host.replace(/:\d+$/, '').replace(/^www\./i, '')}/${path}`.toLowerCase();
}

/** The GSI partition of the environments that follow this repository and branch. */
export function gitSourceKey(repository: string, branch: string): string {
  return `GIT#${normalizeRepository(repository)}#${branch}`;
}

/** A path inside the repository, compared without `./`, leading or trailing slashes. */
export function normalizeRepoPath(path: string): string {
  return path
    .trim()
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
}

export interface GitopsSource {
  readonly repository: string;
  readonly branch: string;
  readonly path: string;
}

/** The GitOps source of a (validated) environment spec, or undefined when it has none. */
export function gitopsSourceOf(spec: Readonly<Record<string, unknown>>): GitopsSource | undefined {
  const gitops = spec.gitops;
  if (gitops === null || typeof gitops !== 'object') return undefined;
  const { repository, branch, path } = gitops as Record<string, unknown>;
  if (typeof repository !== 'string' || typeof branch !== 'string') return undefined;
  return { repository, branch, path: typeof path === 'string' ? normalizeRepoPath(path) : '' };
}

/** True when two specs follow the same repository (normalized) and branch. */
export function sameGitSource(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): boolean {
  const left = gitopsSourceOf(a);
  const right = gitopsSourceOf(b);
  if (!left || !right) return left === right;
  return gitSourceKey(left.repository, left.branch) === gitSourceKey(right.repository, right.branch);
}

export type PushRouting =
  | { readonly touched: true; readonly reason: string }
  | { readonly touched: false; readonly reason: string };

/** Whether a push changes what an environment reconciles: a changed path at or under its GitOps path. */
export function pushTouches(push: GitPushed, gitopsPath: string): PushRouting {
  const prefix = normalizeRepoPath(gitopsPath);
  if (push.everyPathChanged !== undefined) {
    return { touched: true, reason: `every path treated as changed: ${push.everyPathChanged}` };
  }
  const hit = push.changedPaths.find(
    (path) =>
      !path.startsWith(SLIPWAY_MANAGED_PREFIX) &&
      (prefix === '' || path === prefix || path.startsWith(`${prefix}/`)),
  );
  return hit !== undefined
    ? { touched: true, reason: `${hit} changed under ${prefix || 'the repository root'}` }
    : { touched: false, reason: `no changed path under ${prefix || 'the repository root'}` };
}

// ---------------------------------------------------------------- payloads

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** A payload field that must be there: the error names it. */
export class PushPayloadError extends Error {
  readonly field: string;
  /** What is wrong with the field, without its name (`is required`). */
  readonly detail: string;
  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'PushPayloadError';
    this.field = field;
    this.detail = detail;
  }
}

function required(value: unknown, field: string): string {
  const found = text(value);
  if (found === undefined) throw new PushPayloadError(field, 'is required');
  return found;
}

function commitId(value: unknown, field: string): string {
  const found = required(value, field);
  if (!/^[0-9a-f]{7,64}$/i.test(found)) throw new PushPayloadError(field, 'is not a commit id');
  return found.toLowerCase();
}

/** The branch of a ref, or why the ref is not a branch push. */
function branchOf(ref: string): { branch: string } | { ignored: string } {
  if (ref.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length) {
    return { branch: ref.slice('refs/heads/'.length) };
  }
  if (ref.startsWith('refs/tags/')) return { ignored: `tag push (${ref})` };
  return { ignored: `not a branch (${ref})` };
}

interface CommitLike {
  readonly added: string[];
  readonly modified: string[];
  readonly removed: string[];
}

function commitsOf(value: unknown): CommitLike[] {
  return Array.isArray(value)
    ? value.map((commit) => {
        const fields = record(commit);
        return {
          added: strings(fields.added),
          modified: strings(fields.modified),
          removed: strings(fields.removed),
        };
      })
    : [];
}

function unionOfPaths(commits: readonly CommitLike[]): string[] {
  const paths = new Set<string>();
  for (const commit of commits) {
    for (const path of [...commit.added, ...commit.modified, ...commit.removed]) {
      paths.add(normalizeRepoPath(path));
    }
  }
  return [...paths].sort();
}

/** Caps the path list: too many paths means "every path" (the event has a size limit). */
export function changedPathsOrEvery(
  paths: readonly string[],
  unknownBecause?: string,
): { changedPaths: string[]; everyPathChanged?: string } {
  if (unknownBecause !== undefined) return { changedPaths: [], everyPathChanged: unknownBecause };
  if (paths.length > MAX_CHANGED_PATHS) {
    return {
      changedPaths: [],
      everyPathChanged: `${paths.length} paths changed (over ${MAX_CHANGED_PATHS})`,
    };
  }
  return { changedPaths: [...paths] };
}

export interface HookDelivery {
  /** The sender's delivery id header, when it sent one. */
  readonly deliveryId?: string;
  readonly receivedAt: Date;
}

function fallbackDeliveryId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

/** A GitHub `push` event body (parsed JSON) → a push, or why it is ignored. */
export function classifyGithubPush(body: unknown, delivery: HookDelivery): PushClassification {
  const payload = record(body);
  const ref = required(payload.ref, 'ref');
  const target = branchOf(ref);
  if ('ignored' in target) return { kind: 'ignored', reason: target.ignored };
  const after = commitId(payload.after, 'after');
  if (payload.deleted === true || ZERO_COMMIT.test(after)) {
    return { kind: 'ignored', reason: `branch deletion (${target.branch})` };
  }
  const before = commitId(payload.before, 'before');
  const repository = record(payload.repository);
  const url =
    text(repository.clone_url) ??
    text(repository.html_url) ??
    text(repository.url) ??
    text(repository.ssh_url);
  if (url === undefined) throw new PushPayloadError('repository.clone_url', 'is required');
  const commits = commitsOf(payload.commits);
  const unknown = ZERO_COMMIT.test(before)
    ? 'a new branch (its diff is not in the payload)'
    : payload.forced === true
      ? 'a forced push (commits may have been removed)'
      : commits.length === 0
        ? 'the push lists no commits'
        : commits.length >= 2048
          ? 'GitHub lists at most 2048 commits'
          : undefined;
  return {
    kind: 'push',
    push: {
      source: 'github',
      repository: normalizeRepository(url),
      branch: target.branch,
      before,
      after,
      ...changedPathsOrEvery(unionOfPaths(commits), unknown),
      deliveryId: delivery.deliveryId ?? fallbackDeliveryId('github', url, ref, before, after),
      pushedAt: delivery.receivedAt.toISOString(),
    },
  };
}

/** A GitLab `Push Hook` body (parsed JSON) → a push, or why it is ignored. */
export function classifyGitlabPush(body: unknown, delivery: HookDelivery): PushClassification {
  const payload = record(body);
  const kind = text(payload.object_kind);
  if (kind === 'tag_push') return { kind: 'ignored', reason: `tag push (${text(payload.ref) ?? 'a tag'})` };
  if (kind !== 'push') return { kind: 'ignored', reason: `not a push event (${kind ?? 'no object_kind'})` };
  const ref = required(payload.ref, 'ref');
  const target = branchOf(ref);
  if ('ignored' in target) return { kind: 'ignored', reason: target.ignored };
  const after = commitId(payload.after, 'after');
  if (ZERO_COMMIT.test(after)) return { kind: 'ignored', reason: `branch deletion (${target.branch})` };
  const before = commitId(payload.before, 'before');
  const project = record(payload.project);
  const url =
    text(project.git_http_url) ?? text(project.web_url) ?? text(record(payload.repository).homepage);
  if (url === undefined) throw new PushPayloadError('project.web_url', 'is required');
  const commits = commitsOf(payload.commits);
  const total =
    typeof payload.total_commits_count === 'number' ? payload.total_commits_count : commits.length;
  const unknown = ZERO_COMMIT.test(before)
    ? 'a new branch (its diff is not in the payload)'
    : commits.length === 0
      ? 'the push lists no commits'
      : total > commits.length
        ? `GitLab lists ${commits.length} of ${total} commits`
        : undefined;
  return {
    kind: 'push',
    push: {
      source: 'gitlab',
      repository: normalizeRepository(url),
      branch: target.branch,
      before,
      after,
      ...changedPathsOrEvery(unionOfPaths(commits), unknown),
      deliveryId: delivery.deliveryId ?? fallbackDeliveryId('gitlab', url, ref, before, after),
      pushedAt: delivery.receivedAt.toISOString(),
    },
  };
}

/** The CodeCommit repository's https clone URL, as an environment spec names it. */
export function codecommitRepositoryUrl(region: string, repositoryName: string): string {
  return `https://git-codecommit.${region}.amazonaws.com/v1/repos/${repositoryName}`;
}

export interface CodecommitReference {
  readonly region: string;
  readonly repositoryName: string;
  readonly branch: string;
  /** Absent for a new branch. */
  readonly before?: string;
  readonly after: string;
  readonly deliveryId: string;
  readonly pushedAt: string;
}

/**
 * A "CodeCommit Repository State Change" event (EventBridge, default bus) → the branch update it
 * reports, or why it is ignored. The changed paths are not in the event: the caller diffs.
 */
export function classifyCodecommitEvent(
  event: unknown,
): { kind: 'reference'; reference: CodecommitReference } | { kind: 'ignored'; reason: string } {
  const envelope = record(event);
  if (envelope.source !== 'aws.codecommit') throw new PushPayloadError('source', "must be 'aws.codecommit'");
  const detail = record(envelope.detail);
  const change = required(detail.event, 'detail.event');
  if (change === 'referenceDeleted') return { kind: 'ignored', reason: 'branch deletion' };
  if (change !== 'referenceCreated' && change !== 'referenceUpdated') {
    return { kind: 'ignored', reason: `not a reference update (${change})` };
  }
  const type = required(detail.referenceType, 'detail.referenceType');
  if (type !== 'branch')
    return { kind: 'ignored', reason: `${type} ${text(detail.referenceName) ?? ''} (not a branch)`.trim() };
  const before = text(detail.oldCommitId);
  return {
    kind: 'reference',
    reference: {
      region: required(envelope.region, 'region'),
      repositoryName: required(detail.repositoryName, 'detail.repositoryName'),
      branch: required(detail.referenceName, 'detail.referenceName'),
      ...(before !== undefined && change === 'referenceUpdated'
        ? { before: commitId(before, 'detail.oldCommitId') }
        : {}),
      after: commitId(detail.commitId, 'detail.commitId'),
      deliveryId: required(envelope.id, 'id'),
      pushedAt: text(envelope.time) ?? new Date(0).toISOString(),
    },
  };
}

/** The normalized push of a CodeCommit branch update, once its paths are known (or not). */
export function codecommitPush(
  reference: CodecommitReference,
  paths: { readonly changed: readonly string[] } | { readonly unknown: string },
): GitPushed {
  const changed =
    'changed' in paths
      ? changedPathsOrEvery(paths.changed.map(normalizeRepoPath))
      : changedPathsOrEvery([], paths.unknown);
  return {
    source: 'codecommit',
    repository: normalizeRepository(codecommitRepositoryUrl(reference.region, reference.repositoryName)),
    branch: reference.branch,
    before: reference.before ?? '0'.repeat(40),
    after: reference.after,
    ...changed,
    deliveryId: reference.deliveryId,
    pushedAt: reference.pushedAt,
  };
}

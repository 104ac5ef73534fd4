/**
 * Push payloads in the shapes GitHub, GitLab and CodeCommit send them (trimmed to the fields a
 * real delivery carries and Slipway reads, plus a few it ignores), and API Gateway v2 events of
 * the hook routes as the gateway delivers them (no authorizer on these routes).
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { hubSignature } from '../../../functions/domain/hook-auth.js';

export const ZERO = '0000000000000000000000000000000000000000';

export function commitId(): string {
  return randomBytes(20).toString('hex');
}

export interface Commit {
  readonly added?: string[];
  readonly modified?: string[];
  readonly removed?: string[];
}

export function githubPush(options: {
  readonly repository: string; // acme/platform-gitops
  readonly ref?: string;
  readonly before?: string;
  readonly after?: string;
  readonly commits?: readonly Commit[];
  readonly deleted?: boolean;
  readonly forced?: boolean;
}): Record<string, unknown> {
  const after = options.after ?? commitId();
  const commits = (options.commits ?? []).map((commit, index) => ({
    id: index === (options.commits?.length ?? 0) - 1 ? after : commitId(),
    tree_id: commitId(),
    distinct: true,
    message: `change ${index + 1}`,
    timestamp: '2026-12-01T22:30:00+01:00',
    url: `https://github.com/${options.repository}/commit/${after}`,
    author: { name: 'Dev One', email: 'dev1@example.com', username: 'dev1' },
    committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
    added: commit.added ?? [],
    removed: commit.removed ?? [],
    modified: commit.modified ?? [],
  }));
  return {
    ref: options.ref ?? 'refs/heads/main',
    before: options.before ?? commitId(),
    after,
    repository: {
      id: 123456789,
      node_id: 'R_kgDOExample',
      name: options.repository.split('/')[1],
      full_name: options.repository,
      private: true,
      owner: { name: options.repository.split('/')[0], login: options.repository.split('/')[0] },
      html_url: `https://github.com/${options.repository}`,
      url: `https://github.com/${options.repository}`,
      clone_url: `https://github.com/${options.repository}.git`,
      ssh_url: `git@github.com:${options.repository}.git`,
      default_branch: 'main',
    },
    pusher: { name: 'dev1', email: 'dev1@example.com' },
    sender: { login: 'dev1', id: 1 },
    created: options.before === ZERO,
    deleted: options.deleted ?? false,
    forced: options.forced ?? false,
    base_ref: null,
    compare: `https://github.com/${options.repository}/compare/a...b`,
    commits,
    head_commit: commits.at(-1) ?? null,
  };
}

export function gitlabPush(options: {
  readonly project: string; // acme/platform-gitops
  readonly ref?: string;
  readonly before?: string;
  readonly after?: string;
  readonly commits?: readonly Commit[];
  readonly totalCommits?: number;
  readonly kind?: 'push' | 'tag_push';
}): Record<string, unknown> {
  const after = options.after ?? commitId();
  const commits = (options.commits ?? []).map((commit, index) => ({
    id: commitId(),
    message: `change ${index + 1}`,
    title: `change ${index + 1}`,
    timestamp: '2026-12-01T22:30:00+01:00',
    url: `https://gitlab.com/${options.project}/-/commit/${after}`,
    author: { name: 'Dev One', email: '[REDACTED]' },
    added: commit.added ?? [],
    modified: commit.modified ?? [],
    removed: commit.removed ?? [],
  }));
  return {
    object_kind: options.kind ?? 'push',
    event_name: options.kind ?? 'push',
    before: options.before ?? commitId(),
    after,
    ref: options.ref ?? 'refs/heads/main',
    ref_protected: true,
    checkout_sha: after,
    user_id: 4,
    user_name: 'Dev One',
    user_username: 'dev1',
    project_id: 15,
    project: {
      id: 15,
      name: options.project.split('/')[1],
      web_url: `https://gitlab.com/${options.project}`,
      git_ssh_url: `git@gitlab.com:${options.project}.git`,
      git_http_url: `https://gitlab.com/${options.project}.git`,
      namespace: options.project.split('/')[0],
      path_with_namespace: options.project,
      default_branch: 'main',
    },
    commits,
    total_commits_count: options.totalCommits ?? commits.length,
    repository: { name: options.project.split('/')[1], homepage: `https://gitlab.com/${options.project}` },
  };
}

export function codecommitEvent(options: {
  readonly repositoryName: string;
  readonly branch?: string;
  readonly event?: 'referenceCreated' | 'referenceUpdated' | 'referenceDeleted';
  readonly referenceType?: 'branch' | 'tag';
  readonly before?: string;
  readonly after?: string;
}): Record<string, unknown> {
  const event = options.event ?? 'referenceUpdated';
  return {
    version: '0',
    id: `ev-${randomBytes(8).toString('hex')}`,
    'detail-type': 'CodeCommit Repository State Change',
    source: 'aws.codecommit',
    account: '123456789012',
    time: '2026-12-01T21:30:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:codecommit:eu-west-1:123456789012:${options.repositoryName}`],
    detail: {
      callerUserArn: 'arn:aws:iam::123456789012:user/dev1',
      commitId: options.after ?? commitId(),
      event,
      ...(event === 'referenceUpdated' ? { oldCommitId: options.before ?? commitId() } : {}),
      referenceFullName: `refs/heads/${options.branch ?? 'main'}`,
      referenceName: options.branch ?? 'main',
      referenceType: options.referenceType ?? 'branch',
      repositoryId: '12345678-1234-1234-1234-123456789012',
      repositoryName: options.repositoryName,
    },
  };
}

/** An API Gateway v2 event of a hook route: the raw body, optionally base64-encoded as the gateway may. */
export function hookEvent(
  path: string,
  body: Buffer | string,
  headers: Record<string, string>,
  options: { readonly base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: {
      host: 'api.slipway.example.com',
      'content-type': 'application/json',
      'content-length': String(raw.length),
      ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'api.slipway.example.com',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '140.82.115.1',
        userAgent: 'GitHub-Hookshot/abc',
      },
      requestId: `req-${randomBytes(4).toString('hex')}`,
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '01/Dec/2026:21:30:00 +0000',
      timeEpoch: 1_796_160_600_000,
    },
    body: options.base64 ? raw.toString('base64') : raw.toString('utf8'),
    isBase64Encoded: options.base64 ?? false,
  };
}

/** A signed GitHub delivery of `payload`. */
export function githubDelivery(
  payload: unknown,
  secret: string,
  options: { readonly event?: string; readonly deliveryId?: string; readonly base64?: boolean } = {},
) {
  const raw = Buffer.from(JSON.stringify(payload));
  return hookEvent(
    '/v1/hooks/github',
    raw,
    {
      'X-GitHub-Event': options.event ?? 'push',
      'X-GitHub-Delivery': options.deliveryId ?? crypto.randomUUID(),
      'X-GitHub-Hook-ID': '4242',
      'X-Hub-Signature-256': hubSignature(secret, raw),
    },
    options.base64 ? { base64: true } : {},
  );
}

export function gitlabDelivery(payload: unknown, token: string | undefined, event = 'Push Hook') {
  return hookEvent('/v1/hooks/gitlab', JSON.stringify(payload), {
    'X-Gitlab-Event': event,
    'X-Gitlab-Event-UUID': crypto.randomUUID(),
    'X-Gitlab-Instance': 'https://gitlab.com',
    ...(token !== undefined ? { 'X-Gitlab-Token': token } : {}),
  });
}

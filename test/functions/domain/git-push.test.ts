import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/domain/errors.js';
import {
  changedPathsOrEvery,
  classifyCodecommitEvent,
  classifyGithubPush,
  classifyGitlabPush,
  codecommitPush,
  type GitPushed,
  gitopsSourceOf,
  gitSourceKey,
  MAX_CHANGED_PATHS,
  normalizeRepoPath,
  normalizeRepository,
  PushPayloadError,
  pushTouches,
  sameGitSource,
} from '../../../functions/domain/git-push.js';
import { parseRunStarterEvent } from '../../../functions/domain/git-push-event.js';

const BEFORE = '1111111aaaaaaa1111111aaaaaaa1111111aaaaa';
const AFTER = '2222222bbbbbbb2222222bbbbbbb2222222bbbbb';
const ZEROS = '0'.repeat(40);
const receivedAt = new Date('2026-03-01T10:00:00.000Z');

describe('normalizeRepository', () => {
  it('gives one name for the https, ssh and scp-like URLs of a repository', () => {
    for (const url of [
      'https://GitHub.com/Acme/Platform-GitOps.git',
      'git@github.com:acme/platform-gitops',
      'ssh://git@github.com/acme/platform-gitops.git',
      'https://user:token@www.github.com/acme/platform-gitops/',
      '  https://github.com:443/acme//platform-gitops.GIT?ref=main#readme  ',
      'github.com/acme/platform-gitops',
    ]) {
      expect(normalizeRepository(url), url).toBe('github.com/acme/platform-gitops');
    }
  });

  it('keeps what tells repositories apart: host, every path segment, a .git inside a name', () => {
    expect(normalizeRepository('https://gitlab.example.com/group/sub/repo.git')).toBe(
      'gitlab.example.com/group/sub/repo',
    );
    expect(normalizeRepository('https://github.com/acme/repo.github.io')).toBe(
      'github.com/acme/repo.github.io',
    );
    expect(normalizeRepository('https://example.com/www.repo')).toBe('example.com/www.repo');
    expect(normalizeRepository('https://wwwxgithub.com/acme/a')).toBe('wwwxgithub.com/acme/a');
    expect(normalizeRepository('https://example.com/a.gitx')).toBe('example.com/a.gitx');
  });

  it('keys the environments that follow a repository and branch by its normalized name', () => {
    expect(gitSourceKey('git@github.com:Acme/GitOps.git', 'Main')).toBe('GIT#github.com/acme/gitops#Main');
  });
});

describe('normalizeRepoPath', () => {
  it('drops ./, leading and trailing slashes and surrounding blanks, nothing else', () => {
    expect(normalizeRepoPath(' ././envs/prod/ ')).toBe('envs/prod');
    expect(normalizeRepoPath('//envs//prod//')).toBe('envs//prod');
    expect(normalizeRepoPath('envs/./prod')).toBe('envs/./prod');
    expect(normalizeRepoPath('a/')).toBe('a');
  });
});

describe('gitopsSourceOf and sameGitSource', () => {
  const spec = (gitops: unknown) => ({ gitops });

  it('reads the repository, branch and normalized path, an absent path being the root', () => {
    expect(gitopsSourceOf(spec({ repository: 'r', branch: 'b', path: './envs/prod/' }))).toEqual({
      repository: 'r',
      branch: 'b',
      path: 'envs/prod',
    });
    expect(gitopsSourceOf(spec({ repository: 'r', branch: 'b', path: 3 }))).toEqual({
      repository: 'r',
      branch: 'b',
      path: '',
    });
  });

  it('has no source without a gitops object carrying a repository and a branch', () => {
    expect(gitopsSourceOf({})).toBeUndefined();
    expect(gitopsSourceOf(spec(null))).toBeUndefined();
    expect(gitopsSourceOf(spec('https://github.com/acme/gitops'))).toBeUndefined();
    expect(gitopsSourceOf(spec({ branch: 'main' }))).toBeUndefined();
    expect(gitopsSourceOf(spec({ repository: 'r' }))).toBeUndefined();
  });

  it('calls two specs the same source when repository (normalized) and branch match', () => {
    const a = spec({ repository: 'https://github.com/Acme/GitOps.git', branch: 'main', path: 'a' });
    expect(
      sameGitSource(a, spec({ repository: 'git@github.com:acme/gitops', branch: 'main', path: 'b' })),
    ).toBe(true);
    expect(sameGitSource(a, spec({ repository: 'https://github.com/acme/gitops', branch: 'dev' }))).toBe(
      false,
    );
    expect(sameGitSource(a, spec({ repository: 'https://github.com/acme/other', branch: 'main' }))).toBe(
      false,
    );
    expect(sameGitSource(a, {})).toBe(false);
    expect(sameGitSource({}, a)).toBe(false);
    expect(sameGitSource({}, {})).toBe(true);
  });
});

describe('pushTouches', () => {
  const push = (changedPaths: string[], everyPathChanged?: string): GitPushed => ({
    source: 'github',
    repository: 'github.com/acme/gitops',
    branch: 'main',
    before: BEFORE,
    after: AFTER,
    changedPaths,
    ...(everyPathChanged === undefined ? {} : { everyPathChanged }),
    deliveryId: 'd-1',
    pushedAt: receivedAt.toISOString(),
  });

  it('touches an environment when a changed path is its path or under it', () => {
    expect(pushTouches(push(['README.md', 'envs/prod/app.yaml']), './envs/prod/')).toEqual({
      touched: true,
      reason: 'envs/prod/app.yaml changed under envs/prod',
    });
    expect(pushTouches(push(['envs/prod']), 'envs/prod')).toEqual({
      touched: true,
      reason: 'envs/prod changed under envs/prod',
    });
  });

  it('does not touch it for a sibling with the same prefix, or a path elsewhere', () => {
    expect(pushTouches(push(['envs/production/app.yaml', 'envs/app.yaml']), 'envs/prod')).toEqual({
      touched: false,
      reason: 'no changed path under envs/prod',
    });
  });

  it('at the repository root, any path touches it', () => {
    expect(pushTouches(push(['README.md']), '')).toEqual({
      touched: true,
      reason: 'README.md changed under the repository root',
    });
    expect(pushTouches(push([]), '/')).toEqual({
      touched: false,
      reason: 'no changed path under the repository root',
    });
  });

  it("never counts Slipway's own commits under slipway-managed/", () => {
    expect(pushTouches(push(['slipway-managed/prod/values.yaml']), '')).toEqual({
      touched: false,
      reason: 'no changed path under the repository root',
    });
    expect(pushTouches(push(['slipway-managed/prod/values.yaml', 'x']), '').reason).toBe(
      'x changed under the repository root',
    );
  });

  it('touches every environment when the changed paths are unknown, saying why', () => {
    expect(pushTouches(push(['elsewhere'], 'a forced push'), 'envs/prod')).toEqual({
      touched: true,
      reason: 'every path treated as changed: a forced push',
    });
  });
});

describe('changedPathsOrEvery', () => {
  it('keeps up to the limit, and over it treats every path as changed', () => {
    const atLimit = Array.from({ length: MAX_CHANGED_PATHS }, (_, i) => `p${i}`);
    expect(changedPathsOrEvery(atLimit)).toEqual({ changedPaths: atLimit });
    expect(changedPathsOrEvery([...atLimit, 'one-more'])).toEqual({
      changedPaths: [],
      everyPathChanged: `${MAX_CHANGED_PATHS + 1} paths changed (over ${MAX_CHANGED_PATHS})`,
    });
    expect(changedPathsOrEvery(['a'], 'a new branch')).toEqual({
      changedPaths: [],
      everyPathChanged: 'a new branch',
    });
  });
});

describe('classifyGithubPush', () => {
  const body = (overrides: Record<string, unknown> = {}) => ({
    ref: 'refs/heads/main',
    before: BEFORE,
    after: AFTER,
    repository: { clone_url: 'https://github.com/Acme/GitOps.git', html_url: 'https://github.com/other/x' },
    commits: [
      { added: ['envs/prod/new.yaml'], modified: ['./README.md'], removed: [] },
      { added: [], modified: ['README.md', 7], removed: ['old.yaml'] },
    ],
    ...overrides,
  });

  it('normalizes a branch push: repository, branch, commits, the union of paths sorted', () => {
    expect(classifyGithubPush(body(), { deliveryId: 'gh-1', receivedAt })).toEqual({
      kind: 'push',
      push: {
        source: 'github',
        repository: 'github.com/acme/gitops',
        branch: 'main',
        before: BEFORE,
        after: AFTER,
        changedPaths: ['README.md', 'envs/prod/new.yaml', 'old.yaml'],
        deliveryId: 'gh-1',
        pushedAt: '2026-03-01T10:00:00.000Z',
      },
    });
  });

  it('lower-cases the commit ids and keeps a branch name with slashes', () => {
    const outcome = classifyGithubPush(
      body({ ref: 'refs/heads/feature/x', before: BEFORE.toUpperCase(), after: AFTER.toUpperCase() }),
      { receivedAt },
    );
    expect(outcome).toMatchObject({
      kind: 'push',
      push: { branch: 'feature/x', before: BEFORE, after: AFTER },
    });
  });

  it('takes the repository from html_url, url or ssh_url when clone_url is missing', () => {
    for (const repository of [
      { clone_url: ' ', html_url: 'https://github.com/acme/a' },
      { url: 'https://github.com/acme/a' },
      { ssh_url: 'git@github.com:acme/a.git' },
    ]) {
      expect(classifyGithubPush(body({ repository }), { receivedAt })).toMatchObject({
        push: { repository: 'github.com/acme/a' },
      });
    }
    expect(() => classifyGithubPush(body({ repository: {} }), { receivedAt })).toThrow(
      new PushPayloadError('repository.clone_url', 'is required'),
    );
  });

  it('without a delivery id, derives a stable one from repository, ref and commits', () => {
    const first = classifyGithubPush(body(), { receivedAt });
    const again = classifyGithubPush(body(), { receivedAt: new Date(0) });
    const other = classifyGithubPush(body({ after: BEFORE, before: AFTER }), { receivedAt });
    if (first.kind !== 'push' || again.kind !== 'push' || other.kind !== 'push')
      throw new Error('not pushes');
    expect(first.push.deliveryId).toMatch(/^[0-9a-f]{32}$/);
    expect(again.push.deliveryId).toBe(first.push.deliveryId);
    expect(other.push.deliveryId).not.toBe(first.push.deliveryId);
    const gitlab = classifyGitlabPush(
      {
        object_kind: 'push',
        ref: 'refs/heads/main',
        before: BEFORE,
        after: AFTER,
        project: { git_http_url: 'https://github.com/Acme/GitOps.git' },
        commits: [{ added: ['a'] }],
      },
      { receivedAt },
    );
    // The sender is part of the derived id: the same commits through another door are another delivery.
    expect(gitlab).toMatchObject({ kind: 'push' });
    if (gitlab.kind === 'push') expect(gitlab.push.deliveryId).not.toBe(first.push.deliveryId);
  });

  it('treats every path as changed when the commit list cannot be trusted', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ before: ZEROS }, 'a new branch (its diff is not in the payload)'],
      [{ forced: true }, 'a forced push (commits may have been removed)'],
      [{ commits: [] }, 'the push lists no commits'],
      [{ commits: 'none' }, 'the push lists no commits'],
      [
        { commits: Array.from({ length: 2048 }, () => ({ added: ['a'] })) },
        'GitHub lists at most 2048 commits',
      ],
    ];
    for (const [overrides, reason] of cases) {
      expect(classifyGithubPush(body(overrides), { receivedAt }), reason).toMatchObject({
        kind: 'push',
        push: { changedPaths: [], everyPathChanged: reason },
      });
    }
    const listed = classifyGithubPush(
      body({ forced: 'yes', commits: Array.from({ length: 2047 }, () => ({})) }),
      {
        receivedAt,
      },
    );
    expect(listed).toMatchObject({ kind: 'push', push: { changedPaths: [] } });
    if (listed.kind === 'push') expect(listed.push.everyPathChanged).toBeUndefined();
  });

  it('ignores tag pushes, other refs and branch deletions, saying which', () => {
    expect(classifyGithubPush(body({ ref: 'refs/tags/v1' }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'tag push (refs/tags/v1)',
    });
    expect(classifyGithubPush(body({ ref: 'refs/pull/1/head' }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'not a branch (refs/pull/1/head)',
    });
    expect(classifyGithubPush(body({ ref: 'refs/heads/' }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'not a branch (refs/heads/)',
    });
    expect(classifyGithubPush(body({ after: ZEROS }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'branch deletion (main)',
    });
    expect(classifyGithubPush(body({ deleted: true }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'branch deletion (main)',
    });
  });

  it('refuses a payload without a ref or with a commit that is not a commit id, naming the field', () => {
    expect(() => classifyGithubPush(body({ ref: '  ' }), { receivedAt })).toThrow(
      new PushPayloadError('ref', 'is required'),
    );
    expect(() => classifyGithubPush(body({ after: 'main' }), { receivedAt })).toThrow(
      'after: is not a commit id',
    );
    expect(() => classifyGithubPush(body({ after: 'abcdef' }), { receivedAt })).toThrow(
      'after: is not a commit id',
    );
    expect(() => classifyGithubPush(body({ after: `x${AFTER}` }), { receivedAt })).toThrow(
      'after: is not a commit id',
    );
    expect(() => classifyGithubPush(body({ after: `${AFTER}x` }), { receivedAt })).toThrow(
      'after: is not a commit id',
    );
    expect(() => classifyGithubPush(body({ before: undefined }), { receivedAt })).toThrow(
      'before: is required',
    );
    expect(() => classifyGithubPush(null, { receivedAt })).toThrow('ref: is required');
    expect(() => classifyGithubPush([], { receivedAt })).toThrow('ref: is required');
    const error = (() => {
      try {
        classifyGithubPush(body({ before: 'zz' }), { receivedAt });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(PushPayloadError);
    expect(error).toMatchObject({
      name: 'PushPayloadError',
      field: 'before',
      message: 'before: is not a commit id',
    });
  });
});

describe('classifyGitlabPush', () => {
  const body = (overrides: Record<string, unknown> = {}) => ({
    object_kind: 'push',
    ref: 'refs/heads/main',
    before: BEFORE,
    after: AFTER,
    project: { git_http_url: 'https://gitlab.com/Acme/GitOps.git', web_url: 'https://gitlab.com/other/x' },
    commits: [{ added: ['b'], modified: ['a'], removed: ['c'] }],
    total_commits_count: 1,
    ...overrides,
  });

  it('normalizes a branch push', () => {
    expect(classifyGitlabPush(body(), { deliveryId: 'gl-1', receivedAt })).toEqual({
      kind: 'push',
      push: {
        source: 'gitlab',
        repository: 'gitlab.com/acme/gitops',
        branch: 'main',
        before: BEFORE,
        after: AFTER,
        changedPaths: ['a', 'b', 'c'],
        deliveryId: 'gl-1',
        pushedAt: '2026-03-01T10:00:00.000Z',
      },
    });
  });

  it('takes the repository from web_url or repository.homepage when git_http_url is missing', () => {
    expect(
      classifyGitlabPush(body({ project: { web_url: 'https://gitlab.com/acme/a' } }), { receivedAt }),
    ).toMatchObject({
      push: { repository: 'gitlab.com/acme/a' },
    });
    expect(
      classifyGitlabPush(
        body({ project: undefined, repository: { homepage: 'https://gitlab.com/acme/b' } }),
        {
          receivedAt,
        },
      ),
    ).toMatchObject({ push: { repository: 'gitlab.com/acme/b' } });
    expect(() => classifyGitlabPush(body({ project: {} }), { receivedAt })).toThrow(
      'project.web_url: is required',
    );
  });

  it('treats every path as changed for a new branch, no commits, or a truncated list (GitLab lists 20)', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ before: ZEROS }, 'a new branch (its diff is not in the payload)'],
      [{ commits: [], total_commits_count: 0 }, 'the push lists no commits'],
      [{ total_commits_count: 21 }, 'GitLab lists 1 of 21 commits'],
    ];
    for (const [overrides, reason] of cases) {
      expect(classifyGitlabPush(body(overrides), { receivedAt }), reason).toMatchObject({
        push: { changedPaths: [], everyPathChanged: reason },
      });
    }
    const counted = classifyGitlabPush(body({ total_commits_count: '21' }), { receivedAt });
    if (counted.kind !== 'push') throw new Error('not a push');
    expect(counted.push.everyPathChanged).toBeUndefined();
    expect(counted.push.changedPaths).toEqual(['a', 'b', 'c']);
  });

  it('ignores tag pushes, other events, other refs and branch deletions, saying which', () => {
    expect(
      classifyGitlabPush(body({ object_kind: 'tag_push', ref: 'refs/tags/v1' }), { receivedAt }),
    ).toEqual({
      kind: 'ignored',
      reason: 'tag push (refs/tags/v1)',
    });
    expect(classifyGitlabPush(body({ object_kind: 'tag_push', ref: undefined }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'tag push (a tag)',
    });
    expect(classifyGitlabPush(body({ object_kind: 'merge_request' }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'not a push event (merge_request)',
    });
    expect(classifyGitlabPush(body({ object_kind: undefined }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'not a push event (no object_kind)',
    });
    expect(classifyGitlabPush(body({ ref: 'refs/tags/v2' }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'tag push (refs/tags/v2)',
    });
    expect(classifyGitlabPush(body({ after: ZEROS }), { receivedAt })).toEqual({
      kind: 'ignored',
      reason: 'branch deletion (main)',
    });
  });

  it('refuses a push without a ref or a valid commit, naming the field', () => {
    expect(() => classifyGitlabPush(body({ ref: undefined }), { receivedAt })).toThrow('ref: is required');
    expect(() => classifyGitlabPush(body({ before: 'nope' }), { receivedAt })).toThrow(
      'before: is not a commit id',
    );
  });
});

describe('classifyCodecommitEvent and codecommitPush', () => {
  const event = (detail: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) => ({
    source: 'aws.codecommit',
    id: 'evt-1',
    region: 'eu-west-1',
    time: '2026-03-01T09:59:00Z',
    detail: {
      event: 'referenceUpdated',
      referenceType: 'branch',
      referenceName: 'main',
      repositoryName: 'gitops',
      oldCommitId: BEFORE,
      commitId: AFTER.toUpperCase(),
      ...detail,
    },
    ...overrides,
  });

  it('reads the branch update: region, repository, branch, both commits, the event id and time', () => {
    expect(classifyCodecommitEvent(event())).toEqual({
      kind: 'reference',
      reference: {
        region: 'eu-west-1',
        repositoryName: 'gitops',
        branch: 'main',
        before: BEFORE,
        after: AFTER,
        deliveryId: 'evt-1',
        pushedAt: '2026-03-01T09:59:00Z',
      },
    });
  });

  it('has no before commit for a new branch, and the epoch when the event has no time', () => {
    const created = classifyCodecommitEvent(event({ event: 'referenceCreated' }, { time: undefined }));
    expect(created).toEqual({
      kind: 'reference',
      reference: {
        region: 'eu-west-1',
        repositoryName: 'gitops',
        branch: 'main',
        after: AFTER,
        deliveryId: 'evt-1',
        pushedAt: '1970-01-01T00:00:00.000Z',
      },
    });
    const noOld = classifyCodecommitEvent(event({ oldCommitId: undefined }));
    expect(noOld.kind === 'reference' && 'before' in noOld.reference).toBe(false);
  });

  it('ignores deletions, other changes and references that are not branches', () => {
    expect(classifyCodecommitEvent(event({ event: 'referenceDeleted' }))).toEqual({
      kind: 'ignored',
      reason: 'branch deletion',
    });
    expect(classifyCodecommitEvent(event({ event: 'commentOnCommitCreated' }))).toEqual({
      kind: 'ignored',
      reason: 'not a reference update (commentOnCommitCreated)',
    });
    expect(classifyCodecommitEvent(event({ referenceType: 'tag', referenceName: 'v1' }))).toEqual({
      kind: 'ignored',
      reason: 'tag v1 (not a branch)',
    });
    expect(classifyCodecommitEvent(event({ referenceType: 'tag', referenceName: undefined }))).toEqual({
      kind: 'ignored',
      reason: 'tag  (not a branch)',
    });
  });

  it('refuses another source or a missing field, naming it', () => {
    expect(() => classifyCodecommitEvent(event({}, { source: 'aws.s3' }))).toThrow(
      "source: must be 'aws.codecommit'",
    );
    expect(() => classifyCodecommitEvent(event({ event: undefined }))).toThrow('detail.event: is required');
    expect(() => classifyCodecommitEvent(event({ referenceType: undefined }))).toThrow(
      'detail.referenceType: is required',
    );
    expect(() => classifyCodecommitEvent(event({}, { region: '' }))).toThrow('region: is required');
    expect(() => classifyCodecommitEvent(event({ repositoryName: undefined }))).toThrow(
      'detail.repositoryName: is required',
    );
    expect(() => classifyCodecommitEvent(event({ referenceName: undefined }))).toThrow(
      'detail.referenceName: is required',
    );
    expect(() => classifyCodecommitEvent(event({ oldCommitId: 'bad' }))).toThrow(
      'detail.oldCommitId: is not a commit id',
    );
    expect(() => classifyCodecommitEvent(event({ commitId: 'bad' }))).toThrow(
      'detail.commitId: is not a commit id',
    );
    expect(() => classifyCodecommitEvent(event({}, { id: undefined }))).toThrow('id: is required');
  });

  it('makes the normalized push once the paths are known, or every path changed when not', () => {
    const outcome = classifyCodecommitEvent(event());
    if (outcome.kind !== 'reference') throw new Error('not a reference');
    expect(codecommitPush(outcome.reference, { changed: ['./b/', 'a'] })).toEqual({
      source: 'codecommit',
      repository: 'git-codecommit.eu-west-1.amazonaws.com/v1/repos/gitops',
      branch: 'main',
      before: BEFORE,
      after: AFTER,
      changedPaths: ['b', 'a'],
      deliveryId: 'evt-1',
      pushedAt: '2026-03-01T09:59:00Z',
    });
    const { before: _before, ...created } = outcome.reference;
    expect(codecommitPush(created, { unknown: 'the diff failed' })).toMatchObject({
      before: ZEROS,
      changedPaths: [],
      everyPathChanged: 'the diff failed',
    });
  });
});

describe('parseRunStarterEvent', () => {
  const pushed = {
    source: 'github',
    repository: 'github.com/acme/gitops',
    branch: 'main',
    before: BEFORE,
    after: AFTER,
    changedPaths: ['a'],
    deliveryId: 'd-1',
    pushedAt: '2026-03-01T10:00:00.000Z',
  };

  it('reads a GitPushed event from the bus', () => {
    expect(
      parseRunStarterEvent({ source: 'slipway.git', 'detail-type': 'GitPushed', detail: pushed }),
    ).toEqual({
      kind: 'git-pushed',
      push: pushed,
    });
  });

  it('refuses a GitPushed event with a malformed detail, naming the field', () => {
    for (const detail of [
      { ...pushed, after: 'main' },
      { ...pushed, source: 'bitbucket' },
      { ...pushed, repository: 'ab' },
      { ...pushed, branch: '' },
      { ...pushed, deliveryId: '' },
    ]) {
      expect(() =>
        parseRunStarterEvent({ source: 'slipway.git', 'detail-type': 'GitPushed', detail }),
      ).toThrow(ValidationError);
    }
    expect(() =>
      parseRunStarterEvent({ source: 'slipway.git', 'detail-type': 'Pushed', detail: pushed }),
    ).toThrow(ValidationError);
  });

  it('reads the run of an execution status change from its input', () => {
    const input = JSON.stringify({ organization: 'acme', environment: 'prod', runId: 'r-1', spec: {} });
    expect(
      parseRunStarterEvent({
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: { name: 'x', status: 'SUCCEEDED', input },
      }),
    ).toEqual({
      kind: 'run-ended',
      organization: 'acme',
      environment: 'prod',
      runId: 'r-1',
      status: 'SUCCEEDED',
    });
  });

  it('refuses an execution status change whose input is not JSON or names no run', () => {
    const ended = (input: string) => ({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { name: 'x', status: 'FAILED', input },
    });
    expect(() => parseRunStarterEvent(ended('{'))).toThrow(
      'detail.input: must be the execution input as JSON',
    );
    const missing = (() => {
      try {
        parseRunStarterEvent(ended(JSON.stringify({ organization: 'acme', environment: 'prod' })));
      } catch (error) {
        return error;
      }
    })();
    expect(missing).toBeInstanceOf(ValidationError);
    expect(String((missing as Error).message)).toContain('runId');
  });

  it('refuses an event from any other source', () => {
    expect(() => parseRunStarterEvent({ source: 'aws.s3' })).toThrow(
      'source: aws.s3 is not an event the run starter takes',
    );
    expect(() => parseRunStarterEvent(null)).toThrow(
      'source: undefined is not an event the run starter takes',
    );
  });
});

describe('git push payloads at their edges', () => {
  it('strips only a leading scheme, credentials and www., keeping an @ or www inside the path or host', () => {
    expect(normalizeRepository('ssh://git@github.com:22/acme/x.git')).toBe('github.com/acme/x');
    expect(normalizeRepository('https://github.com/acme/team@x')).toBe('github.com/acme/team@x');
    expect(normalizeRepository('https://xwww.example.com/a')).toBe('xwww.example.com/a');
  });

  it('trims the ref, and names the GitLab field a bad commit is in', () => {
    const github = classifyGithubPush(
      {
        ref: ' refs/heads/main ',
        before: BEFORE,
        after: AFTER,
        repository: { clone_url: 'https://github.com/a/b' },
        commits: [{ added: ['x'] }],
      },
      { receivedAt },
    );
    expect(github).toMatchObject({ kind: 'push', push: { branch: 'main' } });
    expect(() =>
      classifyGitlabPush(
        {
          object_kind: 'push',
          ref: 'refs/heads/main',
          before: BEFORE,
          after: 'bad',
          project: { web_url: 'https://gitlab.com/a/b' },
        },
        { receivedAt },
      ),
    ).toThrow(new PushPayloadError('after', 'is not a commit id'));
  });

  it('derives the fallback delivery id from the sender, URL, ref and both commits', () => {
    const id = (...parts: string[]) =>
      createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
    const body = { ref: 'refs/heads/main', before: BEFORE, after: AFTER, commits: [{ added: ['x'] }] };
    const github = classifyGithubPush(
      { ...body, repository: { clone_url: 'https://github.com/a/b' } },
      { receivedAt },
    );
    expect(github.kind === 'push' && github.push.deliveryId).toBe(
      id('github', 'https://github.com/a/b', 'refs/heads/main', BEFORE, AFTER),
    );
    const gitlab = classifyGitlabPush(
      { ...body, object_kind: 'push', project: { web_url: 'https://gitlab.com/a/b' } },
      { receivedAt },
    );
    expect(gitlab.kind === 'push' && gitlab.push.deliveryId).toBe(
      id('gitlab', 'https://gitlab.com/a/b', 'refs/heads/main', BEFORE, AFTER),
    );
  });
});

/**
 * The GitHub and GitLab push hooks, invoked with API Gateway v2 events of real payload shapes
 * over dynalite: authentication on the raw body before anything is parsed (a refused delivery
 * records and publishes nothing), ignored refs, and the normalized GitPushed event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticHookSecrets, verifierFor } from '../../../functions/adapters/secrets/hook-secrets.js';
import { hubSignature } from '../../../functions/domain/hook-auth.js';
import { makeGithubHook } from '../../../functions/handlers/hooks/github.js';
import { makeGitlabHook } from '../../../functions/handlers/hooks/gitlab.js';
import { member, provision } from '../../support/api-fixtures.js';
import {
  codecommitEvent,
  commitId,
  githubDelivery,
  githubPush,
  gitlabDelivery,
  gitlabPush,
  hookEvent,
  ZERO,
} from './payloads.js';
import {
  freshRepository,
  GITHUB_PREVIOUS_SECRET,
  GITHUB_SECRET,
  GITLAB_TOKEN,
  type PushHarness,
  parseBody,
  specFollowing,
  startPushHarness,
} from './push-harness.js';

let harness: PushHarness;
let repository = '';
let environment = '';

beforeAll(async () => {
  harness = await startPushHarness();
  repository = freshRepository();
  environment = 'hooked';
  await provision(
    harness.api,
    harness.organization,
    environment,
    specFollowing(harness.organization, environment, repository),
  );
  // A GitLab-hosted environment of the same organization.
  await provision(
    harness.api,
    harness.organization,
    'on-gitlab',
    specFollowing(harness.organization, 'on-gitlab', `https://gitlab.com/${repository}.git`),
  );
});

afterAll(async () => {
  await harness?.stop();
});

const pathOf = () => `tenants/${harness.organization}/${environment}`;

async function unchanged(act: () => Promise<void>) {
  const before = await harness.api.scan();
  const published = harness.published.length;
  await act();
  await harness.events.settled();
  expect(harness.published.length).toBe(published);
  expect(await harness.api.scan()).toEqual(before);
}

describe('POST /v1/hooks/github', () => {
  it('refuses a delivery without a signature, with a wrong one, or replayed with a modified body: 401, nothing recorded', async () => {
    const payload = githubPush({ repository, commits: [{ modified: [`${pathOf()}/app.yaml`] }] });
    const signed = githubDelivery(payload, GITHUB_SECRET);
    await unchanged(async () => {
      const missing = { ...signed, headers: { ...signed.headers, 'x-hub-signature-256': undefined } };
      const wrong = githubDelivery(payload, 'not-the-secret');
      const tampered = githubPush({ ...payload, repository, after: commitId() } as never);
      const replayed = {
        ...signed,
        body: JSON.stringify({ ...payload, after: (tampered as { after: string }).after }),
      };
      for (const event of [missing, wrong, replayed]) {
        const result = await harness.github(event);
        expect(result.statusCode).toBe(401);
        expect(parseBody(result)).toMatchObject({ error: { code: 'unauthorized' } });
      }
    });
  });

  it('accepts a push signed with the current or, during a rotation, the previous secret, and a base64 body', async () => {
    for (const [secret, base64] of [
      [GITHUB_SECRET, false],
      [GITHUB_PREVIOUS_SECRET, true],
    ] as const) {
      const payload = githubPush({
        repository: repository.toUpperCase(),
        commits: [
          { added: [`${pathOf()}/a.yaml`], modified: ['README.md'] },
          { removed: [`${pathOf()}/b.yaml`] },
        ],
      });
      const delivery = githubDelivery(payload, secret, { deliveryId: `d-${secret}`, base64 });
      const result = await harness.github(delivery);
      expect(result.statusCode).toBe(202);
      expect(parseBody(result)).toMatchObject({ outcome: 'accepted' });
      expect(harness.published.at(-1)).toEqual({
        source: 'github',
        repository: `github.com/${repository}`,
        branch: 'main',
        before: payload.before,
        after: payload.after,
        changedPaths: ['README.md', `${pathOf()}/a.yaml`, `${pathOf()}/b.yaml`].sort(),
        deliveryId: `d-${secret}`,
        pushedAt: expect.any(String),
      });
    }
    await harness.events.settled();
    // The runs those pushes started end before the next test compares the table before and after.
    await harness.api.starter.settled();
  });

  it('answers ping, and ignores other events, tag pushes, branch deletions and unfollowed branches with a 202 that says why', async () => {
    const ping = await harness.github(
      githubDelivery({ zen: 'Keep it logically awesome.', hook_id: 1 }, GITHUB_SECRET, { event: 'ping' }),
    );
    expect(ping.statusCode).toBe(200);
    await unchanged(async () => {
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [githubPush({ repository, ref: 'refs/tags/v1.2.0' }), 'push', /tag push/],
        [githubPush({ repository, after: ZERO, deleted: true }), 'push', /branch deletion/],
        [
          githubPush({ repository, ref: 'refs/heads/feature/x', commits: [{ modified: [pathOf()] }] }),
          'push',
          /no environment follows .*@feature\/x/,
        ],
        [githubPush({ repository, ref: 'refs/pull/7/head' }), 'push', /not a branch/],
        [{ action: 'opened' }, 'pull_request', /not a push event/],
      ];
      for (const [payload, event, reason] of cases) {
        const result = await harness.github(githubDelivery(payload, GITHUB_SECRET, { event }));
        expect(result.statusCode).toBe(202);
        expect(parseBody(result)).toMatchObject({
          outcome: 'ignored',
          reason: expect.stringMatching(reason),
        });
      }
    });
  });

  it('refuses an authentic delivery whose payload lacks a field, naming it (400)', async () => {
    const payload = githubPush({ repository });
    delete (payload as { after?: string }).after;
    const result = await harness.github(githubDelivery(payload, GITHUB_SECRET));
    expect(result.statusCode).toBe(400);
    expect(parseBody(result)).toMatchObject({
      error: {
        message: 'the push payload is invalid: after: is required',
        details: [{ field: 'after', message: 'after: is required' }],
      },
    });
  });

  it('verifies the signature over the exact bytes: a re-serialized body does not pass', async () => {
    const payload = githubPush({ repository });
    const raw = Buffer.from(JSON.stringify(payload, null, 2));
    const event = hookEvent('/v1/hooks/github', JSON.stringify(payload), {
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': hubSignature(GITHUB_SECRET, raw),
    });
    expect((await harness.github(event)).statusCode).toBe(401);
  });
});

describe('a push hook with no secret configured', () => {
  it('refuses every delivery 401 saying no secret is configured, naming the variable, recording nothing', async () => {
    const deps = {
      verify: verifierFor(staticHookSecrets({})),
      publisher: {
        publish: async () => {
          throw new Error('nothing may be published');
        },
      },
      repository: harness.api.repository,
      now: () => new Date(),
    };
    const github = makeGithubHook(deps);
    const gitlab = makeGitlabHook(deps);
    const payload = githubPush({ repository });
    await unchanged(async () => {
      const signed = githubDelivery(payload, GITHUB_SECRET);
      const unsigned = { ...signed, headers: { ...signed.headers, 'x-hub-signature-256': undefined } };
      for (const event of [signed, unsigned]) {
        const result = await github(event);
        expect(result.statusCode).toBe(401);
        expect((parseBody(result).error as { message: string }).message).toBe(
          'no GitHub hook secret is configured, so every delivery is refused: set the github key of the webhooks secret (slipway/webhooks), or SLIPWAY_GITHUB_SECRET in local mode',
        );
      }
      const result = await gitlab(gitlabDelivery(gitlabPush({ project: repository }), GITLAB_TOKEN));
      expect(result.statusCode).toBe(401);
      expect((parseBody(result).error as { message: string }).message).toContain(
        'no GitLab hook token is configured, so every delivery is refused',
      );
      expect(JSON.stringify(parseBody(result))).not.toContain(GITLAB_TOKEN);
    });
    // Configured: the wrong signature keeps its own message.
    const wrong = await harness.github(githubDelivery(payload, 'not-the-secret'));
    expect((parseBody(wrong).error as { message: string }).message).toBe(
      'X-Hub-Signature-256 is missing or does not match the hook secret',
    );
  });
});

describe('POST /v1/hooks/gitlab', () => {
  const project = () => repository;

  it('refuses a missing or wrong X-Gitlab-Token: 401, nothing recorded', async () => {
    const payload = gitlabPush({ project: project(), commits: [{ modified: ['x'] }] });
    await unchanged(async () => {
      for (const token of [undefined, 'wrong', `${GITLAB_TOKEN}x`]) {
        expect((await harness.gitlab(gitlabDelivery(payload, token))).statusCode).toBe(401);
      }
    });
  });

  it('normalizes a push, treating every path as changed when GitLab lists only some commits', async () => {
    const path = `tenants/${harness.organization}/on-gitlab`;
    const payload = gitlabPush({
      project: project(),
      commits: Array.from({ length: 20 }, (_, index) => ({ modified: [`${path}/f${index}.yaml`] })),
      totalCommits: 45,
    });
    const result = await harness.gitlab(gitlabDelivery(payload, GITLAB_TOKEN));
    expect(result.statusCode).toBe(202);
    expect(harness.published.at(-1)).toMatchObject({
      source: 'gitlab',
      repository: `gitlab.com/${repository}`,
      after: payload.after,
      changedPaths: [],
      everyPathChanged: 'GitLab lists 20 of 45 commits',
    });
    await harness.events.settled();
  });

  it('ignores tag pushes and branch deletions', async () => {
    await unchanged(async () => {
      const tag = await harness.gitlab(
        gitlabDelivery(
          gitlabPush({ project: project(), ref: 'refs/tags/v1', kind: 'tag_push' }),
          GITLAB_TOKEN,
          'Tag Push Hook',
        ),
      );
      const deletion = await harness.gitlab(
        gitlabDelivery(gitlabPush({ project: project(), after: ZERO }), GITLAB_TOKEN),
      );
      expect(parseBody(tag)).toMatchObject({ outcome: 'ignored', reason: 'tag push' });
      expect(parseBody(deletion)).toMatchObject({ outcome: 'ignored', reason: 'branch deletion (main)' });
    });
  });
});

describe('the environment index', () => {
  it('moves an environment to the branch its new spec follows', async () => {
    const other = freshRepository();
    const admin = member('org-admin', harness.organization);
    const spec = specFollowing(harness.organization, environment, other);
    const moved = await harness.api.call('put-environment', {
      identity: admin,
      path: { org: harness.organization, env: environment },
      body: spec,
    });
    expect([200, 202]).toContain(moved.status);
    await harness.api.starter.settled();
    expect(
      (await harness.api.repository.listFollowingEnvironments(`github.com/${repository}`, 'main')).items.map(
        (item) => item.environment,
      ),
    ).toEqual([]);
    expect(
      (await harness.api.repository.listFollowingEnvironments(`https://github.com/${other}`, 'main')).items,
    ).toEqual([{ organization: harness.organization, environment, gitopsPath: pathOf(), status: 'READY' }]);
    // A CodeCommit-shaped event is classified without touching anything (its handler is tested with the run starter).
    expect(codecommitEvent({ repositoryName: 'x' }).source).toBe('aws.codecommit');
  });
});

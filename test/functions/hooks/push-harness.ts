/**
 * The Git push path under test, with real parts: the hooks' handlers over the repository on
 * dynalite, the local event dispatcher as the bus (what local mode uses), and the run starter
 * starting runs through the API harness's StartExecution, which runs the synthesized workflow
 * in-process with fake builds (test/support/api-harness.ts).
 */
import { randomBytes } from 'node:crypto';
import { staticHookSecrets, verifierFor } from '../../../functions/adapters/secrets/hook-secrets.js';
import { withStartBackoff } from '../../../functions/adapters/sfn/start-backoff.js';
import type { GitPushed } from '../../../functions/domain/git-push.js';
import { makeRunStarter } from '../../../functions/handlers/events/run-starter.js';
import { makeGithubHook } from '../../../functions/handlers/hooks/github.js';
import { makeGitlabHook } from '../../../functions/handlers/hooks/gitlab.js';
import { LocalEventDispatcher } from '../../../local/events/dispatcher.js';
import { createOrganization, specFor } from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';

export const GITHUB_SECRET = 'gh-hook-secret-current';
export const GITHUB_PREVIOUS_SECRET = 'gh-hook-secret-previous';
export const GITLAB_TOKEN = 'gl-hook-token';

export interface PushHarness {
  readonly api: ApiHarness;
  readonly organization: string;
  readonly events: LocalEventDispatcher;
  readonly published: GitPushed[];
  readonly github: ReturnType<typeof makeGithubHook>;
  readonly gitlab: ReturnType<typeof makeGitlabHook>;
  readonly runStarter: ReturnType<typeof makeRunStarter>;
  readonly throttles: number[];
  stop(): Promise<void>;
}

export async function startPushHarness(
  options: { readonly maxEnvironments?: number } = {},
): Promise<PushHarness> {
  const api = await startApiHarness();
  const organization = await createOrganization(api, undefined, {
    displayName: 'Acme',
    quota: { cpu: '400', memory: '800Gi', pods: 10_000 },
    maxEnvironments: options.maxEnvironments ?? 20,
  });
  const throttles: number[] = [];
  const runStarter = makeRunStarter({
    repository: api.repository,
    runStarter: withStartBackoff(api.starter, {
      sleep: async () => undefined,
      onRetry: (_error, attempt) => throttles.push(attempt),
    }),
    concurrency: 8,
  });
  const published: GitPushed[] = [];
  const events = new LocalEventDispatcher({ target: runStarter, attempts: 1 });
  const bus = {
    async publish(push: GitPushed) {
      published.push(push);
      await events.publish(push);
    },
  };
  const verify = verifierFor(
    staticHookSecrets({ github: [GITHUB_SECRET, GITHUB_PREVIOUS_SECRET], gitlab: GITLAB_TOKEN }),
  );
  const deps = { verify, publisher: bus, repository: api.repository, now: () => new Date() };
  return {
    api,
    organization,
    events,
    published,
    github: makeGithubHook(deps),
    gitlab: makeGitlabHook(deps),
    runStarter,
    throttles,
    stop: () => api.stop(),
  };
}

/** A repository of its own per test (`acme/gitops-<hex>`), so tests never route to each other's environments. */
export function freshRepository(): string {
  return `acme/gitops-${randomBytes(3).toString('hex')}`;
}

/** A spec following `repository` (GitHub unless a full URL is given) at `path`. */
export function specFollowing(organization: string, environment: string, repository: string, path?: string) {
  const spec = specFor(organization, environment);
  return {
    ...spec,
    gitops: {
      repository: repository.startsWith('https://') ? repository : `https://github.com/${repository}.git`,
      branch: 'main',
      path: path ?? `tenants/${organization}/${environment}`,
    },
  };
}

export function parseBody(result: { body: string }): Record<string, unknown> {
  return JSON.parse(result.body) as Record<string, unknown>;
}

/**
 * EventBridge target of "CodeCommit Repository State Change" events (default bus), branch
 * creations and updates only: the changed paths come from GetDifferences between the two
 * commits (a new branch, or a diff that fails, counts as every path changed), and the push goes
 * on Slipway's bus as the same `GitPushed` event the GitHub and GitLab hooks send — when an
 * environment follows that branch. Errors are thrown so EventBridge retries the event.
 */

import { type ChangedPaths, codecommitChangedPaths } from '../../adapters/codecommit/differences.js';
import { eventBridgeGitPushPublisher } from '../../adapters/eventbridge/git-push-publisher.js';
import { classifyCodecommitEvent, codecommitPush } from '../../domain/git-push.js';
import { requireEnv } from '../../shared/config.js';
import { lambdaRepository } from '../../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../../shared/middleware.js';
import { lambdaObservability } from '../../shared/observability.js';
import type { HookResult } from '../hooks/hook-route.js';
import { forwardPush, type PushHookDeps } from '../hooks/push-hook.js';

export interface CodecommitPushDeps extends Omit<PushHookDeps, 'verify' | 'now'> {
  readonly diff: ChangedPaths;
}

export const makeCodecommitPush =
  (deps: CodecommitPushDeps) =>
  async (event: unknown): Promise<HookResult['body']> => {
    const classified = classifyCodecommitEvent(event);
    if (classified.kind === 'ignored') return { outcome: 'ignored', reason: classified.reason };
    const { reference } = classified;
    let paths: { readonly changed: readonly string[] } | { readonly unknown: string };
    if (reference.before === undefined) {
      paths = { unknown: 'a new branch' };
    } else {
      try {
        paths = await deps.diff.changedPaths({
          repositoryName: reference.repositoryName,
          before: reference.before,
          after: reference.after,
        });
      } catch (error) {
        deps.logger?.warn('CodeCommit diff failed; every path counts as changed', {
          repository: reference.repositoryName,
          errorName: error instanceof Error ? error.name : typeof error,
        });
        paths = { unknown: `the CodeCommit diff failed (${error instanceof Error ? error.name : 'error'})` };
      }
    }
    const result = await forwardPush(
      { ...deps, verify: async () => true, now: () => new Date() },
      { kind: 'push', push: codecommitPush(reference, paths) },
    );
    return result.body;
  };

export const handler = lazyLambdaHandler(() =>
  // The SDK clients read AWS_ENDPOINT_URL_CODECOMMIT / AWS_ENDPOINT_URL_EVENTBRIDGE themselves.
  makeCodecommitPush({
    // Both SDK packages are imported on first use, not at cold start: an ignored event (a tag, a
    // deletion) needs neither, a new branch no diff.
    diff: codecommitChangedPaths(async () => {
      const { CodeCommitClient } = await import('@aws-sdk/client-codecommit');
      return new CodeCommitClient({});
    }),
    publisher: eventBridgeGitPushPublisher({
      client: async () => {
        const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
        return new EventBridgeClient({});
      },
      eventBusName: requireEnv('GIT_EVENT_BUS_NAME'),
    }),
    repository: lambdaRepository(),
    ...lambdaObservability,
  }),
);

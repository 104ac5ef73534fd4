/**
 * What the GitHub and GitLab push hooks share once the sender is authenticated and the payload
 * classified: a push to a branch no environment follows is acknowledged (202, "ignored") and goes
 * no further; any other push is put on the event bus as a `GitPushed` event (202, "accepted"), or
 * (202, "duplicate") when an earlier delivery of the commit already decided every environment it
 * touches — it is still published, so a run whose execution never started is started again, but
 * starts nothing new, and the answer names the records it matched.
 * A bus that refuses it is a 5xx, so the sender retries rather than the push being lost.
 */

import type { GitPushPublisher } from '../../adapters/eventbridge/git-push-publisher.js';
import type { HookSource } from '../../adapters/secrets/hook-secrets.js';
import { fieldIssue, validationFailed } from '../../domain/api/error-codes.js';
import { type GitPushed, type PushClassification, PushPayloadError } from '../../domain/git-push.js';
import { earlierDeliveries } from '../../domain/git-push-redelivery.js';
import type { Observability } from '../../shared/observability.js';
import type { HookResult } from './hook-route.js';

export interface PushHookDeps extends Observability {
  /** Runs a check against the accepted secrets of a source (verifierFor in hook-secrets.ts). */
  readonly verify: (source: HookSource, check: (accepted: readonly string[]) => boolean) => Promise<boolean>;
  readonly publisher: GitPushPublisher;
  readonly repository: Parameters<typeof earlierDeliveries>[0];
  readonly now: () => Date;
}

export function ignored(reason: string): HookResult {
  return { status: 202, body: { outcome: 'ignored', reason } };
}

/** Classifies with the payload errors as 400s naming the field. */
export function classifyOrRefuse(classify: () => PushClassification): PushClassification {
  try {
    return classify();
  } catch (error) {
    if (error instanceof PushPayloadError) {
      throw validationFailed([fieldIssue(error.field, error.detail)], 'the push payload');
    }
    throw error;
  }
}

function view(push: GitPushed) {
  return {
    repository: push.repository,
    branch: push.branch,
    before: push.before,
    after: push.after,
    deliveryId: push.deliveryId,
    changedPaths: push.everyPathChanged === undefined ? push.changedPaths.length : 'all',
    ...(push.everyPathChanged !== undefined ? { everyPathChanged: push.everyPathChanged } : {}),
  };
}

export async function forwardPush(deps: PushHookDeps, classified: PushClassification): Promise<HookResult> {
  if (classified.kind === 'ignored') return ignored(classified.reason);
  const { push } = classified;
  const following = await deps.repository.listFollowingEnvironments(push.repository, push.branch, {
    limit: 1,
  });
  if (following.items.length === 0) {
    return ignored(`no environment follows ${push.repository}@${push.branch}`);
  }
  const earlier = await earlierDeliveries(deps.repository, push);
  await deps.publisher.publish(push);
  if (earlier) {
    deps.logger?.info('push redelivered', { source: push.source, ...view(push) });
    return { status: 202, body: { outcome: 'duplicate', push: view(push), duplicateOf: earlier } };
  }
  deps.logger?.info('push accepted', { source: push.source, ...view(push) });
  return { status: 202, body: { outcome: 'accepted', push: view(push) } };
}

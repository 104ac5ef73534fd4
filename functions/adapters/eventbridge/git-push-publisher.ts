/**
 * Puts normalized `GitPushed` events on Slipway's own EventBridge bus (which archives them for
 * replay). One entry per push; a refused entry (PutEvents answers 200 with FailedEntryCount) is an
 * error, so the hook answers 5xx and the sender retries instead of the push being lost.
 */
import { GIT_PUSHED_EVENT, type GitPushed } from '../../domain/git-push.js';
import type { AwsJsonCall } from './aws-json-client.js';

export interface GitPushPublisher {
  publish(push: GitPushed): Promise<void>;
}

export class PutEventsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PutEventsError';
  }
}

export function eventBridgeGitPushPublisher(options: {
  readonly call: AwsJsonCall;
  readonly eventBusName: string;
}): GitPushPublisher {
  return {
    async publish(push) {
      const output = (await options.call('PutEvents', {
        Entries: [
          {
            EventBusName: options.eventBusName,
            Source: GIT_PUSHED_EVENT.source,
            DetailType: GIT_PUSHED_EVENT.detailType,
            Detail: JSON.stringify(push),
            Time: Math.floor(Date.parse(push.pushedAt) / 1000) || undefined,
          },
        ],
      })) as { FailedEntryCount?: number; Entries?: { ErrorCode?: string; ErrorMessage?: string }[] };
      if ((output.FailedEntryCount ?? 0) > 0) {
        const entry = output.Entries?.[0];
        throw new PutEventsError(
          `PutEvents refused the push event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
        );
      }
    },
  };
}

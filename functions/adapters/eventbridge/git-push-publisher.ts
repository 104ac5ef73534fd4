/**
 * Puts normalized `GitPushed` events on Slipway's own EventBridge bus (which archives them for
 * replay). One entry per push; a refused entry (PutEvents answers 200 with FailedEntryCount) is an
 * error, so the hook answers 5xx and the sender retries instead of the push being lost.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GIT_PUSHED_EVENT, type GitPushed } from '../../domain/git-push.js';

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
  readonly client: Pick<EventBridgeClient, 'send'>;
  readonly eventBusName: string;
}): GitPushPublisher {
  return {
    async publish(push) {
      const pushedAt = Date.parse(push.pushedAt);
      const output = await options.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: options.eventBusName,
              Source: GIT_PUSHED_EVENT.source,
              DetailType: GIT_PUSHED_EVENT.detailType,
              Detail: JSON.stringify(push),
              ...(Number.isNaN(pushedAt) ? {} : { Time: new Date(pushedAt) }),
            },
          ],
        }),
      );
      if ((output.FailedEntryCount ?? 0) > 0) {
        const entry = output.Entries?.[0];
        throw new PutEventsError(
          `PutEvents refused the push event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
        );
      }
    },
  };
}

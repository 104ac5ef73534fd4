/**
 * Puts normalized `GitPushed` events on Slipway's own EventBridge bus (which archives them for
 * replay). One entry per push; a refused entry (PutEvents answers 200 with FailedEntryCount) is an
 * error, so the hook answers 5xx and the sender retries instead of the push being lost.
 *
 * The client may be given as a loader: in Lambda the SDK package is imported on the first accepted
 * push, not at cold start (refused, ignored and ping deliveries never publish).
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GIT_PUSHED_EVENT, type GitPushed } from '../../domain/git-push.js';
import { lazyAsync } from '../../shared/config.js';

export interface GitPushPublisher {
  publish(push: GitPushed): Promise<void>;
}

export class PutEventsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PutEventsError';
  }
}

type Client = Pick<EventBridgeClient, 'send'>;

export function eventBridgeGitPushPublisher(options: {
  readonly client: Client | (() => Promise<Client>);
  readonly eventBusName: string;
}): GitPushPublisher {
  const { client } = options;
  const eventBridge = lazyAsync(async () => (typeof client === 'function' ? client() : client));
  return {
    async publish(push) {
      const pushedAt = Date.parse(push.pushedAt);
      // Loaded with the client: the package is in memory once the client exists.
      const [sender, { PutEventsCommand }] = await Promise.all([
        eventBridge(),
        import('@aws-sdk/client-eventbridge'),
      ]);
      const output = await sender.send(
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

/**
 * Local mode's stand-in for EventBridge [simulated bus]: events put on "the bus" are delivered
 * in-process to the same handler the rule targets in AWS (the run starter), asynchronously, as
 * EventBridge delivers them — the hook answers before the runs start. A delivery that throws is
 * retried (EventBridge's retry policy, here a few attempts with a short backoff); one that still
 * fails is kept as a dead letter, as the run starter's dead-letter queue keeps it in AWS.
 */
import { randomUUID } from 'node:crypto';
import type { GitPushPublisher } from '../../functions/adapters/eventbridge/git-push-publisher.js';
import { GIT_PUSHED_EVENT, type GitPushed } from '../../functions/domain/git-push.js';

export interface DeadLetter {
  readonly event: Record<string, unknown>;
  readonly error: string;
}

export interface LocalEventDispatcherOptions {
  /** The rule's target: the run starter's plain handler. */
  readonly target: (event: Record<string, unknown>) => Promise<unknown>;
  /** @default 4 */
  readonly attempts?: number;
  /** Milliseconds before retry n (n = 1, 2 …). @default 200 × n */
  readonly backoffMs?: (attempt: number) => number;
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  readonly region?: string;
}

export class LocalEventDispatcher implements GitPushPublisher {
  readonly deadLetters: DeadLetter[] = [];
  /** Events delivered (handled without error), in delivery order. */
  readonly delivered: Record<string, unknown>[] = [];
  readonly #pending = new Set<Promise<void>>();
  readonly #options: LocalEventDispatcherOptions;

  constructor(options: LocalEventDispatcherOptions) {
    this.#options = options;
  }

  /** Puts a GitPushed event on the local bus. */
  async publish(push: GitPushed): Promise<void> {
    this.dispatch({
      version: '0',
      id: randomUUID(),
      'detail-type': GIT_PUSHED_EVENT.detailType,
      source: GIT_PUSHED_EVENT.source,
      account: '000000000000',
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.#options.region ?? 'us-east-1',
      resources: [],
      detail: push,
    });
  }

  /** Delivers any event to the target, in the background. */
  dispatch(event: Record<string, unknown>): void {
    const delivery = this.#deliver(event).finally(() => this.#pending.delete(delivery));
    this.#pending.add(delivery);
  }

  /** Resolves once every delivery so far (and those they caused) has finished. */
  async settled(): Promise<void> {
    for (let round = 0; round < 1000 && this.#pending.size > 0; round += 1) {
      await Promise.all([...this.#pending]);
    }
  }

  async #deliver(event: Record<string, unknown>): Promise<void> {
    const attempts = this.#options.attempts ?? 4;
    const backoff = this.#options.backoffMs ?? ((attempt: number) => 200 * attempt);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#options.target(event);
        this.delivered.push(event);
        return;
      } catch (error) {
        if (attempt >= attempts) {
          const letter = {
            event,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          };
          this.deadLetters.push(letter);
          this.#options.onDeadLetter?.(letter);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
      }
    }
  }
}

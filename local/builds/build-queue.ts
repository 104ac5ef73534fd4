/**
 * CodeBuild's concurrent-build limit: at most `limit` builds run at once; a build started while
 * the limit is reached waits in the queue (its QUEUED phase) and starts, first in first out,
 * when a running one ends. CodeBuild queues account-level starts the same way instead of
 * refusing them.
 */
export class BuildQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`the concurrent-build limit must be a positive integer, got ${limit}`);
    }
  }

  /** Builds running now. */
  get active(): number {
    return this.running;
  }

  /** Builds waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot, runs `task` in it and frees the slot however `task` ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running += 1;
      return Promise.resolve();
    }
    // The slot is handed over by release(): `running` stays the same, so no later arrival
    // can overtake a build that has been waiting.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

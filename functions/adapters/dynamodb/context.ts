import type { Store } from './store.js';

/** What every repository function needs: the store and a clock (injected so tests control time). */
export interface RepositoryContext {
  readonly store: Store;
  readonly now: () => Date;
}

export const DEFAULT_LIST_LIMIT = 50;

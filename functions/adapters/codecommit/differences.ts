/**
 * The paths a CodeCommit branch update changed: GetDifferences between the old and the new
 * commit, following NextToken page by page. Stops early (and says so) once there are more paths
 * than a push event carries; the caller treats every path as changed then, or when this fails.
 */
import type { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { MAX_CHANGED_PATHS } from '../../domain/git-push.js';
import { lazyAsync } from '../../shared/config.js';

export interface ChangedPaths {
  changedPaths(request: {
    readonly repositoryName: string;
    readonly before: string;
    readonly after: string;
  }): Promise<{ readonly changed: string[] } | { readonly unknown: string }>;
}

const MAX_PAGES = 100;

type Client = Pick<CodeCommitClient, 'send'>;

/**
 * The client may be given as a loader: in Lambda the SDK package is imported on the first branch
 * update that needs a diff, not at cold start (ignored events and new branches need none).
 */
export function codecommitChangedPaths(client: Client | (() => Promise<Client>)): ChangedPaths {
  const codecommit = lazyAsync(async () => (typeof client === 'function' ? client() : client));
  return {
    async changedPaths({ repositoryName, before, after }) {
      const [sender, { GetDifferencesCommand }] = await Promise.all([
        codecommit(),
        import('@aws-sdk/client-codecommit'),
      ]);
      const paths = new Set<string>();
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const output = await sender.send(
          new GetDifferencesCommand({
            repositoryName,
            beforeCommitSpecifier: before,
            afterCommitSpecifier: after,
            MaxResults: 100,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const difference of output.differences ?? []) {
          for (const path of [difference.beforeBlob?.path, difference.afterBlob?.path]) {
            if (path) paths.add(path);
          }
        }
        if (paths.size > MAX_CHANGED_PATHS) return { unknown: `over ${MAX_CHANGED_PATHS} paths changed` };
        nextToken = output.NextToken;
        if (!nextToken) return { changed: [...paths].sort() };
      }
      return { unknown: `the diff has over ${MAX_PAGES} pages` };
    },
  };
}

/**
 * A redelivered Git push, told apart at the hook: an earlier delivery of the same commit left a
 * push record (the run starter's dedup claim, functions/domain/use-cases/git-push-runs.ts) on
 * every environment the push touches. Kept apart from the run starter so the hooks' bundles do not
 * carry it.
 */
import { type GitPushed, pushTouches } from './git-push.js';
import type { PushRepository, PushStatusName } from './use-cases/git-push-runs.js';

/** What an earlier delivery of the same commit decided for one environment (its push record). */
export interface EarlierDelivery {
  readonly organization: string;
  readonly environment: string;
  /** `started` (with its run), `queued` or `unchanged`. */
  readonly status: PushStatusName;
  readonly runId?: string;
  /** The delivery that made the record. */
  readonly deliveryId: string;
}

/** The environments a hook reads to tell a redelivery (one page: a push to more is not classified). */
const REDELIVERY_PAGE = 25;

/**
 * The push records of an earlier delivery of this commit, when it is a redelivery: every
 * environment that follows the branch and whose path the push touches already has a decided
 * record for the commit (started, queued or unchanged), so the run starter will start nothing new
 * (its dedup claim). Undefined when the push has anything new to
 * do: no such environment, one without a record, one whose earlier attempt did not decide
 * (claimed or failed: this delivery carries on), or more environments than one page.
 */
export async function earlierDeliveries(
  repository: Pick<PushRepository, 'listFollowingEnvironments'> & {
    getPush(ref: {
      organization: string;
      environment: string;
      commit: string;
    }): Promise<{ status: PushStatusName; runId?: string | undefined; deliveryId: string } | undefined>;
  },
  push: GitPushed,
): Promise<readonly EarlierDelivery[] | undefined> {
  const listed = await repository.listFollowingEnvironments(push.repository, push.branch, {
    limit: REDELIVERY_PAGE,
  });
  if (listed.nextKey) return undefined;
  const touched = listed.items.filter((item) => pushTouches(push, item.gitopsPath).touched);
  if (touched.length === 0) return undefined;
  const earlier: EarlierDelivery[] = [];
  for (const { organization, environment } of touched) {
    const record = await repository.getPush({ organization, environment, commit: push.after });
    if (!record || record.status === 'claimed' || record.status === 'failed') return undefined;
    earlier.push({
      organization,
      environment,
      status: record.status,
      ...(record.runId ? { runId: record.runId } : {}),
      deliveryId: record.deliveryId,
    });
  }
  return earlier;
}

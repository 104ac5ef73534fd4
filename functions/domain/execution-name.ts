/**
 * The Step Functions execution name of a run. A run the API starts (PUT, resume, teardown) is
 * named by its run id (run-id.ts). A run a Git push starts is named from the environment and the
 * commit, so StartExecution itself refuses a second execution for the same push - a redelivered
 * or replayed event, or a retry whose push record is gone - with `ExecutionAlreadyExists` (a
 * Standard workflow never reuses a name: not while it runs with another input, not after it
 * ended). The push record per (environment, commit) stays the first line of that dedup.
 *
 *   push_<org>_<env>_<commit>                     when that fits in 80 characters
 *   push_<first 38 of "<org>_<env>">_<36 hex>     otherwise: sha256 of "<org>/<env>@<commit>"
 *
 * Only `[A-Za-z0-9_-]` (names are also CloudWatch Logs stream parts); `_` never occurs in a
 * DNS-1123 label, so the parts are unambiguous. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { RunTrigger } from './model.js';

export const MAX_EXECUTION_NAME_LENGTH = 80;
export const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const COMMIT = /^[0-9a-f]{7,64}$/;
const PREFIX = 'push_';
const LONG_PARTS = 38;
const LONG_HASH = 36;

/** The execution name of a push-started run of `<org>/<env>` at `commit` (lower-case hex). */
export function pushExecutionName(organization: string, environment: string, commit: string): string {
  const sha = commit.toLowerCase();
  if (!COMMIT.test(sha)) throw new RangeError(`commit '${commit}' is not a hex commit id`);
  const parts = `${organization}_${environment}`;
  const name = `${PREFIX}${parts}_${sha}`;
  if (name.length <= MAX_EXECUTION_NAME_LENGTH && EXECUTION_NAME.test(name)) return name;
  const hash = createHash('sha256').update(`${organization}/${environment}@${sha}`, 'utf8').digest('hex');
  const readable = parts.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, LONG_PARTS);
  return `${PREFIX}${readable}_${hash.slice(0, LONG_HASH)}`;
}

/** The name a run's execution is started under (see the module comment). */
export function executionNameOf(input: {
  readonly organization: string;
  readonly environment: string;
  readonly runId: string;
  readonly trigger: RunTrigger;
  readonly commit: string;
}): string {
  if (input.trigger === 'git-push' && input.commit !== '') {
    return pushExecutionName(input.organization, input.environment, input.commit);
  }
  return input.runId;
}

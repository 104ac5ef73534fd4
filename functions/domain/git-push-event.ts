/**
 * The events the run starter consumes, as EventBridge delivers them: `GitPushed` from Slipway's
 * bus (its detail is a {@link GitPushed}), and Step Functions' "Execution Status Change" of the
 * provisioning workflow, which tells that a run ended and may have released the lock a queued
 * push waits for. Parsed, never cast: a malformed event fails naming the field.
 */
import * as z from 'zod/mini';
import { ValidationError } from './errors.js';
import { GIT_PUSH_SOURCES, GIT_PUSHED_EVENT, type GitPushed } from './git-push.js';
import { parseInput } from './workflow-events.js';

const Commit = z.string().check(z.regex(/^[0-9a-f]{7,64}$/, 'must be a commit id'));

export const GitPushedDetail = z.object({
  source: z.enum(GIT_PUSH_SOURCES),
  repository: z.string().check(z.minLength(3)),
  branch: z.string().check(z.minLength(1)),
  before: Commit,
  after: Commit,
  changedPaths: z.array(z.string()),
  everyPathChanged: z.optional(z.string()),
  deliveryId: z.string().check(z.minLength(1)),
  pushedAt: z.string(),
});

const GitPushedEvent = z.object({
  source: z.literal(GIT_PUSHED_EVENT.source),
  'detail-type': z.literal(GIT_PUSHED_EVENT.detailType),
  detail: GitPushedDetail,
});

const RunEndedEvent = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({ name: z.string(), status: z.string(), input: z.string() }),
});

const RunRef = z.object({ organization: z.string(), environment: z.string(), runId: z.string() });

export type RunStarterEvent =
  | { readonly kind: 'git-pushed'; readonly push: GitPushed }
  | {
      readonly kind: 'run-ended';
      readonly organization: string;
      readonly environment: string;
      readonly runId: string;
      readonly status: string;
    };

export function parseRunStarterEvent(event: unknown): RunStarterEvent {
  const source = (event as { source?: unknown } | null)?.source;
  if (source === GIT_PUSHED_EVENT.source) {
    const parsed = parseInput(GitPushedEvent, event, 'GitPushed event');
    return { kind: 'git-pushed', push: parsed.detail };
  }
  if (source === 'aws.states') {
    const parsed = parseInput(RunEndedEvent, event, 'execution status change event');
    let input: unknown;
    try {
      input = JSON.parse(parsed.detail.input);
    } catch (error) {
      throw new ValidationError('detail.input: must be the execution input as JSON', ['detail.input'], {
        cause: error,
      });
    }
    const run = parseInput(RunRef, input, 'execution status change event', ['detail', 'input']);
    return { kind: 'run-ended', ...run, status: parsed.detail.status };
  }
  throw new ValidationError(`source: ${String(source)} is not an event the run starter takes`, ['source']);
}

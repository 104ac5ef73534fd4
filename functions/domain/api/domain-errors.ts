/**
 * Turns the state layer's typed errors (functions/domain/errors.ts, matched by `name`) into the
 * API's refusals, so every route answers a busy environment, a refused transition or a bad cursor
 * the same way. Anything else is not a refusal and stays a 500. Pure: no I/O.
 */
import { ApiError, type FieldIssue, fieldIssue } from './error-codes.js';

function issueOf(text: string): FieldIssue {
  const match = /^([A-Za-z0-9_.-]+): (.*)$/s.exec(text);
  return match?.[1] && match[2] !== undefined ? fieldIssue(match[1], match[2]) : fieldIssue('request', text);
}

export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (!(error instanceof Error)) return undefined;
  switch (error.name) {
    case 'ValidationError': {
      const issues = (error as Error & { issues?: readonly string[] }).issues ?? [];
      const fields = issues.length > 0 ? issues.map(issueOf) : [issueOf(error.message)];
      return new ApiError('validation.failed', error.message, fields);
    }
    case 'EnvironmentLockedError': {
      const activeRunId = (error as Error & { activeRunId?: string }).activeRunId ?? null;
      return new ApiError('conflict.busy', error.message, { activeRunId });
    }
    case 'TransitionRefusedError':
      return new ApiError('conflict.state', error.message, {});
    case 'OrganizationNotFoundError':
    case 'EnvironmentNotFoundError':
    case 'RunNotFoundError':
      return new ApiError('not-found', error.message, {});
    default:
      return undefined;
  }
}

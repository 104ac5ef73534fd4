/**
 * The HTTP API's error codes, written once: each code has one HTTP status, and every refusal the
 * API answers is `{"error":{"code","message","details"}}` with one of these codes. Clients (the
 * CLI, scripts) branch on `code`, never on `message`. Pure: no I/O.
 */
import { issue } from '../spec/issues.js';

export const ERROR_STATUS = {
  /** A path parameter, query parameter, header or body field failed its schema. */
  'validation.failed': 400,
  /** No verified caller (no JWT claims or no `sub`). */
  unauthorized: 401,
  /** The caller's own organization, but the role lacks the action (or the token carries no role). */
  forbidden: 403,
  /** The resource does not exist — or belongs to an organization the caller is not in. */
  'not-found': 404,
  /** Another run holds the environment's lock; `details.activeRunId` names it. */
  'conflict.busy': 409,
  /** The environment's status does not allow this (nothing to resume, already deleted …). */
  'conflict.state': 409,
  /** A request with the same Idempotency-Key is still being processed. */
  'idempotency.in-progress': 409,
  /** The body is over 64 KiB. */
  'payload.too-large': 413,
  /** A PUT or POST whose Content-Type is not application/json. */
  'unsupported-media-type': 415,
  /** The same Idempotency-Key was used before with another body. */
  'idempotency.key-reused': 422,
  /** The organization's quota ceiling or environment count would be exceeded. */
  'quota.exceeded': 422,
  /** A shared cluster's capacity would be exceeded by its tenants' quotas. */
  'capacity.exceeded': 422,
  /** Something failed on Slipway's side (nothing was left half-written). */
  internal: 500,
  /** The workflow could not be started; the run was abandoned and the lock released: retry. */
  'run.start-failed': 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** One field-named problem: `field` is a dotted path (`network.podCidr`, `limit`, `Idempotency-Key`). */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** `details` of a `quota.exceeded` error: one entry per exceeded resource. */
export interface QuotaIssue extends FieldIssue {
  /** `capacity.exceeded` names cpu, memory or pods too. */
  readonly resource: 'cpu' | 'memory' | 'pods' | 'storage' | 'persistentVolumeClaims' | 'environments';
  /** What this environment asks for (cpu/memory/storage as Kubernetes quantities, pods, claims and environments as counts). */
  readonly requested: string | number;
  /** What the organization's ceiling leaves after its other environments. */
  readonly available: string | number;
}

export type ErrorDetails =
  | readonly FieldIssue[]
  | { readonly activeRunId: string | null }
  | { readonly activeRunId: string | null; readonly cluster: string }
  | { readonly tenants: readonly string[] }
  | { readonly status: string }
  | Readonly<Record<string, never>>;

/**
 * A refusal the API answers as-is. Use cases throw it; the HTTP edge turns it into a response.
 * `name` is set on purpose so logs and tests can tell it from other errors.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** A 400 naming each field; the message lists them so a human reading only the message knows where to look. */
export function validationFailed(issues: readonly FieldIssue[], what = 'the request'): ApiError {
  const message = `${what} is invalid: ${issues.map((issue) => issue.message).join('; ')}`;
  return new ApiError('validation.failed', message, issues);
}

/** Field-named issue whose message starts with its field, once (see spec/issues.ts `issue`). */
export function fieldIssue(field: string, detail: string): FieldIssue {
  return issue(field, detail);
}

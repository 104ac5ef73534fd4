/**
 * Slipway's error hierarchy. Each class sets `name` on purpose: Step Functions `Retry`/`Catch`
 * `ErrorEquals` match on it (a Lambda error's `errorType` is the error's `name`), and so do the
 * API's HTTP mappings. Never rename one without updating the state machine and the API.
 */

/** Base class, so callers can tell Slipway's own errors from anything else. */
export class SlipwayError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SlipwayError';
  }
}

/** Input failed its schema. Never retried: the same input fails again. */
export class ValidationError extends SlipwayError {
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** A required setting (environment variable) is missing: a deployment fault, not an input fault. */
export class ConfigurationError extends SlipwayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/**
 * DynamoDB throttled the request or failed server-side. Safe to retry with backoff: every write
 * in the repository is conditional and idempotent. The state machine retries on this name.
 */
export class TransientStoreError extends SlipwayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientStoreError';
  }
}

/** SNS throttled the publish or failed server-side; safe to retry (the alert is deduplicated). */
export class TransientPublishError extends SlipwayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientPublishError';
  }
}

export class OrganizationNotFoundError extends SlipwayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrganizationNotFoundError';
  }
}

export class EnvironmentNotFoundError extends SlipwayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EnvironmentNotFoundError';
  }
}

export class RunNotFoundError extends SlipwayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RunNotFoundError';
  }
}

/** Another run holds the environment's lock (the API answers 409). */
export class EnvironmentLockedError extends SlipwayError {
  readonly activeRunId: string | undefined;
  constructor(message: string, activeRunId?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EnvironmentLockedError';
    this.activeRunId = activeRunId;
  }
}

/**
 * A status change the rules forbid (a stale or out-of-order event: moving a phase or an
 * environment backwards, finishing a run twice with different outcomes).
 */
export class TransitionRefusedError extends SlipwayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransitionRefusedError';
  }
}

/**
 * StartExecution refused the run id (the execution name) because an execution with that name
 * already exists with another input, or has finished: the same run is never started twice.
 */
export class RunAlreadyStartedError extends SlipwayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RunAlreadyStartedError';
  }
}

/**
 * Maps DynamoDB SDK errors onto Slipway's errors: throttling and server faults become
 * TransientStoreError (the state machine retries that name); a failed condition is reported
 * to the caller, which knows which domain error it means.
 */
import { TransientStoreError } from '../../domain/errors.js';

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: unknown;
}

function shape(error: unknown): SdkErrorShape {
  return error !== null && typeof error === 'object' ? (error as SdkErrorShape) : {};
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return shape(error).name === 'ConditionalCheckFailedException';
}

export function isTransient(error: unknown): boolean {
  const { name, $metadata, $retryable } = shape(error);
  if (typeof name === 'string' && TRANSIENT_NAMES.has(name)) return true;
  const status = $metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  return $retryable !== undefined && $retryable !== null;
}

/** Rethrows `error` as TransientStoreError when it is transient; otherwise returns it unchanged. */
export function toStoreError(error: unknown, operation: string): unknown {
  if (isTransient(error)) {
    const name = shape(error).name;
    return new TransientStoreError(`DynamoDB ${operation} failed transiently (${String(name)})`, {
      cause: error,
    });
  }
  return error;
}

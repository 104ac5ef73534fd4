import { ConfigurationError } from '../domain/errors.js';

/** Reads a required environment variable; a missing one is a deployment fault, reported by name. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(`environment variable ${name} is not set`);
  }
  return value;
}

/**
 * Builds a value on first use and keeps it: handler modules build their clients lazily, so a
 * test can import a handler's factory without the Lambda environment, while a misconfigured
 * function still fails on its first invocation.
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/**
 * Loads a value on first use, once: for an SDK client only a rarer path needs (`await import()`
 * of its package, so a cold start does not evaluate it). A failed load is not kept: the next
 * call tries again.
 */
export function lazyAsync<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

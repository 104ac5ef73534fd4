/**
 * Wraps a plain handler function in middy with Powertools: the Lambda context in every log
 * line, metrics flushed per invocation (traces: X-Ray active tracing, see powertools.ts). Handlers stay plain functions so
 * local mode and tests call them directly.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { lazy } from './config.js';
import { logger, metrics } from './powertools.js';

export function lambdaHandler<TEvent, TResult>(handle: (event: TEvent) => Promise<TResult>) {
  const base = async (event: TEvent): Promise<TResult> => handle(event);
  return middy<TEvent, TResult>(base)
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics));
}

/**
 * A middy handler whose plain function (and its clients) is built on the first invocation:
 * importing the module needs no environment variables, a misconfigured function fails on
 * its first event with a ConfigurationError naming the missing variable.
 */
export function lazyLambdaHandler<TEvent, TResult>(build: () => (event: TEvent) => Promise<TResult>) {
  const plain = lazy(build);
  return lambdaHandler<TEvent, TResult>((event) => plain()(event));
}

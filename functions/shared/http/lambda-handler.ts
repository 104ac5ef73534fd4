/**
 * A route's Lambda entry point: middy with the Powertools middlewares every function uses (Lambda
 * context in each log line, metrics flushed; traces: X-Ray active tracing, see powertools.ts), and the route's plain function
 * with its clients built on the first invocation (so importing a handler module needs no
 * environment; a misconfigured function fails on its first request naming the variable). The
 * Lambda context is passed on: idempotency reads the remaining time from it.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { lazy } from '../config.js';
import { logger, metrics } from '../powertools.js';
import type { HttpResult } from './response.js';
import type { ApiHandler } from './route.js';

export function apiLambdaHandler(build: () => ApiHandler) {
  const plain = lazy(build);
  return middy<unknown, HttpResult, Error, Context>((event: unknown, context: Context) =>
    plain()(event, context),
  )
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics));
}

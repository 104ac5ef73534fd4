/**
 * The Lambda context a route's function gets locally: the fields Powertools reads (function
 * name, ARN, memory, request id) and a remaining-time clock that counts down from the
 * integration timeout, as a deployed function's would.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from './event.js';

export function localLambdaContext(functionName: string, timeoutMs: number, now = Date.now): Context {
  const deadline = now() + timeoutMs;
  const unsupported = (what: string) => () => {
    throw new Error(`context.${what} is not supported: return a promise from the handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}

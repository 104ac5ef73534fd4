import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../functions/domain/errors.js';

const HANDLERS = [
  'acquire-lock',
  'record-phase',
  'complete-run',
  'record-failure',
  'publish-alert',
  'execution-ended',
] as const;

function lambdaContext(functionName: string): Context {
  return {
    functionName,
    awsRequestId: 'req-1',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    functionVersion: '$LATEST',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 30_000,
  } as unknown as Context;
}

describe('Lambda entry points', () => {
  it.each(HANDLERS)(
    '%s loads without environment variables and fails on invocation with ConfigurationError naming TABLE_NAME',
    async (name) => {
      const saved = process.env.TABLE_NAME;
      delete process.env.TABLE_NAME;
      try {
        const { handler } = (await import(`../../../functions/handlers/${name}.ts`)) as {
          handler: (event: unknown, context: Context) => Promise<unknown>;
        };
        const error = await handler({}, lambdaContext(name)).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect(String(error)).toContain('TABLE_NAME');
      } finally {
        if (saved !== undefined) process.env.TABLE_NAME = saved;
      }
    },
  );
});

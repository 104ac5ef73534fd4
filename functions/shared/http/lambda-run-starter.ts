/**
 * The Step Functions run starter for the routes that start runs (PUT, DELETE, POST runs). The SFN
 * client's package is imported when the first run starts, not at cold start: most requests to
 * these routes start nothing (a refusal, an unchanged spec, a replay).
 */
import { createRunStarter, type RunStarter } from '../../adapters/sfn/run-starter.js';
import { lazy, requireEnv } from '../config.js';

export const lambdaRunStarter = lazy(
  (): RunStarter =>
    createRunStarter({
      stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
      client: async () => {
        const { SFNClient } = await import('@aws-sdk/client-sfn');
        return new SFNClient({});
      },
    }),
);

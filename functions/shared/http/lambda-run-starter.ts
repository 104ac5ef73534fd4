/** The Step Functions run starter for the routes that start runs (PUT, DELETE, POST runs). */
import { SFNClient } from '@aws-sdk/client-sfn';
import { createRunStarter, type RunStarter } from '../../adapters/sfn/run-starter.js';
import { lazy, requireEnv } from '../config.js';
import { lambdaRepository } from '../lambda-repository.js';
import { tracer } from '../powertools.js';

export const lambdaRunStarter = lazy(
  (): RunStarter =>
    createRunStarter({
      client: tracer.captureAWSv3Client(new SFNClient({})),
      stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
      repository: lambdaRepository(),
    }),
);

/** The SNS alert publisher for Lambda: built once per container on first use, traced by X-Ray. */
import { SNSClient } from '@aws-sdk/client-sns';
import { type AlertPublisher, createAlertPublisher } from '../adapters/sns/alert-publisher.js';
import { lazy, requireEnv } from './config.js';
import { tracer } from './powertools.js';

export const lambdaAlertPublisher = lazy(
  (): AlertPublisher =>
    createAlertPublisher({
      topicArn: requireEnv('TOPIC_ARN'),
      client: tracer.captureAWSv3Client(new SNSClient({})),
    }),
);

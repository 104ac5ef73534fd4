/**
 * The SNS alert publisher for Lambda, built once per container on first use. The SNS client's
 * package is imported when the first alert is published, not at cold start: execution-ended
 * publishes only for a run that ended badly, and its import would otherwise cost every cold start
 * (docs/measurements.md, Lambda bundles).
 */
import { type AlertPublisher, createAlertPublisher } from '../adapters/sns/alert-publisher.js';
import { lazy, requireEnv } from './config.js';

export const lambdaAlertPublisher = lazy(
  (): AlertPublisher =>
    createAlertPublisher({
      topicArn: requireEnv('TOPIC_ARN'),
      client: async () => {
        const { SNSClient } = await import('@aws-sdk/client-sns');
        return new SNSClient({});
      },
    }),
);

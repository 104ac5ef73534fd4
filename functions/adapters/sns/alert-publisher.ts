/**
 * Publishes alerts to the SNS topic with the message attributes subscribers filter on
 * (kind, severity, organization, environment).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type Alert, toSnsMessage } from '../../domain/alert.js';
import { TransientPublishError } from '../../domain/errors.js';

export interface AlertPublisher {
  publish(alert: Alert): Promise<{ messageId: string | undefined }>;
}

export interface AlertPublisherOptions {
  readonly client: SNSClient;
  readonly topicArn: string;
}

const TRANSIENT_NAMES = new Set([
  'ThrottledException',
  'ThrottlingException',
  'InternalErrorException',
  'KMSThrottlingException',
]);

function isTransient(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof name === 'string' && TRANSIENT_NAMES.has(name)) return true;
  return typeof $metadata?.httpStatusCode === 'number' && $metadata.httpStatusCode >= 500;
}

export function createAlertPublisher({ client, topicArn }: AlertPublisherOptions): AlertPublisher {
  return {
    async publish(alert) {
      try {
        const output = await client.send(new PublishCommand({ TopicArn: topicArn, ...toSnsMessage(alert) }));
        return { messageId: output.MessageId };
      } catch (error) {
        if (isTransient(error)) {
          throw new TransientPublishError(`SNS publish of alert ${alert.id} failed transiently`, {
            cause: error,
          });
        }
        throw error;
      }
    },
  };
}

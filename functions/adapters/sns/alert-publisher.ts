/**
 * Publishes alerts to the SNS topic with the message attributes subscribers filter on
 * (kind, severity, organization, environment).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import { type Alert, toSnsMessage } from '../../domain/alert.js';
import { TransientPublishError } from '../../domain/errors.js';

export interface AlertPublisher {
  publish(alert: Alert): Promise<{ messageId: string | undefined }>;
}

export interface AlertPublisherOptions {
  /**
   * The client, or how to build it on first use: in Lambda, the SDK package is imported when the
   * first alert is published rather than at cold start (functions/shared/lambda-alert-publisher.ts).
   */
  readonly client: SNSClient | (() => Promise<SNSClient>);
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
  let built: Promise<SNSClient> | undefined;
  const sns = () => {
    built ??= typeof client === 'function' ? client() : Promise.resolve(client);
    return built.catch((error: unknown) => {
      built = undefined;
      throw error;
    });
  };
  return {
    async publish(alert) {
      // Loaded with the client: the package is in memory once the client exists.
      const [snsClient, { PublishCommand }] = await Promise.all([sns(), import('@aws-sdk/client-sns')]);
      try {
        const output = await snsClient.send(
          new PublishCommand({ TopicArn: topicArn, ...toSnsMessage(alert) }),
        );
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

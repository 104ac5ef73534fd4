/**
 * A minimal SNS endpoint on 127.0.0.1 speaking the AWS query protocol the SDK uses for
 * Publish: records every publish (with its message attributes) and can answer with a server
 * fault a set number of times. No AWS account or SNS emulator exists here, so this keeps the
 * real SDK serialization in the test instead of mocking `send`.
 */
import { createServer, type Server } from 'node:http';
import { SNSClient } from '@aws-sdk/client-sns';
import { closeServer, listenOnLoopback } from './loopback.js';

export interface CapturedPublish {
  readonly topicArn: string;
  readonly message: string;
  readonly attributes: Record<string, { dataType: string; value: string }>;
}

export interface FakeSns {
  readonly client: SNSClient;
  readonly publishes: CapturedPublish[];
  /** Answer the next `count` publishes with HTTP 500 InternalError. */
  failNext(count: number): void;
  stop(): Promise<void>;
}

function parsePublish(body: string): CapturedPublish {
  const form = new URLSearchParams(body);
  const attributes: CapturedPublish['attributes'] = {};
  for (let index = 1; form.has(`MessageAttributes.entry.${index}.Name`); index += 1) {
    const prefix = `MessageAttributes.entry.${index}`;
    attributes[form.get(`${prefix}.Name`) ?? ''] = {
      dataType: form.get(`${prefix}.Value.DataType`) ?? '',
      value: form.get(`${prefix}.Value.StringValue`) ?? '',
    };
  }
  return { topicArn: form.get('TopicArn') ?? '', message: form.get('Message') ?? '', attributes };
}

export async function startFakeSns(): Promise<FakeSns> {
  const publishes: CapturedPublish[] = [];
  let failures = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      response.setHeader('content-type', 'text/xml');
      if (failures > 0) {
        failures -= 1;
        response.statusCode = 500;
        response.end(
          '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>try again</Message></Error><RequestId>r-500</RequestId></ErrorResponse>',
        );
        return;
      }
      publishes.push(parsePublish(body));
      response.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>msg-${publishes.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${publishes.length}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  const client = new SNSClient({
    endpoint: await listenOnLoopback(server),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    client,
    publishes,
    failNext(count) {
      failures = count;
    },
    async stop() {
      client.destroy();
      await closeServer(server);
    },
  };
}

/**
 * A webhook receiver on 127.0.0.1 for the alert tests: records every POST (content type and
 * body) and answers with the statuses it is told to, in order, then 200; `hang` makes it accept
 * requests and never answer.
 */
import { createServer } from 'node:http';
import { closeServer, listenOnLoopback } from '../../support/loopback.js';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** The next answers, in order (e.g. `[500]` fails the next request once). */
  answerNext(...statuses: number[]): void;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(options: { hang?: boolean } = {}): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const answers: number[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body,
      });
      if (options.hang) return;
      response.statusCode = answers.shift() ?? 200;
      response.end();
    });
  });
  const url = `${await listenOnLoopback(server)}/hook`;
  return {
    url,
    received,
    answerNext: (...statuses) => answers.push(...statuses),
    stop: () => {
      // fetch keeps connections alive; close them so the server can stop.
      server.closeAllConnections();
      return closeServer(server);
    },
  };
}

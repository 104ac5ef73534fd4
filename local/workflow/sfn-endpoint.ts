/**
 * A Step Functions endpoint on 127.0.0.1 backed by the local engine, speaking the AWS JSON 1.0
 * protocol the SDK uses (`x-amz-target: AWSStepFunctions.<Operation>`), for code that builds its
 * own `SFNClient` — the API's Lambda entry modules, which local mode serves unchanged: point them
 * here with `AWS_ENDPOINT_URL_SFN=<endpoint>` and `STATE_MACHINE_ARN=<engine.stateMachineArn>`.
 * StartExecution and DescribeExecution are answered; errors carry Step Functions' error names
 * (`__type`), so the SDK raises the same exception classes it raises against AWS.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalWorkflowEngine } from './engine.js';
import { answerSfnOperation, SFN_OPERATIONS } from './sfn-operations.js';

/** Step Functions caps an execution input at 256 KiB; a request body larger than 1 MiB is refused. */
const MAX_BODY_BYTES = 1024 * 1024;
const TARGET_PREFIX = 'AWSStepFunctions.';

export interface LocalSfnEndpoint {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startLocalSfnEndpoint(
  engine: LocalWorkflowEngine,
  options: { readonly port?: number } = {},
): Promise<LocalSfnEndpoint> {
  const server = createServer((request, response) => {
    handle(engine, request, response).catch((error: unknown) => {
      answer(response, 500, { __type: 'InternalServerError', message: String(error) });
    });
  });
  // Idle sockets outlive the SDK client's: with Node's 5 s default, a client that reuses its
  // socket just as the server drops it gets "socket hang up" (seen on a busy machine). Closing
  // the server still closes idle sockets at once.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function handle(engine: LocalWorkflowEngine, request: IncomingMessage, response: ServerResponse) {
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = SFN_OPERATIONS.find((name) => `${TARGET_PREFIX}${name}` === target);
  if (request.method !== 'POST' || !operation) {
    return answer(response, 400, {
      __type: 'UnknownOperationException',
      message: `local Step Functions answers ${SFN_OPERATIONS.join(' and ')} only, not ${target || request.method}`,
    });
  }
  const body = await readBody(request);
  if (body === undefined) {
    return answer(response, 413, { __type: 'SerializationException', message: 'request body too large' });
  }
  let input: unknown;
  try {
    input = JSON.parse(body || '{}');
  } catch {
    return answer(response, 400, { __type: 'SerializationException', message: 'request body is not JSON' });
  }
  try {
    return answer(response, 200, await answerSfnOperation(engine, operation, input));
  } catch (error) {
    // The SDK's exception classes (ExecutionAlreadyExists, InvalidName...) are client faults.
    const fault = error !== null && typeof error === 'object' && '$fault' in error ? error.$fault : undefined;
    if (fault === 'client' && error instanceof Error) {
      return answer(response, 400, { __type: error.name, message: error.message });
    }
    return answer(response, 500, { __type: 'InternalServerError', message: String(error) });
  }
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    request.on('error', reject);
  });
}

/** JSON 1.0 answers; timestamps are epoch seconds, as Step Functions sends them. */
function answer(response: ServerResponse, status: number, payload: object): void {
  const wire = Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [
      key,
      value instanceof Date ? value.getTime() / 1000 : value,
    ]),
  );
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify(wire));
}

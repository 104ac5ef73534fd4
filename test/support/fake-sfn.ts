/**
 * A minimal Step Functions endpoint on 127.0.0.1 for StartExecution only, speaking the JSON
 * protocol the SDK uses, with the execution-name rules of a Standard workflow:
 * a name that exists answers the original execution when the input is the same and it is still
 * running, and ExecutionAlreadyExists otherwise. No Step Functions server runs here; this fake
 * keeps the SDK's real serialization in the test instead of mocking `send`.
 */
import { createServer } from 'node:http';
import { SFNClient } from '@aws-sdk/client-sfn';
import { closeServer, listenOnLoopback } from './loopback.js';

export interface FakeExecution {
  readonly name: string;
  readonly input: string;
  readonly executionArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
}

export interface FakeSfn {
  readonly client: SFNClient;
  readonly executions: Map<string, FakeExecution>;
  stop(): Promise<void>;
}

export async function startFakeSfn(stateMachineArn: string): Promise<FakeSfn> {
  const executions = new Map<string, FakeExecution>();
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const answer = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(payload));
      };
      if (request.headers['x-amz-target'] !== 'AWSStepFunctions.StartExecution') {
        return answer(400, { __type: 'UnknownOperationException', message: 'fake SFN: StartExecution only' });
      }
      const { name, input } = JSON.parse(body) as { name: string; input: string };
      const existing = executions.get(name);
      if (existing && (existing.input !== input || existing.status !== 'RUNNING')) {
        return answer(400, {
          __type: 'ExecutionAlreadyExists',
          message: `Execution Already Exists: '${existing.executionArn}'`,
        });
      }
      const execution = existing ?? {
        name,
        input,
        executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
        status: 'RUNNING' as const,
      };
      executions.set(name, execution);
      return answer(200, { executionArn: execution.executionArn, startDate: 1_736_935_400 });
    });
  });
  const client = new SFNClient({
    endpoint: await listenOnLoopback(server),
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    client,
    executions,
    async stop() {
      client.destroy();
      await closeServer(server);
    },
  };
}

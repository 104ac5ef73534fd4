/**
 * A minimal Secrets Manager endpoint on 127.0.0.1 speaking the JSON 1.1 protocol the SDK uses for
 * GetSecretValue, with version stages: enough to run the real Powertools provider and SDK
 * serialization against (no AWS account or emulator here). Counts the calls, so caching shows.
 */
import { createServer, type Server } from 'node:http';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { closeServer, listenOnLoopback } from '../../support/loopback.js';

export interface FakeSecretsManager {
  readonly client: SecretsManagerClient;
  /** GetSecretValue calls received, as `<stage>`. */
  readonly calls: string[];
  /** Sets a secret's versions: AWSCURRENT, and AWSPREVIOUS when given. */
  set(secretId: string, current: string, previous?: string): void;
  stop(): Promise<void>;
}

export async function startFakeSecretsManager(): Promise<FakeSecretsManager> {
  const secrets = new Map<string, { AWSCURRENT: string; AWSPREVIOUS?: string }>();
  const calls: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      const input = JSON.parse(body) as { SecretId: string; VersionStage?: 'AWSCURRENT' | 'AWSPREVIOUS' };
      const stage = input.VersionStage ?? 'AWSCURRENT';
      calls.push(stage);
      const value = secrets.get(input.SecretId)?.[stage];
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || value === undefined) {
        response.statusCode = 400;
        response.end(
          JSON.stringify({
            __type: 'ResourceNotFoundException',
            message: `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
          }),
        );
        return;
      }
      response.end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${input.SecretId}`,
          Name: input.SecretId,
          SecretString: value,
          VersionStages: [stage],
        }),
      );
    });
  });
  const client = new SecretsManagerClient({
    endpoint: await listenOnLoopback(server),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    client,
    calls,
    set(secretId, current, previous) {
      secrets.set(
        secretId,
        previous === undefined ? { AWSCURRENT: current } : { AWSCURRENT: current, AWSPREVIOUS: previous },
      );
    },
    async stop() {
      client.destroy();
      await closeServer(server);
    },
  };
}

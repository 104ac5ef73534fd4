/**
 * A minimal client for AWS JSON 1.1 APIs (EventBridge PutEvents, CodeCommit GetDifferences):
 * SigV4-signed POSTs with the Smithy signer every AWS SDK v3 client uses. This project carries no
 * EventBridge or CodeCommit SDK client (the dependencies are fixed), so these two calls are made
 * here; the Lambda runtime's credentials come from its environment. `endpoint` points a test at
 * a local server (AWS_ENDPOINT_URL_EVENTBRIDGE / AWS_ENDPOINT_URL_CODECOMMIT, as the SDK reads them).
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The Lambda runtime's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error('no AWS credentials in the environment');
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** SHA-256 (or HMAC-SHA256 with a secret) in the shape the Smithy signer expects, over node:crypto. */
class Sha256 {
  readonly #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(typeof data === 'string' ? data : toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(new Uint8Array(data));
}

/** An error answer of an AWS JSON API: `name` is its `__type` (e.g. ThrottlingException). */
export class AwsServiceError extends Error {
  readonly $metadata: { readonly httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

export interface AwsJsonClientOptions {
  /** Signing name, e.g. `events`, `codecommit`. */
  readonly service: string;
  /** `X-Amz-Target` prefix, e.g. `AWSEvents`, `CodeCommit_20150413`. */
  readonly targetPrefix: string;
  readonly region: string;
  /** @default https://<service>.<region>.amazonaws.com */
  readonly endpoint?: string;
  /** @default credentialsFromEnv() at each call */
  readonly credentials?: () => AwsCredentials;
  /** @default 10 s */
  readonly timeoutMs?: number;
}

export type AwsJsonCall = (operation: string, input: unknown) => Promise<unknown>;

export function awsJsonClient(options: AwsJsonClientOptions): AwsJsonCall {
  const url = new URL(options.endpoint ?? `https://${options.service}.${options.region}.amazonaws.com`);
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: async () => (options.credentials ?? credentialsFromEnv)(),
    sha256: Sha256,
  });
  return async (operation, input) => {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname || '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${options.targetPrefix}.${operation}`,
      },
      body,
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    if (!response.ok) {
      const fields = (parsed ?? {}) as { __type?: unknown; message?: unknown; Message?: unknown };
      const type =
        typeof fields.__type === 'string'
          ? (fields.__type.split('#').pop() ?? 'UnknownError')
          : 'UnknownError';
      const message =
        typeof fields.message === 'string' ? fields.message : String(fields.Message ?? response.statusText);
      throw new AwsServiceError(type, `${options.service} ${operation}: ${message}`, response.status);
    }
    return parsed;
  };
}

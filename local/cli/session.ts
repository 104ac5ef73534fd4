/**
 * What every command shares: the API client (endpoint and token from the flags, else
 * `SLIPWAY_ENDPOINT` / `SLIPWAY_TOKEN`), the output format, colours, the clock, and the streams.
 * The token is only ever put in the Authorization header.
 */
import pc from 'picocolors';
import type { Colors } from 'picocolors/types.js';
import { type ApiClient, createApiClient } from './api-client.js';
import { UsageError } from './exit-codes.js';
import type { Clock } from './watch.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8787';

/**
 * A request that failed on the connection or with 502/503/504 is sent up to 3 times in all,
 * 0.5 s then 1 s apart, with the same Idempotency-Key (docs/cli.md, "Retrying safely").
 */
export const REQUEST_ATTEMPTS = 3;
export const RETRY_BACKOFF_MS = 500;

export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

/** The process around the CLI, injectable so tests can drive it in-process. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  readonly clock: Clock;
  readonly randomId: () => string;
  readonly fetch?: typeof globalThis.fetch;
  readonly readStdin?: () => Promise<string>;
}

export interface GlobalOptions {
  readonly endpoint?: string;
  readonly token?: string;
  readonly output: string;
  readonly color: boolean;
}

export interface Session {
  readonly io: CliIo;
  readonly client: ApiClient;
  readonly json: boolean;
  readonly colors: Colors;
  /** Human-readable output (never in json mode). */
  print(text: string): void;
  /** Exactly one JSON document on stdout. */
  printJson(value: unknown): void;
}

export function outputFormat(value: string): 'text' | 'json' {
  if (value === 'text' || value === 'json') return value;
  throw new UsageError(`--output must be text or json, not "${value}"`);
}

export function createSession(io: CliIo, options: GlobalOptions): Session {
  const json = outputFormat(options.output) === 'json';
  const endpoint = options.endpoint ?? io.env.SLIPWAY_ENDPOINT ?? DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`endpoint "${endpoint}" is not a URL (for example ${DEFAULT_ENDPOINT})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`endpoint "${endpoint}" must be an http:// or https:// URL`);
  }
  const token = (options.token ?? io.env.SLIPWAY_TOKEN ?? '').trim();
  if (token === '') {
    throw new UsageError(
      'no token: set SLIPWAY_TOKEN or pass --token (locally: npm run token -- --org <org> --role <role>)',
    );
  }
  const colored = options.color && !json && io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
  return {
    io,
    client: createApiClient({
      endpoint,
      token,
      ...(io.fetch ? { fetch: io.fetch } : {}),
      retry: { attempts: REQUEST_ATTEMPTS, backoffMs: RETRY_BACKOFF_MS, sleep: (ms) => io.clock.sleep(ms) },
    }),
    json,
    colors: pc.createColors(colored),
    print: (text) => {
      if (!json) io.stdout.write(`${text}\n`);
    },
    printJson: (value) => {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}

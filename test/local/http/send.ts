/**
 * Raw HTTP requests for the adapter tests: node:http rather than fetch, so a test controls the
 * exact bytes on the wire (repeated headers, cookies, undecodable bodies).
 */
import { request } from 'node:http';

export interface SentReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  json(): unknown;
}

export function send(
  endpoint: string,
  method: string,
  path: string,
  options: { headers?: readonly [string, string][]; body?: Buffer | string } = {},
): Promise<SentReply> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        // A raw header list replaces Node's defaults, Host included.
        headers: [['Host', url.host], ...(options.headers ?? [])].flat(),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body,
            json: () => JSON.parse(body.toString('utf8')) as unknown,
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

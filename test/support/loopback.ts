import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts `server` on 127.0.0.1 with a free port and returns its `http://127.0.0.1:<port>` endpoint.
 * Idle keep-alive connections stay open until the server closes: with Node's 5 s default, a client
 * that reuses its socket just as the server drops it gets "socket hang up", and the test clients
 * (maxAttempts 1) do not retry; on a busy machine a handler between two calls easily takes 5 s.
 */
export async function listenOnLoopback(server: Server): Promise<string> {
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

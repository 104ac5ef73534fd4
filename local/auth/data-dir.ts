/**
 * Where local mode keeps its state: `SLIPWAY_DATA_DIR`, or `.slipway/` under the working
 * directory. One rule, used by the server, the token script and the CLI tests.
 */
import { resolve } from 'node:path';

export const DEFAULT_DATA_DIR = '.slipway';

export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.SLIPWAY_DATA_DIR?.trim();
  return resolve(configured ? configured : DEFAULT_DATA_DIR);
}

/**
 * `npm start`: local mode in the foreground. Prints where the API listens, the data folder, how
 * to get a token, and which tools run for real or are simulated; shuts down cleanly on SIGINT or
 * SIGTERM (runs still in progress are found at the next start and marked INTERRUPTED, resumable).
 */

import './function-environment.js';
import { banner } from './banner.js';
import { localSettingsFromEnv, startLocalControlPlane } from './control-plane.js';
import { stopWhenOrphaned } from './parent-watch.js';
import { LocalStartError } from './start-guards.js';

// aws-local-stepfunctions needs Node 22; `npm start` runs the node@22 devDependency.
if (Number(process.versions.node.split('.')[0]) < 22) {
  process.stderr.write(
    `slipway local: Node ${process.versions.node} is too old; run it with npm start (Node 22 from node_modules)\n`,
  );
  process.exit(2);
}

const settings = localSettingsFromEnv();
// A second local mode on the same port or data folder: one line, not a stack trace.
const plane = await startLocalControlPlane(settings).catch((error: unknown) => {
  if (!(error instanceof LocalStartError)) throw error;
  process.stderr.write(`slipway local: ${error.message}\n`);
  process.exit(1);
});
process.stdout.write(`${banner(plane)}\n`);

let stopping = false;
const stop = (reason: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\nslipway local: ${reason}, shutting down (runs in progress are resumable)\n`);
  plane.halt().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`slipway local: shutdown failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', () => stop('SIGINT received'));
process.once('SIGTERM', () => stop('SIGTERM received'));

// Under npm (`npm start &`, then `kill %1`), npm's end would otherwise leave the server orphaned.
if (process.env.npm_lifecycle_event !== undefined) stopWhenOrphaned(stop);

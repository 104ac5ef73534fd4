/** `slipway …`: runs the CLI on this process's arguments and streams. */
import { processIo, runCli } from './program.js';

// A reader that stops early (`slipway runs … | head -1`) closes the pipe: that ends the output,
// quietly and successfully, as it does for any Unix filter, instead of an EPIPE stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

// exitCode rather than exit(): stdout is flushed before the process ends, even into a pipe.
process.exitCode = await runCli(process.argv.slice(2), processIo());

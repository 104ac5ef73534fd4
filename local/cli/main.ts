/** `slipway …`: runs the CLI on this process's arguments and streams. */
import { processIo, runCli } from './program.js';

// exitCode rather than exit(): stdout is flushed before the process ends, even into a pipe.
process.exitCode = await runCli(process.argv.slice(2), processIo());

/**
 * The `slipway` command line (commander): global flags, one subcommand per API action, and the
 * mapping of every way a command can end to a documented exit code (see exit-codes.ts).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import { z } from 'zod';
import { ApiConnectionError, ApiRequestError } from './api-client.js';
import { addClusterCommands } from './clusters.js';
import * as commands from './commands.js';
import { EXIT, type ExitCode, UsageError } from './exit-codes.js';
import { DEFAULT_DEADLINE, DEFAULT_INTERVAL } from './follow.js';
import { errorText } from './render/errors.js';
import { type CliIo, createSession, DEFAULT_ENDPOINT, type GlobalOptions, type Session } from './session.js';

/** The `version` of the package.json this CLI ships in: what `slipway --version` prints. */
export function cliVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return z.object({ version: z.string() }).parse(manifest).version;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    randomId: randomUUID,
  };
}

function report(error: unknown, io: CliIo, json: boolean): ExitCode {
  if (error instanceof CommanderError) {
    // commander printed the problem (or the help) already.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof ApiRequestError) {
    if (json) {
      const { status, code, message, details } = error;
      io.stdout.write(`${JSON.stringify({ status, error: { code, message, details } }, null, 2)}\n`);
    } else {
      io.stderr.write(
        `${errorText(error, pc.createColors(io.stderr.isTTY === true && io.env.NO_COLOR === undefined))}\n`,
      );
    }
    return EXIT.api;
  }
  if (error instanceof ApiConnectionError) {
    io.stderr.write(`error: ${error.message}\n`);
    return EXIT.api;
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  io.stderr.write(`error: the CLI failed unexpectedly: ${text}\n`);
  return EXIT.internal;
}

const watchOptions = (command: Command) =>
  command
    .option('-w, --watch', 'follow the run until it ends (exit 0 on READY/DELETED, 1 on failure)')
    .option('--interval <duration>', 'time between polls while watching', DEFAULT_INTERVAL)
    .option('--deadline <duration>', 'stop watching after this long (exit 4)', DEFAULT_DEADLINE);

const pageOptions = (command: Command) =>
  command
    .option('--limit <n>', 'page size (1-100)')
    .option('--cursor <cursor>', 'the cursor a previous page printed');

const idempotencyOption = (command: Command) =>
  command.option(
    '--idempotency-key <key>',
    "retry-safe key sent as Idempotency-Key (default: a random UUID, reused by the CLI's own retries)",
  );

export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  let json = argv.some(
    (arg, i) => arg === '--output=json' || ((arg === '--output' || arg === '-o') && argv[i + 1] === 'json'),
  );
  const program = new Command('slipway')
    .description('Provision, inspect, resume and tear down Slipway environments through the HTTP API.')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
    .version(cliVersion(), '-V, --version', 'print the CLI version')
    .showHelpAfterError('(add --help for usage)')
    .option('--endpoint <url>', `API endpoint (env SLIPWAY_ENDPOINT, default ${DEFAULT_ENDPOINT})`)
    .option(
      '--token <jwt>',
      'bearer token (env SLIPWAY_TOKEN; prefer the variable: flags show in process lists)',
    )
    .addOption(
      new Option('-o, --output <format>', 'text or json (json: one document on stdout, nothing else)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .option('--no-color', 'no colours (also NO_COLOR)');

  const run = (work: (session: Session) => Promise<ExitCode>) => async (command: Command) => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    json = globals.output === 'json';
    exitCode = await work(createSession(io, globals));
  };

  const orgs = program
    .command('orgs')
    .description('list your organizations (platform-admin: all)')
    .action((options: commands.PageFlags, command: Command) =>
      run((session) => commands.listOrganizations(session, options))(command),
    );
  pageOptions(orgs);
  idempotencyOption(
    orgs
      .command('put <org>')
      .description('create or update an organization (platform-admin)')
      .requiredOption('-f, --file <path>', 'organization spec, YAML or JSON (- for stdin)'),
  ).action((org: string, options: { file: string; idempotencyKey?: string }, command: Command) =>
    run((session) => commands.putOrganization(session, org, options))(command),
  );

  watchOptions(
    idempotencyOption(
      program
        .command('provision <org/env>')
        .description('record the desired spec and start a run of the phases whose inputs changed')
        .requiredOption('-f, --file <path>', 'environment spec, YAML or JSON (- for stdin)'),
    ),
  ).action((target: string, options: commands.ChangeFlags & { file: string }, command: Command) =>
    run((session) => commands.provision(session, target, options))(command),
  );

  pageOptions(
    watchOptions(
      program
        .command('status <org/env|org>')
        .description(
          "an environment with its current run's phase timeline (or an organization's environments)",
        ),
    ),
  ).action((target: string, options: commands.PageFlags & commands.ChangeFlags, command: Command) =>
    run((session) => commands.status(session, target, options))(command),
  );

  pageOptions(
    program
      .command('runs <org/env> [runId]')
      .description("an environment's run history, newest first (or one run)"),
  ).action((target: string, runId: string | undefined, options: commands.PageFlags, command: Command) =>
    run((session) => commands.runs(session, target, runId, options))(command),
  );

  watchOptions(
    idempotencyOption(
      program.command('resume <org/env>').description('a new run that starts at the failed phase'),
    ),
  ).action((target: string, options: commands.ChangeFlags, command: Command) =>
    run((session) => commands.resume(session, target, options))(command),
  );

  watchOptions(
    idempotencyOption(
      program
        .command('teardown <org/env>')
        .description('a run that removes the environment, phases in reverse'),
    ),
  ).action((target: string, options: commands.ChangeFlags, command: Command) =>
    run((session) => commands.teardown(session, target, options))(command),
  );

  pageOptions(program.command('alerts <org>').description("the organization's recent alerts")).action(
    (org: string, options: commands.PageFlags, command: Command) =>
      run((session) => commands.alerts(session, org, options))(command),
  );

  pageOptions(
    program.command('audit <org>').description("the organization's audit trail (org-admin, platform-admin)"),
  ).action((org: string, options: commands.PageFlags, command: Command) =>
    run((session) => commands.audit(session, org, options))(command),
  );

  addClusterCommands(program, run, {
    page: pageOptions,
    change: (command) => watchOptions(idempotencyOption(command)),
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error, io, json);
  }
}

/**
 * The CLI's exit codes, documented in docs/cli.md. Scripts branch on them, so they never change
 * meaning: 0 done (a watched run ended READY or DELETED), 1 the watched run failed, 2 the
 * command line was wrong, 3 the API refused the request or could not be reached, 4 a watch
 * reached its deadline while the run was still going, 5 the CLI itself failed (a bug: report it).
 */
export const EXIT = {
  ok: 0,
  runFailed: 1,
  usage: 2,
  api: 3,
  deadline: 4,
  internal: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The command line itself is wrong (bad target, unreadable spec file, missing token). */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One build's log file (`$SLIPWAY_DATA_DIR/builds/<build id>.log`), written the way CodeBuild
 * writes its CloudWatch stream: the agent's own lines start with `[Container] <date> <time>`,
 * command output follows as the commands print it (stdout and stderr interleaved).
 *
 * Every value resolved from the secret store is masked (`***`) before a line reaches the file,
 * as CodeBuild masks Secrets Manager values. Output is masked line by line, so a secret split
 * across two reads of a pipe is still caught; each line of a multi-line secret is masked too.
 */
export class BuildLog {
  private readonly fd: number;
  private readonly secrets: string[];
  private pending = '';

  constructor(
    readonly file: string,
    secrets: readonly string[] = [],
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'a', 0o600);
    this.secrets = maskTargets(secrets);
  }

  /** Adds values to mask from now on (secrets resolved after the log was opened). */
  addSecrets(values: readonly string[]): void {
    for (const target of maskTargets(values)) {
      if (!this.secrets.includes(target)) this.secrets.push(target);
    }
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /** A line of the build agent itself (`[Container] 2026/12/01 19:52:34.123 Running command …`). */
  agent(message: string): void {
    this.flushOutput();
    this.writeLine(`[Container] ${timestamp(new Date())} ${message}`);
  }

  /** Raw output of a command; written once a line is complete. */
  output(chunk: string): void {
    this.pending += chunk;
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      this.writeLine(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
  }

  /** Writes a command's unterminated last line. */
  flushOutput(): void {
    if (this.pending) {
      this.writeLine(this.pending);
      this.pending = '';
    }
  }

  close(): void {
    this.flushOutput();
    closeSync(this.fd);
  }

  mask(text: string): string {
    let masked = text;
    for (const secret of this.secrets) masked = masked.split(secret).join('***');
    return masked;
  }

  private writeLine(line: string): void {
    writeSync(this.fd, `${this.mask(line)}\n`);
  }
}

/** Whole values, and each line of a multi-line value, longest first so no fragment survives. */
function maskTargets(values: readonly string[]): string[] {
  const targets = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    targets.add(value);
    if (value.includes('\n')) {
      for (const line of value.split('\n')) {
        const trimmed = line.trim();
        if (trimmed.length >= 4) targets.add(trimmed);
      }
    }
  }
  return [...targets].sort((a, b) => b.length - a.length);
}

function timestamp(date: Date): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return (
    `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`
  );
}

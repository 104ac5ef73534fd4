import { execFileSync } from 'node:child_process';

/**
 * Returns the absolute path of a command-line tool, or throws with an install hint.
 * Tests that need a real tool call this in `beforeAll` so a missing tool fails loudly
 * instead of skipping silently (.ci/run installs every tool listed here).
 */
export function requireTool(name: string, hint: string): string {
  try {
    return execFileSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`required tool '${name}' is not installed: ${hint}`);
  }
}

/**
 * Reads a spec (environment or organization) from a file: JSON for `.json`, YAML for
 * `.yaml`/`.yml`, and for any other name JSON first, then YAML (YAML 1.2 is a superset of
 * JSON). `-` reads standard input. The result must be an object; the API validates the rest.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './exit-codes.js';

async function readText(path: string, stdin: () => Promise<string>): Promise<string> {
  if (path === '-') return stdin();
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new UsageError(`cannot read ${path}: ${reason}`, { cause: error });
  }
}

export async function readSpecFile(
  path: string,
  stdin: () => Promise<string> = readStdin,
): Promise<Record<string, unknown>> {
  const text = await readText(path, stdin);
  const extension = extname(path).toLowerCase();
  let parsed: unknown;
  try {
    parsed = extension === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `${path} is not valid ${extension === '.json' ? 'JSON' : 'YAML or JSON'}: ${reason}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(
      `${path} must hold an object (a mapping), not ${Array.isArray(parsed) ? 'a list' : typeof parsed}`,
    );
  }
  return parsed as Record<string, unknown>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A refusal, readable: the status and code, the message, then each named field — validation
 * issues (`field: message`), quota issues with the requested and available amounts, the busy
 * environment's active run.
 */
import type { Colors } from 'picocolors/types.js';
import type { ApiRequestError } from '../api-client.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function issueLine(issue: unknown): string {
  if (!isRecord(issue)) return `  - ${text(issue)}`;
  const { field, message, requested, available, ...rest } = issue;
  const name = typeof field === 'string' ? field : undefined;
  const said = typeof message === 'string' ? message : undefined;
  // Messages usually start with their field ("network.podCidr: …"); don't say it twice.
  const body =
    said !== undefined && name !== undefined && !said.startsWith(name)
      ? `${name}: ${said}`
      : (said ?? name ?? '');
  const amounts =
    requested !== undefined || available !== undefined
      ? ` (requested ${text(requested)}, available ${text(available)})`
      : '';
  const extra = Object.keys(rest).filter((key) => key !== 'resource');
  const tail = extra.length > 0 ? ` ${extra.map((key) => `${key}=${text(rest[key])}`).join(' ')}` : '';
  return `  - ${body}${amounts}${tail}`;
}

export function errorText(error: ApiRequestError, colors: Colors): string {
  const lines = [colors.red(`error: ${error.status} ${error.code}: ${error.message}`)];
  const { details } = error;
  if (Array.isArray(details)) lines.push(...details.map(issueLine));
  else if (isRecord(details)) {
    for (const [key, value] of Object.entries(details)) lines.push(`  ${key}: ${text(value)}`);
  }
  if (error.status === 401)
    lines.push('  the token is missing, invalid or expired (npm run token prints a local one)');
  return lines.join('\n');
}

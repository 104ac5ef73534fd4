/**
 * Run ids double as Step Functions execution names, so StartExecution deduplicates runs:
 * `<org>.<env>.<seq, 6 digits>.<first 8 hex of the spec hash>`, e.g. `acme.prod.000003.1a2b3c4d`.
 * Execution names are 1–80 characters without whitespace or `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /`.
 * Organization and environment are DNS-1123 labels (up to 63 characters each), so a long pair
 * is abbreviated: each part over 31 characters becomes its first 26 characters, `_` and 4 hex of
 * its sha256 (`_` never occurs in a DNS label, so an abbreviated id is recognisable).
 */
import { createHash } from 'node:crypto';
import { ValidationError } from './errors.js';

export const MAX_RUN_ID_LENGTH = 80;
const PART_LIMIT = 31;
const SEQ_DIGITS = 6;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const RUN_ID = /^([a-z0-9][-a-z0-9_]*)\.([a-z0-9][-a-z0-9_]*)\.(\d{6,})\.([0-9a-f]{8})$/;

export interface RunIdParts {
  readonly organization: string;
  readonly environment: string;
  readonly seq: number;
  readonly specHash: string;
}

export function formatSeq(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new ValidationError(`run sequence must be a positive integer, got ${seq}`);
  return String(seq).padStart(SEQ_DIGITS, '0');
}

export function buildRunId(parts: RunIdParts): string {
  for (const [what, value] of [
    ['organization', parts.organization],
    ['environment', parts.environment],
  ] as const) {
    if (!DNS_LABEL.test(value)) throw new ValidationError(`${what} '${value}' is not a DNS-1123 label`);
  }
  if (!/^[0-9a-f]{8,}$/.test(parts.specHash)) {
    throw new ValidationError('specHash must be lower-case hex, at least 8 characters');
  }
  const full = `${parts.organization}.${parts.environment}.${formatSeq(parts.seq)}.${parts.specHash.slice(0, 8)}`;
  if (full.length <= MAX_RUN_ID_LENGTH) return full;
  return `${abbreviate(parts.organization)}.${abbreviate(parts.environment)}.${formatSeq(parts.seq)}.${parts.specHash.slice(0, 8)}`;
}

function abbreviate(part: string): string {
  if (part.length <= PART_LIMIT) return part;
  const digest = createHash('sha256').update(part).digest('hex').slice(0, 4);
  return `${part.slice(0, PART_LIMIT - 5)}_${digest}`;
}

export interface ParsedRunId {
  /** Possibly abbreviated (see module comment); compare with {@link buildRunId}, not by hand. */
  readonly organizationPart: string;
  readonly environmentPart: string;
  readonly seq: number;
  readonly specHashPrefix: string;
}

/** Splits a run id; `undefined` when it is not one. The sequence number is always intact. */
export function parseRunId(runId: string): ParsedRunId | undefined {
  if (runId.length > MAX_RUN_ID_LENGTH) return undefined;
  const match = RUN_ID.exec(runId);
  if (!match) return undefined;
  const [, organizationPart = '', environmentPart = '', seq = '', specHashPrefix = ''] = match;
  return { organizationPart, environmentPart, seq: Number(seq), specHashPrefix };
}

/** True when `runId` is exactly the id of that organization, environment, sequence and spec. */
export function runIdMatches(runId: string, parts: RunIdParts): boolean {
  return buildRunId(parts) === runId;
}

/**
 * `executions.jsonl`: the local Step Functions' memory across restarts. One line when an
 * execution starts (written and fsync'd before StartExecution answers) and one when it ends.
 * After a restart it says which names were used (Step Functions never reuses a name) and which
 * executions were still running when the process died.
 */
import { mkdir, open, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';

export const EXECUTIONS_FILE = 'executions.jsonl';

const ENDED_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type EndedStatus = (typeof ENDED_STATUSES)[number];

function isEndedStatus(value: unknown): value is EndedStatus {
  return ENDED_STATUSES.some((status) => status === value);
}

export interface StartedEntry {
  readonly event: 'started';
  readonly name: string;
  readonly executionArn: string;
  /** The execution input exactly as StartExecution received it (JSON text). */
  readonly input: string;
  readonly startDate: string;
}

export interface EndedEntry {
  readonly event: 'ended';
  readonly name: string;
  readonly status: EndedStatus;
  readonly stopDate: string;
  readonly error?: string;
  readonly cause?: string;
}

export type JournalEntry = StartedEntry | EndedEntry;

export interface ExecutionJournal {
  readonly file: string;
  /** Appends one entry, fsync'd before it resolves; appends never interleave. */
  append(entry: JournalEntry): Promise<void>;
}

/**
 * Reads the journal under `dataDir` (none yet: empty) and opens it for appending. A last line
 * cut short by a crash is an entry whose append never returned, so it is dropped (and cut off
 * the file, so the next append starts on a line of its own); a damaged line before the last
 * one is refused, naming the line.
 */
export async function openExecutionJournal(
  dataDir: string,
): Promise<{ journal: ExecutionJournal; entries: JournalEntry[] }> {
  const file = join(dataDir, EXECUTIONS_FILE);
  await mkdir(dataDir, { recursive: true });
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return '';
    throw error;
  });
  const complete = text.endsWith('\n') || text === '' ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete.length < text.length) await truncate(file, Buffer.byteLength(complete, 'utf8'));
  const entries = complete
    .split('\n')
    .filter((line) => line !== '')
    .map((line, index) => parseEntry(line, `${file}:${index + 1}`));

  let tail: Promise<unknown> = Promise.resolve();
  const append = (entry: JournalEntry): Promise<void> => {
    const write = tail.then(async () => {
      const handle = await open(file, 'a');
      try {
        await handle.appendFile(`${JSON.stringify(entry)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    tail = write.catch(() => undefined);
    return write;
  };
  return { journal: { file, append }, entries };
}

function parseEntry(line: string, where: string): JournalEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new Error(`${where} is not a JSON line; the executions journal is damaged`, { cause: error });
  }
  const entry = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const text = (field: string) => {
    const item = entry[field];
    return typeof item === 'string' && item !== '' ? item : undefined;
  };
  const [name, executionArn, startDate, stopDate] = [
    text('name'),
    text('executionArn'),
    text('startDate'),
    text('stopDate'),
  ];
  const { event, input, status, error, cause } = entry;
  if (event === 'started' && name && executionArn && startDate && typeof input === 'string') {
    return { event, name, executionArn, input, startDate };
  }
  if (event === 'ended' && name && stopDate && isEndedStatus(status)) {
    return {
      event,
      name,
      status,
      stopDate,
      ...(typeof error === 'string' ? { error } : {}),
      ...(typeof cause === 'string' ? { cause } : {}),
    };
  }
  throw new Error(`${where} is not an executions journal entry`);
}

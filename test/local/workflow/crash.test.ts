import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertLine } from '../../../local/alerts/local-alert-publisher.js';
import { openLocalWorkflowEngine } from '../../../local/workflow/engine.js';
import { noTaskHandlers } from './no-handlers.js';

const CHILD = join(import.meta.dirname, 'crash-child.ts');

/** Runs the child until it prints `ready`, then SIGKILLs it and waits for it to be gone. */
async function runAndKill(dataDir: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  // Node itself with tsx's loader (the tsx CLI would run the script in a grandchild that a
  // SIGKILL of the CLI leaves running). Only PATH: never the test process's whole environment.
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
    env: { PATH: process.env.PATH ?? '' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 45_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  child.kill('SIGKILL');
  const signal = await exited;
  if (!ready) throw new Error(`the child never got ready: ${stderr}`);
  return { signal, stderr };
}

describe('a SIGKILL of local mode', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-crash-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('loses neither the alert published nor the execution started before it', async () => {
    const { signal } = await runAndKill(dataDir);

    expect(signal).toBe('SIGKILL');
    const alerts = (await readFile(join(dataDir, 'alerts.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(alerts.map((line) => (JSON.parse(line) as AlertLine).message.summary)).toEqual([
      'published just before the kill',
    ]);
    const engine = await openLocalWorkflowEngine({
      definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
      handlers: noTaskHandlers(),
      dataDir,
    });
    expect(engine.interruptedAtStartup()).toEqual([
      expect.objectContaining({ name: 'acme-prod-0001-crash', input: { runId: 'acme-prod-0001-crash' } }),
    ]);
    await expect(
      engine.startExecution({ name: 'acme-prod-0001-crash', input: '{"runId":"acme-prod-0001-crash"}' }),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });
});

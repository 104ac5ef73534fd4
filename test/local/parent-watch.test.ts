import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'orphan-watch.ts');

/** Reads the child's stdout until `pattern` appears or the bound passes. */
async function waitFor(read: () => string, pattern: RegExp, withinMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(read());
    if (match) return match;
    await new Promise((wait) => setTimeout(wait, 25));
  }
  throw new Error(`no ${pattern} within ${withinMs} ms in:\n${read()}`);
}

it('stops a process whose starter is killed (as `kill %1` kills npm), naming the starter', async () => {
  // bash stays the parent (`; true` keeps it from exec-ing node), as npm's shell does.
  const shell = spawn('bash', ['-c', `"${process.execPath}" --import tsx "${FIXTURE}"; true`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  shell.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const started = await waitFor(() => output, /watching from (\d+) under (\d+)/, 15_000);
  expect(Number(started[2])).toBe(shell.pid);
  const child = Number(started[1]);
  shell.kill('SIGKILL');
  // The output pipe stays open through the orphan, which writes its last line and exits.
  await waitFor(() => output, /stopped: .*/, 5_000);
  expect(output).toContain(`stopped: the process that started it (pid ${shell.pid}) has exited`);
  await waitFor(
    () => {
      try {
        process.kill(child, 0);
        return '';
      } catch {
        return 'gone';
      }
    },
    /gone/,
    5_000,
  );
});

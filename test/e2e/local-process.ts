/**
 * `npm start` as a child process, for end-to-end tests over HTTP on 127.0.0.1: starts local mode
 * with its own data folder and a free port, reads the URL from its banner, and signs tokens with
 * the key it uses (SLIPWAY_DEV_JWT_SECRET, set by the test). Every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Role } from '../../functions/domain/authorization.js';
import { signLocalToken } from '../../local/auth/index.js';
import { storeDefinition } from '../../local/workflow/cached-definition.js';
import { definitionFromTemplate } from '../../local/workflow/definition.js';
import { slipwayTemplateJson } from '../support/shared-template.js';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const DEV_SECRET = 'e2e-secret-0123456789abcdef0123456789abcdef';

export interface LocalProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code/signal once the process has ended. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startLocalProcess(
  dataDir: string,
  env: Readonly<Record<string, string>> = {},
  // The first start synthesizes the state machine and bundles the tenant renderer.
  readyWithinMs = 240_000,
): Promise<LocalProcess> {
  // `npm start` is `node --import tsx local/main.ts`: one process (a SIGKILL reaches the server
  // itself), run with this test's Node (22) whatever PATH holds.
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'local', 'main.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      SLIPWAY_DATA_DIR: dataDir,
      PORT: '0',
      SLIPWAY_DEV_JWT_SECRET: DEV_SECRET,
      SLIPWAY_LOCAL_PHASE_SECONDS: '0',
      SLIPWAY_LOCAL_REAL_TOOLS: 'none',
      // The first start synthesizes the stack for its state machine; CDK's CloudFormation
      // validation there only prints warnings (it fails nothing without cdk.json's context) and
      // takes most of the synth's time. It is proven in test/infra/cloudformation-validation.test.ts.
      CDK_VALIDATION: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const deadline = Date.now() + readyWithinMs;
  while (Date.now() < deadline) {
    const match = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match?.[1]) return { url: match[1], child, output: () => output, ended };
    if (child.exitCode !== null) break;
    await new Promise((wait) => setTimeout(wait, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`local mode did not start within ${readyWithinMs} ms:\n${output}`);
}

/**
 * The state machine definition local mode runs, from the run's shared synth of the stack
 * (test/support/synth.ts) instead of a synth of its own in the child process. local-mode.test.ts
 * starts without it, so there local mode synthesizes for real, and shows that what it stored is
 * this definition.
 */
export async function sharedDefinition() {
  return definitionFromTemplate(await slipwayTemplateJson());
}

/**
 * Stores {@link sharedDefinition} as `dataDir`'s cached definition, as a first start would have
 * left it, so the next start there loads it (test/local/workflow/cached-definition.test.ts proves
 * the cache key; local-mode.test.ts the synthesis).
 */
export async function seedDefinition(dataDir: string): Promise<void> {
  storeDefinition(dataDir, await sharedDefinition());
}

export function token(role: Role, organizations: string[], subject = `e2e-${role}`): Promise<string> {
  return signLocalToken(new TextEncoder().encode(DEV_SECRET), { subject, role, organizations });
}

export type Api = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: Record<string, unknown> }>;

export function api(url: string, bearer: string): Api {
  return async (method, path, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

/** Polls GET environment until `done(status)` or the deadline; returns the last body. */
export async function waitForEnvironment(
  call: Api,
  path: string,
  done: (status: string) => boolean,
  withinMs = 120_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + withinMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const { status, body } = await call('GET', path);
    last = body;
    if (status === 200 && typeof body.status === 'string' && done(body.status)) return body;
    await new Promise((wait) => setTimeout(wait, 250));
  }
  throw new Error(`${path} did not reach the expected status within ${withinMs} ms: ${JSON.stringify(last)}`);
}

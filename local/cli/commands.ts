/** One function per command: send the request, print the answer, return the exit code. */
import { apiPath } from './api-client.js';
import {
  AlertView,
  AuditView,
  EnvironmentView,
  OrganizationView,
  pageOf,
  RunAccepted,
  RunView,
} from './api-shapes.js';
import { EXIT, type ExitCode, UsageError } from './exit-codes.js';
import { follow, type WatchFlags, watchTimings } from './follow.js';
import { planLines, progressFrame } from './render/progress.js';
import { alertsTable, auditTable, environmentsTable, organizationsTable, runsTable } from './render/views.js';
import type { Session } from './session.js';
import { readSpecFile } from './spec-file.js';
import { type EnvironmentTarget, parseEnvironmentTarget, parseOrganization, targetLabel } from './target.js';

export interface PageFlags {
  readonly limit?: string;
  readonly cursor?: string;
}

export interface ChangeFlags extends WatchFlags {
  readonly idempotencyKey?: string;
}

function pageQuery(flags: PageFlags) {
  return { limit: flags.limit, cursor: flags.cursor };
}

function printCursor(session: Session, cursor: string | undefined): void {
  if (cursor) session.print(session.colors.dim(`more: add --cursor ${cursor}`));
}

function envPath(target: EnvironmentTarget): string {
  return apiPath('orgs', target.organization, 'environments', target.environment);
}

async function readSpec(session: Session, file: string) {
  return readSpecFile(file, session.io.readStdin);
}

/** Prints a 202/200 of a change, then follows the run when asked to. */
export async function accepted(
  session: Session,
  target: EnvironmentTarget,
  answer: { status: number; body: RunAccepted },
  flags: ChangeFlags,
  timings: { intervalMs: number; deadlineMs: number },
): Promise<ExitCode> {
  const { body } = answer;
  if (!flags.watch && session.json) {
    session.printJson(body);
    return EXIT.ok;
  }
  const { colors } = session;
  if (body.runId) {
    const starts = body.plan?.startAt ? ` (starts at ${body.plan.startAt})` : '';
    session.print(
      `${targetLabel(target)}: run ${body.runId} accepted, environment ${body.environment.status}${starts}`,
    );
  } else {
    session.print(`${targetLabel(target)} is ${body.environment.status} with this spec: nothing to run`);
  }
  if (body.plan) session.print(planLines(body.plan, colors).join('\n'));
  if (!flags.watch) {
    if (body.runId)
      session.print(colors.dim(`follow it with: slipway status ${targetLabel(target)} --watch`));
    return EXIT.ok;
  }
  return follow(session, target, body.runId, timings);
}

export async function listOrganizations(session: Session, flags: PageFlags): Promise<ExitCode> {
  const { body } = await session.client.read(pageOf(OrganizationView), 'GET', apiPath('orgs'), {
    query: pageQuery(flags),
  });
  if (session.json) session.printJson(body);
  else {
    session.print(organizationsTable(body.items));
    printCursor(session, body.cursor);
  }
  return EXIT.ok;
}

export async function putOrganization(
  session: Session,
  organization: string,
  flags: { file: string; idempotencyKey?: string },
): Promise<ExitCode> {
  const org = parseOrganization(organization);
  const spec = await readSpec(session, flags.file);
  const { status, body } = await session.client.read(OrganizationView, 'PUT', apiPath('orgs', org), {
    body: spec,
    idempotencyKey: flags.idempotencyKey ?? session.io.randomId(),
  });
  if (session.json) session.printJson(body);
  else {
    session.print(`organization ${org} ${status === 201 ? 'created' : 'saved'}`);
    session.print(organizationsTable([body]));
  }
  return EXIT.ok;
}

export async function provision(
  session: Session,
  targetText: string,
  flags: ChangeFlags & { file: string },
): Promise<ExitCode> {
  const target = parseEnvironmentTarget(targetText);
  const timings = watchTimings(flags);
  const spec = await readSpec(session, flags.file);
  const answer = await session.client.read(RunAccepted, 'PUT', envPath(target), {
    body: spec,
    idempotencyKey: flags.idempotencyKey ?? session.io.randomId(),
  });
  return accepted(session, target, answer, flags, timings);
}

export async function resume(session: Session, targetText: string, flags: ChangeFlags): Promise<ExitCode> {
  const target = parseEnvironmentTarget(targetText);
  const timings = watchTimings(flags);
  const answer = await session.client.read(RunAccepted, 'POST', `${envPath(target)}/runs`, {
    body: { action: 'resume' },
    idempotencyKey: flags.idempotencyKey ?? session.io.randomId(),
  });
  return accepted(session, target, answer, flags, timings);
}

export async function teardown(session: Session, targetText: string, flags: ChangeFlags): Promise<ExitCode> {
  const target = parseEnvironmentTarget(targetText);
  const timings = watchTimings(flags);
  const answer = await session.client.read(RunAccepted, 'DELETE', envPath(target), {
    idempotencyKey: flags.idempotencyKey ?? session.io.randomId(),
  });
  return accepted(session, target, answer, flags, timings);
}

export async function status(
  session: Session,
  targetText: string,
  flags: WatchFlags & PageFlags,
): Promise<ExitCode> {
  if (!targetText.includes('/')) {
    const org = parseOrganization(targetText);
    if (flags.watch) {
      throw new UsageError(
        `--watch follows one environment's run: give <org>/<env> (slipway status ${org}/<env> --watch)`,
      );
    }
    const { body } = await session.client.read(
      pageOf(EnvironmentView),
      'GET',
      apiPath('orgs', org, 'environments'),
      {
        query: pageQuery(flags),
      },
    );
    if (session.json) session.printJson(body);
    else {
      session.print(environmentsTable(body.items));
      printCursor(session, body.cursor);
    }
    return EXIT.ok;
  }
  const target = parseEnvironmentTarget(targetText);
  if (flags.limit !== undefined || flags.cursor !== undefined) {
    throw new UsageError(
      `--limit and --cursor page a list: status ${targetLabel(target)} shows one environment (slipway status ${target.organization} lists them)`,
    );
  }
  const timings = watchTimings(flags);
  if (flags.watch) return follow(session, target, undefined, timings);
  const { body } = await session.client.read(EnvironmentView, 'GET', envPath(target));
  if (session.json) session.printJson(body);
  else {
    const snapshot = body.currentRun ? { environment: body, run: body.currentRun } : { environment: body };
    session.print(progressFrame(snapshot, { colors: session.colors, now: session.io.clock.now() }));
  }
  return EXIT.ok;
}

export async function runs(
  session: Session,
  targetText: string,
  runId: string | undefined,
  flags: PageFlags,
): Promise<ExitCode> {
  const target = parseEnvironmentTarget(targetText);
  const now = session.io.clock.now();
  if (runId !== undefined) {
    if (flags.limit !== undefined || flags.cursor !== undefined) {
      throw new UsageError(
        `--limit and --cursor page a list: runs ${targetLabel(target)} ${runId} shows one run (slipway runs ${targetLabel(target)} lists them)`,
      );
    }
    const { body } = await session.client.read(
      RunView,
      'GET',
      `${envPath(target)}/runs/${encodeURIComponent(runId)}`,
    );
    if (session.json) session.printJson(body);
    else {
      const { body: environment } = await session.client.read(EnvironmentView, 'GET', envPath(target));
      session.print(progressFrame({ environment, run: body }, { colors: session.colors, now }));
    }
    return EXIT.ok;
  }
  const { body } = await session.client.read(pageOf(RunView), 'GET', `${envPath(target)}/runs`, {
    query: pageQuery(flags),
  });
  if (session.json) session.printJson(body);
  else {
    session.print(runsTable(body.items, now));
    printCursor(session, body.cursor);
  }
  return EXIT.ok;
}

export async function alerts(session: Session, organization: string, flags: PageFlags): Promise<ExitCode> {
  const org = parseOrganization(organization);
  const { body } = await session.client.read(pageOf(AlertView), 'GET', apiPath('orgs', org, 'alerts'), {
    query: pageQuery(flags),
  });
  if (session.json) session.printJson(body);
  else {
    session.print(alertsTable(body.items, session.colors));
    printCursor(session, body.cursor);
  }
  return EXIT.ok;
}

export async function audit(session: Session, organization: string, flags: PageFlags): Promise<ExitCode> {
  const org = parseOrganization(organization);
  const { body } = await session.client.read(pageOf(AuditView), 'GET', apiPath('orgs', org, 'audit'), {
    query: pageQuery(flags),
  });
  if (session.json) session.printJson(body);
  else {
    session.print(auditTable(body.items));
    printCursor(session, body.cursor);
  }
  return EXIT.ok;
}

/**
 * `slipway clusters list|get|alerts|put|delete` (platform-admin): the shared-cluster registry. A cluster's
 * runs are those of the environment `cluster/<name>`, so `--watch` follows them like any run (and
 * `slipway runs cluster/<name>` lists them).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { apiPath } from './api-client.js';
import { AlertView, pageOf, RunAccepted } from './api-shapes.js';
import { accepted, type ChangeFlags, type PageFlags } from './commands.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { watchTimings } from './follow.js';
import { cpuFraction, memoryFraction } from './render/quantities.js';
import { table } from './render/table.js';
import { alertsTable } from './render/views.js';
import type { Session } from './session.js';
import { readSpecFile } from './spec-file.js';
import { parseOrganization } from './target.js';

const Resources = z.looseObject({ cpu: z.string(), memory: z.string(), pods: z.number() });

export const ClusterView = z.looseObject({
  cluster: z.string(),
  status: z.string(),
  currentRunId: z.string().optional(),
  capacity: z.looseObject({ limit: Resources, granted: Resources, available: Resources }).optional(),
  tenants: z
    .array(
      z.looseObject({
        organization: z.string(),
        environment: z.string(),
        status: z.string(),
        granted: Resources,
        stale: z.boolean().default(false),
      }),
    )
    .default([]),
  tenantRuns: z.array(z.string()).default([]),
});
type ClusterView = z.infer<typeof ClusterView>;

/** Both sides of each resource in one unit (the API gives each in its own canonical form). */
const fraction = (granted: z.infer<typeof Resources>, limit: z.infer<typeof Resources>) =>
  `cpu ${cpuFraction(granted.cpu, limit.cpu)}, memory ${memoryFraction(granted.memory, limit.memory)}, pods ${granted.pods}/${limit.pods}`;

function clustersTable(items: readonly ClusterView[]): string {
  if (items.length === 0) return 'no clusters';
  return table(
    ['CLUSTER', 'STATUS', 'TENANTS', 'GRANTED / LIMIT', 'CURRENT RUN'],
    items.map((c) => [
      c.cluster,
      c.status,
      String(c.tenants.length),
      c.capacity ? fraction(c.capacity.granted, c.capacity.limit) : '-',
      c.currentRunId ?? '-',
    ]),
  );
}

function tenantsTable(cluster: ClusterView): string {
  if (cluster.tenants.length === 0) return 'no tenants';
  return table(
    ['TENANT', 'STATUS', 'CPU', 'MEMORY', 'PODS', 'CLUSTER INPUTS'],
    cluster.tenants.map((t) => [
      `${t.organization}/${t.environment}`,
      t.status,
      t.granted.cpu,
      t.granted.memory,
      String(t.granted.pods),
      t.stale ? 'stale: re-PUT its spec' : 'current',
    ]),
  );
}

const clusterPath = (name: string) => apiPath('clusters', parseOrganization(name));
const clusterTarget = (name: string) => ({ organization: 'cluster', environment: parseOrganization(name) });

export async function listClusters(session: Session, flags: PageFlags): Promise<ExitCode> {
  const { body } = await session.client.read(pageOf(ClusterView), 'GET', apiPath('clusters'), {
    query: { limit: flags.limit, cursor: flags.cursor },
  });
  if (session.json) session.printJson(body);
  else {
    session.print(clustersTable(body.items));
    if (body.cursor) session.print(session.colors.dim(`more: add --cursor ${body.cursor}`));
  }
  return EXIT.ok;
}

export async function getCluster(session: Session, name: string): Promise<ExitCode> {
  const { body } = await session.client.read(ClusterView, 'GET', clusterPath(name));
  if (session.json) session.printJson(body);
  else {
    session.print(clustersTable([body]));
    if (body.capacity) session.print(`available: ${fraction(body.capacity.available, body.capacity.limit)}`);
    session.print(tenantsTable(body));
    if (body.tenantRuns.length > 0) session.print(`tenant runs in progress: ${body.tenantRuns.join(', ')}`);
  }
  return EXIT.ok;
}

/** The cluster's own alerts (its runs, its platform namespaces); a tenant's are `slipway alerts <org>`. */
export async function clusterAlerts(session: Session, name: string, flags: PageFlags): Promise<ExitCode> {
  const { body } = await session.client.read(
    pageOf(AlertView),
    'GET',
    apiPath('clusters', parseOrganization(name), 'alerts'),
    {
      query: { limit: flags.limit, cursor: flags.cursor },
    },
  );
  if (session.json) session.printJson(body);
  else {
    session.print(alertsTable(body.items, session.colors));
    if (body.cursor) session.print(session.colors.dim(`more: add --cursor ${body.cursor}`));
  }
  return EXIT.ok;
}

export async function putCluster(session: Session, name: string, flags: ChangeFlags & { file: string }) {
  const timings = watchTimings(flags);
  const spec = await readSpecFile(flags.file, session.io.readStdin);
  const answer = await session.client.read(RunAccepted, 'PUT', clusterPath(name), {
    body: spec,
    idempotencyKey: flags.idempotencyKey ?? session.io.randomId(),
  });
  return accepted(session, clusterTarget(name), answer, flags, timings);
}

export async function deleteCluster(session: Session, name: string, flags: ChangeFlags) {
  const timings = watchTimings(flags);
  const answer = await session.client.read(RunAccepted, 'DELETE', clusterPath(name), {
    idempotencyKey: flags.idempotencyKey ?? session.io.randomId(),
  });
  return accepted(session, clusterTarget(name), answer, flags, timings);
}

type Run = (work: (session: Session) => Promise<ExitCode>) => (command: Command) => Promise<void>;

/** Adds `clusters` and its subcommands to the program. */
export function addClusterCommands(
  program: Command,
  run: Run,
  options: {
    readonly page: (command: Command) => Command;
    readonly change: (command: Command) => Command;
  },
): void {
  const clusters = program
    .command('clusters')
    .description('shared clusters (platform-admin): list, get, alerts, put, delete')
    .action((flags: PageFlags, command: Command) => run((session) => listClusters(session, flags))(command));
  options.page(clusters);
  options
    .page(clusters.command('list').description('the shared clusters with capacity and tenants'))
    .action((_flags: PageFlags, command: Command) =>
      run((session) => listClusters(session, command.optsWithGlobals<PageFlags>()))(command),
    );
  clusters
    .command('get <cluster>')
    .description('a shared cluster: status, capacity (allocatable, granted, available) and tenants')
    .action((name: string, _flags: unknown, command: Command) =>
      run((session) => getCluster(session, name))(command),
    );
  options
    .page(clusters.command('alerts <cluster>').description("a shared cluster's own alerts, newest first"))
    // `clusters` itself takes --limit/--cursor (it lists), and commander gives them to it: read both.
    .action((name: string, _flags: PageFlags, command: Command) =>
      run((session) => clusterAlerts(session, name, command.optsWithGlobals<PageFlags>()))(command),
    );
  options
    .change(
      clusters
        .command('put <cluster>')
        .description('register or change a shared cluster (a run of the phases whose inputs changed)')
        .requiredOption('-f, --file <path>', 'cluster spec, YAML or JSON (- for stdin)'),
    )
    .action((name: string, flags: ChangeFlags & { file: string }, command: Command) =>
      run((session) => putCluster(session, name, flags))(command),
    );
  options
    .change(
      clusters
        .command('delete <cluster>')
        .description('tear a shared cluster down (refused while it has tenants)'),
    )
    .action((name: string, flags: ChangeFlags, command: Command) =>
      run((session) => deleteCluster(session, name, flags))(command),
    );
}

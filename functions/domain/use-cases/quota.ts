/**
 * The organization's ceiling, checked before a spec is recorded: this environment's namespace
 * quotas added to those of the organization's other environments (every one not DELETED) may not
 * exceed the ceiling, nor the environments their maximum. A refusal names each resource with the
 * amount this environment asks for and the amount the ceiling leaves.
 */
import * as z from 'zod/mini';
import '../spec/locale.js';
import { ApiError, type QuotaIssue } from '../api/error-codes.js';
import type { EnvironmentSpec } from '../environment-spec.js';
import { checkOrganizationQuota } from '../organization.js';
import type { OrganizationRecord } from '../records.js';
import { formatCpu, formatMemory } from '../spec/quantities.js';
import { type QuotaTotals, quotaTotals, ResourceQuota, sumNamespaceQuotas } from '../spec/quota.js';
import type { EnvironmentState, UseCaseDeps } from './ports.js';

/** The part of a recorded spec the ceiling counts (recorded specs were validated when recorded). */
const RecordedNamespaces = z.object({ namespaces: z.array(z.object({ quota: ResourceQuota })) });

/** An organization has at most 100 environments (its maxEnvironments): a few pages at most. */
const MAX_PAGES = 20;

async function otherEnvironments(
  deps: Pick<UseCaseDeps, 'repository'>,
  organization: string,
  environment: string,
): Promise<EnvironmentState[]> {
  const others: EnvironmentState[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await deps.repository.listEnvironments(organization, { limit: 100, cursor });
    others.push(...result.items.filter((e) => e.environment !== environment && e.status !== 'DELETED'));
    cursor = result.cursor;
    if (cursor === undefined) return others;
  }
  throw new Error(`organization ${organization} lists more environments than ${MAX_PAGES} pages`);
}

function recordedNamespaces(record: EnvironmentState) {
  const parsed = RecordedNamespaces.safeParse(record.spec);
  if (!parsed.success) {
    throw new Error(
      `recorded spec of ${record.organization}/${record.environment} has no countable namespaces`,
    );
  }
  return parsed.data;
}

function left(ceiling: number, used: number): number {
  return Math.max(0, ceiling - used);
}

export async function requireWithinQuota(
  deps: Pick<UseCaseDeps, 'repository'>,
  organization: OrganizationRecord,
  environment: string,
  spec: EnvironmentSpec,
): Promise<void> {
  const others = (await otherEnvironments(deps, organization.organization, environment)).map(
    recordedNamespaces,
  );
  const check = checkOrganizationQuota(organization, [...others, spec]);
  if (check.ok) return;
  const requested = sumNamespaceQuotas(spec);
  const used: QuotaTotals = sumNamespaceQuotas({ namespaces: others.flatMap((other) => other.namespaces) });
  const ceiling = quotaTotals(organization.quota);
  const name = organization.organization;
  const details: QuotaIssue[] = [];
  for (const { field } of check.issues) {
    if (field === 'quota.cpu') {
      const available = formatCpu(left(ceiling.cpuMillicores, used.cpuMillicores));
      details.push({
        field,
        resource: 'cpu',
        requested: formatCpu(requested.cpuMillicores),
        available,
        message: `quota.cpu: the namespaces request ${formatCpu(requested.cpuMillicores)} CPU; ${name} has ${available} left of its ${formatCpu(ceiling.cpuMillicores)} ceiling`,
      });
    } else if (field === 'quota.memory') {
      const available = formatMemory(left(ceiling.memoryBytes, used.memoryBytes));
      details.push({
        field,
        resource: 'memory',
        requested: formatMemory(requested.memoryBytes),
        available,
        message: `quota.memory: the namespaces request ${formatMemory(requested.memoryBytes)} memory; ${name} has ${available} left of its ${formatMemory(ceiling.memoryBytes)} ceiling`,
      });
    } else if (field === 'quota.pods') {
      const available = left(ceiling.pods, used.pods);
      details.push({
        field,
        resource: 'pods',
        requested: requested.pods,
        available,
        message: `quota.pods: the namespaces request ${requested.pods} pods; ${name} has ${available} left of its ${ceiling.pods} ceiling`,
      });
    } else {
      const available = left(organization.maxEnvironments, others.length);
      details.push({
        field: 'maxEnvironments',
        resource: 'environments',
        requested: 1,
        available,
        message: `maxEnvironments: ${name} already has ${others.length} environments, its maximum is ${organization.maxEnvironments}`,
      });
    }
  }
  throw new ApiError(
    'quota.exceeded',
    `the organization's quota would be exceeded: ${details.map((d) => d.message).join('; ')}`,
    details,
  );
}

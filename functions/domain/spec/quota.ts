import * as z from 'zod/mini';
import './locale.js';
import { issue, type SpecIssue, stringExpected } from './issues.js';
import {
  formatCpu,
  formatMemory,
  parseCpuMillicores,
  parseMemoryBytes,
  QuantityError,
} from './quantities.js';

function quantity(parse: (value: string) => number, what: string) {
  return z
    .string({
      error: stringExpected(
        `must be a ${what} quantity string such as ${what === 'CPU' ? '"4" or "500m"' : '"8Gi"'}`,
      ),
    })
    .check(
      z.superRefine((value, ctx) => {
        try {
          if (parse(value) <= 0)
            ctx.addIssue({ code: 'custom', message: `'${value}' must be greater than zero` });
        } catch (error) {
          if (!(error instanceof QuantityError)) throw error;
          ctx.addIssue({ code: 'custom', message: error.message });
        }
      }),
    );
}

/** CPU as Kubernetes writes it: cores ("4", "1.5") or millicores ("500m"). */
export const CpuQuantity = quantity(parseCpuMillicores, 'CPU');
/** Memory as Kubernetes writes it: "8Gi", "512Mi", "1G", "1e3" (bytes). */
export const MemoryQuantity = quantity(parseMemoryBytes, 'memory');
export const PodCount = z
  .int({ error: 'must be a positive integer' })
  .check(
    z.positive({ error: 'must be a positive integer' }),
    z.lte(10_000, { error: 'must be at most 10000' }),
  );

/** Persistent storage as Kubernetes writes it ("20Gi"); zero is allowed and means none. */
export const StorageQuantity = z
  .string({ error: stringExpected('must be a storage quantity string such as "20Gi"') })
  .check(
    z.superRefine((value, ctx) => {
      try {
        parseMemoryBytes(value);
      } catch (error) {
        if (!(error instanceof QuantityError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    }),
  );
export const PersistentVolumeClaimCount = z
  .int({ error: 'must be a non-negative integer' })
  .check(
    z.nonnegative({ error: 'must be a non-negative integer' }),
    z.lte(10_000, { error: 'must be at most 10000' }),
  );

/**
 * `storage` (the sum of the PersistentVolumeClaims' requests) and `persistentVolumeClaims` (how many)
 * are optional: a namespace that names neither gets no persistent storage (a quota of zero).
 */
export const ResourceQuota = z.strictObject({
  cpu: CpuQuantity,
  memory: MemoryQuantity,
  pods: PodCount,
  storage: z.optional(StorageQuantity),
  persistentVolumeClaims: z.optional(PersistentVolumeClaimCount),
});
export type ResourceQuota = z.infer<typeof ResourceQuota>;

/** Summed quotas in base units: CPU in millicores, memory in bytes. */
export interface QuotaTotals {
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
  readonly pods: number;
}

export function quotaTotals(quota: ResourceQuota): QuotaTotals {
  return {
    cpuMillicores: parseCpuMillicores(quota.cpu),
    memoryBytes: parseMemoryBytes(quota.memory),
    pods: quota.pods,
  };
}

function add(a: QuotaTotals, b: QuotaTotals): QuotaTotals {
  return {
    cpuMillicores: a.cpuMillicores + b.cpuMillicores,
    memoryBytes: a.memoryBytes + b.memoryBytes,
    pods: a.pods + b.pods,
  };
}

const ZERO: QuotaTotals = { cpuMillicores: 0, memoryBytes: 0, pods: 0 };

/** Storage bytes and claims of some namespaces; an omitted value counts as zero. */
function storageTotals(quotas: readonly ResourceQuota[]): { bytes: number; claims: number } {
  return quotas.reduce(
    (sum, quota) => ({
      bytes: sum.bytes + (quota.storage === undefined ? 0 : parseMemoryBytes(quota.storage)),
      claims: sum.claims + (quota.persistentVolumeClaims ?? 0),
    }),
    { bytes: 0, claims: 0 },
  );
}

/** The persistent storage one environment's namespaces request: bytes and claims, absent as zero. */
export function sumNamespaceStorage(spec: {
  readonly namespaces: readonly { readonly quota: ResourceQuota }[];
}): { readonly storageBytes: number; readonly persistentVolumeClaims: number } {
  const { bytes, claims } = storageTotals(spec.namespaces.map((namespace) => namespace.quota));
  return { storageBytes: bytes, persistentVolumeClaims: claims };
}

/** The sum of one environment's namespace quotas. */
export function sumNamespaceQuotas(spec: {
  readonly namespaces: readonly { readonly quota: ResourceQuota }[];
}): QuotaTotals {
  return spec.namespaces.reduce((total, namespace) => add(total, quotaTotals(namespace.quota)), ZERO);
}

/** What checkOrganizationQuota needs of an organization (see functions/domain/organization.ts). */
export interface QuotaCeiling {
  readonly displayName: string;
  readonly quota: ResourceQuota;
  readonly maxEnvironments: number;
}

export type QuotaCheck =
  | { ok: true; total: QuotaTotals; ceiling: QuotaTotals }
  | { ok: false; total: QuotaTotals; ceiling: QuotaTotals; issues: SpecIssue[] };

/**
 * The sum of the namespace quotas of all of an organization's environments may not exceed the
 * organization's ceiling, and it may not have more environments than it is allowed.
 * Pass every environment the organization will have (including the one being changed).
 */
export function checkOrganizationQuota(
  organization: QuotaCeiling,
  specs: readonly { readonly namespaces: readonly { readonly quota: ResourceQuota }[] }[],
): QuotaCheck {
  const total = specs.reduce((sum, spec) => add(sum, sumNamespaceQuotas(spec)), ZERO);
  const ceiling = quotaTotals(organization.quota);
  const who = `the namespaces of ${organization.displayName}'s environments`;
  const issues: SpecIssue[] = [];
  if (total.cpuMillicores > ceiling.cpuMillicores) {
    issues.push(
      issue(
        'quota.cpu',
        `${who} request ${formatCpu(total.cpuMillicores)} CPU, above the organization's ceiling of ${formatCpu(ceiling.cpuMillicores)}`,
      ),
    );
  }
  if (total.memoryBytes > ceiling.memoryBytes) {
    issues.push(
      issue(
        'quota.memory',
        `${who} request ${formatMemory(total.memoryBytes)} memory, above the organization's ceiling of ${formatMemory(ceiling.memoryBytes)}`,
      ),
    );
  }
  if (total.pods > ceiling.pods) {
    issues.push(
      issue(
        'quota.pods',
        `${who} request ${total.pods} pods, above the organization's ceiling of ${ceiling.pods}`,
      ),
    );
  }
  // A ceiling that names no storage does not limit it (organizations recorded before storage existed).
  const storage = storageTotals(specs.flatMap((spec) => spec.namespaces.map((namespace) => namespace.quota)));
  const { storage: storageCeiling, persistentVolumeClaims: claimsCeiling } = organization.quota;
  if (storageCeiling !== undefined && storage.bytes > parseMemoryBytes(storageCeiling)) {
    issues.push(
      issue(
        'quota.storage',
        `${who} request ${formatMemory(storage.bytes)} storage, above the organization's ceiling of ${storageCeiling}`,
      ),
    );
  }
  if (claimsCeiling !== undefined && storage.claims > claimsCeiling) {
    issues.push(
      issue(
        'quota.persistentVolumeClaims',
        `${who} request ${storage.claims} persistent volume claims, above the organization's ceiling of ${claimsCeiling}`,
      ),
    );
  }
  if (specs.length > organization.maxEnvironments) {
    issues.push(
      issue(
        'maxEnvironments',
        `${organization.displayName} would have ${specs.length} environments, above its maximum of ${organization.maxEnvironments}`,
      ),
    );
  }
  return issues.length === 0 ? { ok: true, total, ceiling } : { ok: false, total, ceiling, issues };
}

/**
 * Stored items → domain records. Items are parsed, not cast: a malformed item (hand-edited,
 * written by an older version) fails loudly here instead of deep inside a handler.
 */
import * as z from 'zod/mini';
import type { Alert } from '../../domain/alert.js';
import { ALERT_KINDS, ALERT_SEVERITIES } from '../../domain/alert.js';
import { ClusterStatus } from '../../domain/cluster-event-status.js';
import {
  ENVIRONMENT_STATUSES,
  PHASE_STATUSES,
  PHASES,
  type PhaseName,
  RUN_STATUSES,
  RUN_TRIGGERS,
  TIERS,
} from '../../domain/model.js';
import type { AuditEntry, EnvironmentRecord, OrganizationRecord } from '../../domain/records.js';
import type { PhaseRecord, RunRecord } from '../../domain/run.js';
import type { StoredItem } from './store.js';

const StringMap = z.record(z.string(), z.string());

const OrganizationItem = z.object({
  organization: z.string(),
  displayName: z.string(),
  quota: z.object({
    cpu: z.string(),
    memory: z.string(),
    pods: z.number(),
    storage: z.optional(z.string()),
    persistentVolumeClaims: z.optional(z.number()),
  }),
  maxEnvironments: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const PhaseSuccessItem = z.object({
  fingerprint: z.string(),
  runId: z.string(),
  outputs: StringMap,
  at: z.string(),
});

const EnvironmentItem = z.object({
  organization: z.string(),
  environment: z.string(),
  status: z.enum(ENVIRONMENT_STATUSES),
  tier: z.optional(z.enum(TIERS)),
  spec: z.record(z.string(), z.unknown()),
  specHash: z.string(),
  activeRunId: z.optional(z.string()),
  runSeq: z._default(z.number(), 0),
  lastRunId: z.optional(z.string()),
  lastRunSeq: z.optional(z.number()),
  statusBeforeRun: z.optional(z.enum(ENVIRONMENT_STATUSES)),
  successes: z._default(z.partialRecord(z.enum(PHASES), PhaseSuccessItem), {}),
  gitCommit: z.optional(z.string()),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  statusChangedAt: z.string(),
  cluster: z.optional(ClusterStatus),
});

const PhaseItem = z.object({
  status: z.enum(PHASE_STATUSES),
  startedAt: z.optional(z.string()),
  endedAt: z.optional(z.string()),
  buildId: z.optional(z.string()),
  logLink: z.optional(z.string()),
  outputs: z.optional(StringMap),
  error: z.optional(z.string()),
  reason: z.optional(z.string()),
  handedOnFrom: z.optional(z.string()),
});

const RunItem = z.object({
  organization: z.string(),
  environment: z.string(),
  runId: z.string(),
  seq: z.number(),
  trigger: z.enum(RUN_TRIGGERS),
  commit: z.string(),
  specHash: z.string(),
  status: z.enum(RUN_STATUSES),
  startedAt: z.string(),
  endedAt: z.optional(z.string()),
  phaseOrder: z.array(z.enum(PHASES)),
  phases: z.record(z.string(), PhaseItem),
  inputs: z.optional(z.partialRecord(z.enum(PHASES), z.string())),
  error: z.optional(
    z.object({
      phase: z.enum(PHASES),
      cause: z.string(),
      buildId: z.optional(z.string()),
      logLink: z.optional(z.string()),
      retryable: z.boolean(),
    }),
  ),
  history: z.array(z.object({ at: z.string(), event: z.string(), detail: z.optional(StringMap) })),
  updatedAt: z.string(),
});

const AlertItem = z.object({
  id: z.string(),
  kind: z.enum(ALERT_KINDS),
  severity: z.enum(ALERT_SEVERITIES),
  organization: z.string(),
  environment: z.optional(z.string()),
  run: z.optional(z.string()),
  summary: z.string(),
  detail: z.string(),
  links: z.array(z.object({ label: z.string(), url: z.string() })),
  occurredAt: z.string(),
  dedupKey: z.string(),
});

const AuditItem = z.object({
  organization: z.string(),
  at: z.string(),
  id: z.string(),
  actor: z.string(),
  action: z.string(),
  environment: z.optional(z.string()),
  detail: z.optional(StringMap),
});

/** Storage fields are absent on grants recorded before storage counted: zero. */
const Grant = z.object({
  cpuMillicores: z.number(),
  memoryBytes: z.number(),
  pods: z.number(),
  storageBytes: z._default(z.number(), 0),
  persistentVolumeClaims: z._default(z.number(), 0),
});

/** The organization's quota allocation (organizations.ts), present once it was initialized. */
const AllocationItem = z.object({
  quotaGrants: z.record(z.string(), Grant),
  allocatedCpuMillicores: z.number(),
  allocatedMemoryBytes: z.number(),
  allocatedPods: z.number(),
  allocatedEnvironments: z.number(),
  allocatedStorageBytes: z._default(z.number(), 0),
  allocatedPersistentVolumeClaims: z._default(z.number(), 0),
});

export function toOrganization(item: StoredItem): OrganizationRecord {
  const organization = OrganizationItem.parse(item);
  if (item.allocatedEnvironments === undefined) return organization;
  const allocation = AllocationItem.parse(item);
  return {
    ...organization,
    allocation: {
      grants: allocation.quotaGrants,
      totals: {
        cpuMillicores: allocation.allocatedCpuMillicores,
        memoryBytes: allocation.allocatedMemoryBytes,
        pods: allocation.allocatedPods,
        storageBytes: allocation.allocatedStorageBytes,
        persistentVolumeClaims: allocation.allocatedPersistentVolumeClaims,
        environments: allocation.allocatedEnvironments,
      },
    },
  };
}

export function toEnvironment(item: StoredItem): EnvironmentRecord {
  return EnvironmentItem.parse(item);
}

export function toRun(item: StoredItem): RunRecord {
  const parsed = RunItem.parse(item);
  const phases = Object.fromEntries(
    PHASES.map((phase): [PhaseName, PhaseRecord] => [phase, parsed.phases[phase] ?? { status: 'SKIPPED' }]),
  ) as Record<PhaseName, PhaseRecord>;
  return { ...parsed, phases };
}

export function toAlert(item: StoredItem): Alert {
  return AlertItem.parse(item);
}

export function toAuditEntry(item: StoredItem): AuditEntry {
  return AuditItem.parse(item);
}

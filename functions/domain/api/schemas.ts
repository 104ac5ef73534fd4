/**
 * The HTTP API's request and response schemas, one zod schema per input and output. The edge
 * parses every request with these (strict: an unknown field is refused), and the OpenAPI document
 * (docs/openapi.json) is generated from the same schemas, so the document cannot drift from the
 * code. `described(schema, { id })` names the reusable components of that document. zod/mini, as
 * everything a Lambda bundle parses with: full zod alone would put each API bundle over 250 KB.
 */
import * as z from 'zod/mini';
import '../spec/locale.js';
import { ALERT_KINDS, ALERT_SEVERITIES } from '../alert.js';
import { DELIVERY_STATUSES } from '../alert-delivery.js';
import { EnvironmentName, EnvironmentSpec, OrganizationName } from '../environment-spec.js';
import {
  ENVIRONMENT_STATUSES,
  PHASE_VIEW_STATUSES,
  PHASES,
  RUN_STATUSES,
  RUN_TRIGGERS,
  TIERS,
} from '../model.js';
import { Organization } from '../organization.js';
import { MAX_RUN_ID_LENGTH } from '../run-id.js';
import { ERROR_CODES } from './error-codes.js';

/**
 * A copy of `schema` carrying OpenAPI metadata (description, example, component id) in zod's global
 * registry: what full zod's `.meta()` does, so `schema` itself stays unannotated.
 */
export function described<T extends z.ZodMiniType>(schema: T, meta: z.core.GlobalMeta): T {
  const copy = schema.clone();
  z.globalRegistry.add(copy, meta);
  return copy;
}

// ------------------------------------------------------------------ requests

export const MAX_PAGE_SIZE = 100;
/** Request bodies above this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

const RunIdParam = z.string().check(
  z.minLength(1, { error: 'must not be empty' }),
  z.maxLength(MAX_RUN_ID_LENGTH, { error: `must be at most ${MAX_RUN_ID_LENGTH} characters` }),
  z.regex(/^[a-z0-9][-a-z0-9_.]*$/, {
    error: "must be a run id such as 'acme.prod.000003.1a2b3c4d'",
  }),
);

const org = described(OrganizationName, {
  description: 'Organization name (DNS-1123 label)',
  example: 'acme',
});
const env = described(EnvironmentName, { description: 'Environment name (DNS-1123 label)', example: 'prod' });

export const NoPath = z.strictObject({});
export const OrgPath = z.strictObject({ org });
export const EnvironmentPath = z.strictObject({ org, env });
export const RunPath = z.strictObject({
  org,
  env,
  runId: described(RunIdParam, { description: 'Run id', example: 'acme.prod.000003.1a2b3c4d' }),
});

/** `?limit=&cursor=`: query values are strings; `limit` is checked here and converted by the edge. */
export const ListQuery = z.strictObject({
  limit: described(
    z.optional(
      z
        .string()
        .check(z.regex(/^(100|[1-9][0-9]?)$/, { error: `must be an integer from 1 to ${MAX_PAGE_SIZE}` })),
    ),
    { description: `Page size, 1–${MAX_PAGE_SIZE} (default 50)`, example: '20' },
  ),
  cursor: described(
    z.optional(
      z
        .string()
        .check(
          z.minLength(1, { error: 'must not be empty' }),
          z.maxLength(2048, { error: 'must be at most 2048 characters' }),
          z.regex(/^[\x21-\x7e]+$/, { error: 'must be a cursor returned by a previous page' }),
        ),
    ),
    { description: 'Opaque cursor from the previous page (`cursor` of the response)' },
  ),
});

/** `Idempotency-Key`: visible ASCII, 1–255 characters (a UUID is the usual choice). */
export const IdempotencyKey = described(
  z
    .string()
    .check(
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(255, { error: 'must be at most 255 characters' }),
      z.regex(/^[\x21-\x7e]+$/, { error: 'must be visible ASCII characters only (a UUID, for example)' }),
    ),
  {
    description:
      'Makes a PUT, POST or DELETE safe to retry: the same key and body replay the first response; the same key with another body is 422',
    example: '6f1c2b9e-3d4a-4c1e-9a57-2f0b1d7e8c11',
  },
);

export const EnvironmentSpecBody = described(EnvironmentSpec, {
  id: 'EnvironmentSpec',
  description: 'The desired state of a dedicated environment',
});

export const OrganizationBody = described(Organization, {
  id: 'Organization',
  description: 'An organization: display name, quota ceiling and maximum number of environments',
});

export const RunAction = described(
  z.strictObject({ action: z.literal('resume', { error: "must be 'resume'" }) }),
  {
    id: 'RunAction',
    description: 'What to do: `resume` re-runs from the failed phase',
  },
);

// ------------------------------------------------------------------ responses

const Timestamp = described(z.string(), { description: 'ISO 8601 UTC', example: '2026-01-01T10:00:00.000Z' });
const optionalText = (description?: string) =>
  description === undefined ? z.optional(z.string()) : described(z.optional(z.string()), { description });
const QuotaView = z.object({
  cpu: z.string(),
  memory: z.string(),
  pods: z.int(),
  storage: z.optional(z.string()),
  persistentVolumeClaims: z.optional(z.int()),
});

export const OrganizationView = described(
  z.object({
    organization: z.string(),
    displayName: z.string(),
    quota: QuotaView,
    maxEnvironments: z.int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }),
  { id: 'OrganizationView' },
);

export const PhaseView = described(
  z.object({
    phase: z.enum(PHASES),
    status: described(z.enum(PHASE_VIEW_STATUSES), {
      description:
        'INTERRUPTED: the phase the run was in when it was interrupted (its endedAt is the interruption)',
    }),
    startedAt: z.optional(Timestamp),
    endedAt: z.optional(Timestamp),
    durationSeconds: described(z.optional(z.number()), {
      description: 'endedAt − startedAt, once both are known',
    }),
    buildId: optionalText(),
    logLink: optionalText(),
    reason: optionalText('Why a SKIPPED phase did not run'),
    handedOnFrom: optionalText('For a SKIPPED phase: the run whose outputs were handed on'),
    error: optionalText(),
    gitopsSync: described(
      z.optional(
        z.object({
          commit: described(z.string(), { description: 'The pushed commit the run synced to' }),
          result: described(z.enum(['Synced', 'Superseded', 'Failed']), {
            description:
              "Synced: every Application of the environment's repository at that commit, Synced and Healthy; Superseded: deployed, then replaced by a later push; Failed",
          }),
          revision: described(z.optional(z.string()), {
            description: 'The revision Argo CD reported for the Applications',
          }),
        }),
      ),
      { description: 'The ArgoCD phase of a push-started run: which commit it synced, and how that went' },
    ),
  }),
  { id: 'PhaseView', description: 'One phase of a run: its place in the timeline' },
);

export const LogsView = described(
  z.object({
    logGroup: described(z.string(), {
      description:
        "CloudWatch Logs group of the environment's tenant namespaces: container logs and Kubernetes events (a shared cluster's own environment: its platform group)",
      example: '/slipway/acme/prod/workloads',
    }),
    platformLogGroup: described(z.optional(z.string()), {
      description:
        "The cluster's own namespaces (dedicated environments and shared clusters; a tenant's are the cluster's)",
      example: '/slipway/acme/prod/platform',
    }),
    retentionDays: z.int(),
    link: described(z.string(), { description: 'The log group in the CloudWatch console' }),
  }),
  { id: 'EnvironmentLogs', description: "Where the environment's cluster ships its logs (Fluent Bit)" },
);

export const RunView = described(
  z.object({
    organization: z.string(),
    environment: z.string(),
    runId: z.string(),
    seq: z.int(),
    trigger: z.enum(RUN_TRIGGERS),
    status: z.enum(RUN_STATUSES),
    commit: z.string(),
    specHash: z.string(),
    startedAt: Timestamp,
    endedAt: z.optional(Timestamp),
    phases: described(z.array(PhaseView), { description: 'In the order the run executes them' }),
    error: z.optional(
      z.object({
        phase: z.enum(PHASES),
        cause: z.string(),
        buildId: optionalText(),
        logLink: optionalText(),
        retryable: z.boolean(),
      }),
    ),
    logs: described(z.optional(LogsView), {
      description: "The environment's log group, beside the phases' CodeBuild log links",
    }),
  }),
  { id: 'RunView' },
);

const text = z.optional(z.string());
export const ClusterStatusView = described(
  z.object({
    applications: z.record(
      z.string(),
      z.object({
        syncStatus: text,
        healthStatus: text,
        phase: text,
        revision: text,
        message: text,
        finishedAt: text,
        url: text,
        updatedAt: Timestamp,
      }),
    ),
    alerts: z.record(
      z.string(),
      z.object({
        alertname: z.string(),
        kind: z.string(),
        status: z.enum(['firing', 'resolved']),
        namespace: z.string(),
        resource: text,
        resourcequota: text,
        pod: text,
        description: text,
        runbookUrl: text,
        startsAt: z.string(),
        endsAt: text,
        updatedAt: Timestamp,
      }),
    ),
    unrouted: z.record(
      z.string(),
      z.object({
        source: z.enum(['argocd', 'alertmanager']),
        namespace: text,
        application: text,
        alertname: text,
        reason: z.string(),
        receivedAt: Timestamp,
      }),
    ),
  }),
  {
    id: 'ClusterStatus',
    description:
      "What the environment's cluster last reported: Argo CD Applications by name, Alertmanager quota and crash-loop alerts by fingerprint, events that named nothing of this environment",
  },
);

export const EnvironmentView = described(
  z.object({
    organization: z.string(),
    environment: z.string(),
    status: z.enum(ENVIRONMENT_STATUSES),
    tier: z.optional(z.enum(TIERS)),
    spec: described(z.record(z.string(), z.unknown()), { description: 'The recorded desired spec' }),
    specHash: z.string(),
    activeRunId: optionalText('The run holding the lock, while one does'),
    currentRunId: optionalText('The current (or last) run'),
    currentRun: described(z.optional(RunView), {
      description: 'The current run with its phase timeline (GET of one environment only)',
    }),
    cluster: z.optional(ClusterStatusView),
    logs: z.optional(LogsView),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    statusChangedAt: Timestamp,
  }),
  { id: 'EnvironmentView' },
);

export const PlanView = described(
  z.object({
    startAt: described(z.nullable(z.enum(PHASES)), {
      description: 'The first phase the run executes; null: none',
    }),
    phases: z.array(z.object({ phase: z.enum(PHASES), action: z.enum(['run', 'skip']), reason: z.string() })),
  }),
  { id: 'PhasePlan', description: 'Which phases a run executes, and why' },
);

export const RunAccepted = described(
  z.object({ runId: z.string(), plan: PlanView, environment: EnvironmentView }),
  {
    id: 'RunAccepted',
    description: 'A run was started; the environment shows it as its current run',
  },
);

export const SpecUnchanged = described(z.object({ environment: EnvironmentView, plan: PlanView }), {
  id: 'SpecUnchanged',
  description: 'The environment is READY with these inputs: no run',
});

export const AlertView = described(
  z.object({
    id: z.string(),
    kind: z.enum(ALERT_KINDS),
    severity: z.enum(ALERT_SEVERITIES),
    organization: z.string(),
    environment: optionalText(),
    run: optionalText(),
    summary: z.string(),
    detail: z.string(),
    links: z.array(z.object({ label: z.string(), url: z.string() })),
    occurredAt: Timestamp,
    delivery: described(
      z.object({
        status: z.enum(DELIVERY_STATUSES),
        attempts: z.int(),
        lastAttemptAt: z.optional(Timestamp),
        lastError: text,
        nextAttemptAt: z.optional(Timestamp),
        deliveredAt: z.optional(Timestamp),
      }),
      {
        description:
          'Publication to the SNS topic: pending (recorded, not yet accepted by SNS: retried), publishing (an attempt is in progress), delivered',
      },
    ),
  }),
  { id: 'AlertView' },
);

export const AuditView = described(
  z.object({
    at: Timestamp,
    id: z.string(),
    actor: described(z.string(), { description: 'The JWT subject that made the change' }),
    action: z.string(),
    environment: optionalText(),
    detail: z.optional(z.record(z.string(), z.string())),
  }),
  { id: 'AuditView' },
);

/** A page of a list, newest first (organizations and environments: by name). */
export function pageOf<T extends z.ZodMiniType>(item: T, id: string) {
  return described(
    z.object({
      items: z.array(item),
      cursor: optionalText('Pass as `cursor` to get the next page; absent on the last'),
    }),
    { id },
  );
}

export const ErrorBody = described(
  z.object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: described(z.unknown(), {
        description:
          '`[{field, message}]` for validation.failed; `[{field, resource, requested, available, message}]` for quota.exceeded and capacity.exceeded; `{activeRunId}` for conflict.busy (with `cluster` when the run is a shared cluster run); `{status}` or `{tenants}` for conflict.state; otherwise `{}`',
      }),
    }),
  }),
  { id: 'Error' },
);

/**
 * What API Gateway itself answers when it refuses a request before any handler runs — a 429 when
 * the route's throttle is exceeded (rate and burst per route, functions/handlers/api/routes.ts).
 * Not the error shape above: there is no `error.code`, only a message.
 */
export const GatewayMessage = described(
  z.object({
    message: described(z.string(), { description: "API Gateway's text, `Too Many Requests` for a 429" }),
  }),
  { id: 'GatewayMessage' },
);

export type OrganizationView = z.infer<typeof OrganizationView>;
export type PhaseView = z.infer<typeof PhaseView>;
export type RunView = z.infer<typeof RunView>;
export type LogsView = z.infer<typeof LogsView>;
export type EnvironmentView = z.infer<typeof EnvironmentView>;
export type PlanView = z.infer<typeof PlanView>;
export type RunAccepted = z.infer<typeof RunAccepted>;
export type SpecUnchanged = z.infer<typeof SpecUnchanged>;
export type AlertView = z.infer<typeof AlertView>;
export type AuditView = z.infer<typeof AuditView>;
export interface PageView<T> {
  readonly items: T[];
  readonly cursor?: string;
}

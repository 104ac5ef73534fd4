/**
 * The HTTP API's request and response schemas, one zod schema per input and output. The edge
 * parses every request with these (strict: an unknown field is refused), and the OpenAPI document
 * (docs/openapi.json) is generated from the same schemas, so the document cannot drift from the
 * code. `.meta({ id })` names the reusable components of that document.
 */
import * as z from 'zod';
import { ALERT_KINDS, ALERT_SEVERITIES } from '../alert.js';
import { EnvironmentName, EnvironmentSpec, OrganizationName } from '../environment-spec.js';
import { ENVIRONMENT_STATUSES, PHASE_STATUSES, PHASES, RUN_STATUSES, RUN_TRIGGERS, TIERS } from '../model.js';
import { Organization } from '../organization.js';
import { MAX_RUN_ID_LENGTH } from '../run-id.js';
import { ERROR_CODES } from './error-codes.js';

// ------------------------------------------------------------------ requests

export const MAX_PAGE_SIZE = 100;
/** Request bodies above this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

const RunIdParam = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(MAX_RUN_ID_LENGTH, { error: `must be at most ${MAX_RUN_ID_LENGTH} characters` })
  .regex(/^[a-z0-9][-a-z0-9_.]*$/, {
    error: "must be a run id such as 'acme.prod.000003.1a2b3c4d'",
  });

const org = OrganizationName.meta({ description: 'Organization name (DNS-1123 label)', example: 'acme' });
const env = EnvironmentName.meta({ description: 'Environment name (DNS-1123 label)', example: 'prod' });

export const NoPath = z.strictObject({});
export const OrgPath = z.strictObject({ org });
export const EnvironmentPath = z.strictObject({ org, env });
export const RunPath = z.strictObject({
  org,
  env,
  runId: RunIdParam.meta({ description: 'Run id', example: 'acme.prod.000003.1a2b3c4d' }),
});

/** `?limit=&cursor=`: query values are strings; `limit` is checked here and converted by the edge. */
export const ListQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^(100|[1-9][0-9]?)$/, { error: `must be an integer from 1 to ${MAX_PAGE_SIZE}` })
    .optional()
    .meta({ description: `Page size, 1–${MAX_PAGE_SIZE} (default 50)`, example: '20' }),
  cursor: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(2048, { error: 'must be at most 2048 characters' })
    .regex(/^[\x21-\x7e]+$/, { error: 'must be a cursor returned by a previous page' })
    .optional()
    .meta({ description: 'Opaque cursor from the previous page (`cursor` of the response)' }),
});

/** `Idempotency-Key`: visible ASCII, 1–255 characters (a UUID is the usual choice). */
export const IdempotencyKey = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' })
  .regex(/^[\x21-\x7e]+$/, { error: 'must be visible ASCII characters only (a UUID, for example)' })
  .meta({
    description:
      'Makes a PUT, POST or DELETE safe to retry: the same key and body replay the first response; the same key with another body is 422',
    example: '6f1c2b9e-3d4a-4c1e-9a57-2f0b1d7e8c11',
  });

export const EnvironmentSpecBody = EnvironmentSpec.meta({
  id: 'EnvironmentSpec',
  description: 'The desired state of a dedicated environment',
});

export const OrganizationBody = Organization.meta({
  id: 'Organization',
  description: 'An organization: display name, quota ceiling and maximum number of environments',
});

export const RunAction = z
  .strictObject({
    action: z.literal('resume', { error: "must be 'resume'" }),
  })
  .meta({ id: 'RunAction', description: 'What to do: `resume` re-runs from the failed phase' });

// ------------------------------------------------------------------ responses

const Timestamp = z.string().meta({ description: 'ISO 8601 UTC', example: '2026-01-01T10:00:00.000Z' });
const QuotaView = z.object({ cpu: z.string(), memory: z.string(), pods: z.number().int() });

export const OrganizationView = z
  .object({
    organization: z.string(),
    displayName: z.string(),
    quota: QuotaView,
    maxEnvironments: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'OrganizationView' });

export const PhaseView = z
  .object({
    phase: z.enum(PHASES),
    status: z.enum(PHASE_STATUSES),
    startedAt: Timestamp.optional(),
    endedAt: Timestamp.optional(),
    durationSeconds: z.number().optional().meta({ description: 'endedAt − startedAt, once both are known' }),
    buildId: z.string().optional(),
    logLink: z.string().optional(),
    reason: z.string().optional().meta({ description: 'Why a SKIPPED phase did not run' }),
    handedOnFrom: z
      .string()
      .optional()
      .meta({ description: 'For a SKIPPED phase: the run whose outputs were handed on' }),
    error: z.string().optional(),
  })
  .meta({ id: 'PhaseView', description: 'One phase of a run: its place in the timeline' });

export const RunView = z
  .object({
    organization: z.string(),
    environment: z.string(),
    runId: z.string(),
    seq: z.number().int(),
    trigger: z.enum(RUN_TRIGGERS),
    status: z.enum(RUN_STATUSES),
    commit: z.string(),
    specHash: z.string(),
    startedAt: Timestamp,
    endedAt: Timestamp.optional(),
    phases: z.array(PhaseView).meta({ description: 'In the order the run executes them' }),
    error: z
      .object({
        phase: z.enum(PHASES),
        cause: z.string(),
        buildId: z.string().optional(),
        logLink: z.string().optional(),
        retryable: z.boolean(),
      })
      .optional(),
  })
  .meta({ id: 'RunView' });

export const EnvironmentView = z
  .object({
    organization: z.string(),
    environment: z.string(),
    status: z.enum(ENVIRONMENT_STATUSES),
    tier: z.enum(TIERS).optional(),
    spec: z.record(z.string(), z.unknown()).meta({ description: 'The recorded desired spec' }),
    specHash: z.string(),
    activeRunId: z.string().optional().meta({ description: 'The run holding the lock, while one does' }),
    currentRunId: z.string().optional().meta({ description: 'The current (or last) run' }),
    currentRun: RunView.optional().meta({
      description: 'The current run with its phase timeline (GET of one environment only)',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    statusChangedAt: Timestamp,
  })
  .meta({ id: 'EnvironmentView' });

export const PlanView = z
  .object({
    startAt: z.enum(PHASES).nullable().meta({ description: 'The first phase the run executes; null: none' }),
    phases: z.array(z.object({ phase: z.enum(PHASES), action: z.enum(['run', 'skip']), reason: z.string() })),
  })
  .meta({ id: 'PhasePlan', description: 'Which phases a run executes, and why' });

export const RunAccepted = z
  .object({ runId: z.string(), plan: PlanView, environment: EnvironmentView })
  .meta({ id: 'RunAccepted', description: 'A run was started; the environment shows it as its current run' });

export const SpecUnchanged = z
  .object({ environment: EnvironmentView, plan: PlanView })
  .meta({ id: 'SpecUnchanged', description: 'The environment is READY with these inputs: no run' });

export const AlertView = z
  .object({
    id: z.string(),
    kind: z.enum(ALERT_KINDS),
    severity: z.enum(ALERT_SEVERITIES),
    organization: z.string(),
    environment: z.string().optional(),
    run: z.string().optional(),
    summary: z.string(),
    detail: z.string(),
    links: z.array(z.object({ label: z.string(), url: z.string() })),
    occurredAt: Timestamp,
  })
  .meta({ id: 'AlertView' });

export const AuditView = z
  .object({
    at: Timestamp,
    id: z.string(),
    actor: z.string().meta({ description: 'The JWT subject that made the change' }),
    action: z.string(),
    environment: z.string().optional(),
    detail: z.record(z.string(), z.string()).optional(),
  })
  .meta({ id: 'AuditView' });

/** A page of a list, newest first (organizations and environments: by name). */
export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      cursor: z
        .string()
        .optional()
        .meta({ description: 'Pass as `cursor` to get the next page; absent on the last' }),
    })
    .meta({ id });
}

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.unknown().meta({
        description:
          '`[{field, message}]` for validation.failed; `[{field, resource, requested, available, message}]` for quota.exceeded; `{activeRunId}` for conflict.busy; `{status}` for conflict.state; otherwise `{}`',
      }),
    }),
  })
  .meta({ id: 'Error' });

export type OrganizationView = z.infer<typeof OrganizationView>;
export type PhaseView = z.infer<typeof PhaseView>;
export type RunView = z.infer<typeof RunView>;
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

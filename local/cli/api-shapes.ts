/**
 * What the CLI reads from the API's responses. Loose schemas: the CLI parses the fields it shows
 * and lets the API add others, so an older CLI keeps working against a newer API.
 */
import { z } from 'zod';

const optionalText = z.string().optional();

export const PhaseView = z.looseObject({
  phase: z.string(),
  status: z.string(),
  startedAt: optionalText,
  endedAt: optionalText,
  durationSeconds: z.number().optional(),
  buildId: optionalText,
  logLink: optionalText,
  reason: optionalText,
  handedOnFrom: optionalText,
  error: optionalText,
});

export const RunError = z.looseObject({
  phase: z.string(),
  cause: z.string(),
  buildId: optionalText,
  logLink: optionalText,
  retryable: z.boolean().optional(),
});

export const RunView = z.looseObject({
  runId: z.string(),
  status: z.string(),
  trigger: optionalText,
  startedAt: optionalText,
  endedAt: optionalText,
  phases: z.array(PhaseView).default([]),
  error: RunError.optional(),
});

/** Where the environment's cluster ships its logs (CloudWatch Logs). */
export const LogsView = z.looseObject({
  logGroup: z.string(),
  retentionDays: z.number().optional(),
  link: z.string(),
});

export const EnvironmentView = z.looseObject({
  organization: z.string(),
  environment: z.string(),
  status: z.string(),
  tier: optionalText,
  activeRunId: optionalText,
  currentRunId: optionalText,
  currentRun: RunView.optional(),
  logs: LogsView.optional(),
  updatedAt: optionalText,
});

export const PlanView = z.looseObject({
  startAt: z.string().nullable().optional(),
  phases: z.array(z.looseObject({ phase: z.string(), action: z.string(), reason: z.string().default('') })),
});

/** 202 of PUT/DELETE environment and POST runs; 200 of an unchanged PUT has no `runId`. */
export const RunAccepted = z.looseObject({
  runId: optionalText,
  plan: PlanView.optional(),
  environment: EnvironmentView,
});

export const OrganizationView = z.looseObject({
  organization: z.string(),
  displayName: optionalText,
  quota: z.looseObject({ cpu: z.string(), memory: z.string(), pods: z.number() }).optional(),
  maxEnvironments: z.number().optional(),
});

export const AlertView = z.looseObject({
  kind: z.string(),
  severity: z.string(),
  environment: optionalText,
  run: optionalText,
  summary: z.string(),
  links: z.array(z.looseObject({ label: z.string(), url: z.string() })).default([]),
  occurredAt: z.string(),
  /** Publication to the alert topic (pending, publishing, delivered); absent from older servers. */
  delivery: z
    .looseObject({
      status: z.string(),
      attempts: z.number().default(0),
      lastError: optionalText,
      nextAttemptAt: optionalText,
    })
    .optional(),
});

export const AuditView = z.looseObject({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  environment: optionalText,
  detail: z.record(z.string(), z.unknown()).optional(),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.looseObject({ items: z.array(item), cursor: optionalText });
}

export const ErrorBody = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** What API Gateway itself answers (401, 404, 413, 5xx): `{"message": "..."}`. */
export const GatewayMessage = z.looseObject({ message: z.string() });

export type PhaseView = z.infer<typeof PhaseView>;
export type RunView = z.infer<typeof RunView>;
export type EnvironmentView = z.infer<typeof EnvironmentView>;
export type PlanView = z.infer<typeof PlanView>;
export type RunAccepted = z.infer<typeof RunAccepted>;
export type OrganizationView = z.infer<typeof OrganizationView>;
export type AlertView = z.infer<typeof AlertView>;
export type AuditView = z.infer<typeof AuditView>;

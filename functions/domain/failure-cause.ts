/**
 * Turns what a Step Functions `Catch` puts under `error` ({Error, Cause}) into a failure a human
 * can act on: which build, where its logs are, what went wrong, and whether retrying may help.
 *
 * Cause shapes handled:
 * - a failed `codebuild:startBuild.sync` task: `Error` is `States.TaskFailed`, `Cause` a JSON
 *   string of the build, either `{"Build": {...}}` or the build object itself, PascalCase as
 *   Step Functions renders it (camelCase accepted too);
 * - a failed Lambda task: `Cause` is `{"errorType", "errorMessage", "trace"}` JSON;
 * - anything else (States.Timeout, free text): the text itself.
 */
import * as z from 'zod/mini';
import type { PhaseFailure } from './alert.js';
import type { PhaseName } from './model.js';

export interface StepFunctionsError {
  readonly Error: string;
  readonly Cause?: string | undefined;
}

const MAX_CAUSE_LENGTH = 1_000;

/** Build statuses that point at the platform rather than at the phase's code. */
const RETRYABLE_BUILD_STATUSES = new Set(['TIMED_OUT', 'FAULT', 'STOPPED']);
/** Build phases that run no project command: failing there is an infrastructure fault. */
const INFRASTRUCTURE_BUILD_PHASES = new Set([
  'SUBMITTED',
  'QUEUED',
  'PROVISIONING',
  'DOWNLOAD_SOURCE',
  'UPLOAD_ARTIFACTS',
  'FINALIZING',
]);
/** Error names (Step Functions `Error` or a Lambda `errorType`) that a retry may clear. */
const RETRYABLE_ERROR_NAMES = new Set([
  'TransientStoreError',
  'TransientPublishError',
  'States.Timeout',
  'States.HeartbeatTimeout',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'CodeBuild.AccountLimitExceededException',
  'CodeBuild.CodeBuildException',
  'ThrottlingException',
  'ServiceUnavailable',
]);

const PhaseContext = z.looseObject({
  statusCode: z.optional(z.string()),
  message: z.optional(z.string()),
});
const BuildPhase = z.looseObject({
  phaseType: z.optional(z.string()),
  phaseStatus: z.optional(z.string()),
  contexts: z.optional(z.array(PhaseContext)),
});
const Build = z.looseObject({
  id: z.optional(z.string()),
  buildStatus: z.optional(z.string()),
  phases: z.optional(z.array(BuildPhase)),
  logs: z.optional(z.looseObject({ deepLink: z.optional(z.string()) })),
});
type Build = z.infer<typeof Build>;

const LambdaErrorCause = z.looseObject({ errorType: z.string(), errorMessage: z.optional(z.string()) });

/** Lower-cases the first letter of every key, recursively, so PascalCase and camelCase builds parse alike. */
function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, member]) => [
        key.charAt(0).toLowerCase() + key.slice(1),
        camelKeys(member),
      ]),
    );
  }
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The build described by a Cause, when it describes one (it has an id and a status). */
function buildOf(cause: unknown): Build | undefined {
  const camel = camelKeys(cause);
  const candidate =
    camel !== null && typeof camel === 'object' && 'build' in camel
      ? (camel as { build: unknown }).build
      : camel;
  const parsed = Build.safeParse(candidate);
  if (!parsed.success || parsed.data.id === undefined || parsed.data.buildStatus === undefined)
    return undefined;
  return parsed.data;
}

function truncate(text: string): string {
  const clean = text.trim();
  return clean.length <= MAX_CAUSE_LENGTH ? clean : `${clean.slice(0, MAX_CAUSE_LENGTH - 1)}…`;
}

function describeBuild(phase: PhaseName, build: Build): PhaseFailure {
  const failed = build.phases?.find(
    (buildPhase) => buildPhase.phaseStatus !== undefined && buildPhase.phaseStatus !== 'SUCCEEDED',
  );
  const context = failed?.contexts?.find((entry) => entry.message || entry.statusCode);
  const where = failed?.phaseType ? ` in build phase ${failed.phaseType}` : '';
  const what = [context?.statusCode, context?.message].filter(Boolean).join(': ');
  const status = build.buildStatus ?? 'FAILED';
  const retryable =
    RETRYABLE_BUILD_STATUSES.has(status) ||
    (failed?.phaseType !== undefined && INFRASTRUCTURE_BUILD_PHASES.has(failed.phaseType));
  return {
    phase,
    ...(build.id ? { buildId: build.id } : {}),
    ...(build.logs?.deepLink ? { logLink: build.logs.deepLink } : {}),
    cause: truncate(`Build ${build.id} ${status}${where}${what ? `: ${what}` : ''}`),
    retryable,
  };
}

/** Summarises a Step Functions error caught on a phase. Never throws: a failure must always be recordable. */
export function parseFailureCause(phase: PhaseName, error: StepFunctionsError): PhaseFailure {
  const raw = error.Cause ?? '';
  const json = parseJson(raw);
  const build = json === undefined ? undefined : buildOf(json);
  if (build) return describeBuild(phase, build);

  const lambda = LambdaErrorCause.safeParse(json);
  if (lambda.success) {
    const { errorType, errorMessage } = lambda.data;
    return {
      phase,
      cause: truncate(`${errorType}: ${errorMessage ?? '(no message)'}`),
      retryable: RETRYABLE_ERROR_NAMES.has(errorType) || RETRYABLE_ERROR_NAMES.has(error.Error),
    };
  }

  return {
    phase,
    cause: truncate(raw ? `${error.Error}: ${raw}` : error.Error),
    retryable: RETRYABLE_ERROR_NAMES.has(error.Error),
  };
}

/**
 * What the webhook routes (HOOK_ROUTES, CLUSTER_HOOK_ROUTES in functions/handlers/api/routes.ts)
 * accept and answer, for the OpenAPI document. They have no JWT: each authenticates its sender
 * itself, on the raw body before parsing, in constant time (docs/git-push.md, docs/alerts.md). The
 * request bodies are the senders' own formats: the Argo CD and Alertmanager ones are the schemas the
 * hooks parse with; a Git host's push payload is documented by GitHub and GitLab. Pure: schemas only.
 */
import * as z from 'zod/mini';
import { AlertmanagerPayload } from '../cluster-event-alertmanager.js';
import { ArgoNotification } from '../cluster-event-argocd.js';
import { described } from './schemas.js';

/** The security schemes of the hooks (components.securitySchemes of the document). */
export const HOOK_SECURITY_SCHEMES = {
  githubSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Hub-Signature-256',
    description:
      '`sha256=<lower-case hex HMAC-SHA256 of the raw body>` under the GitHub hook secret (the current or, during a rotation, the previous value)',
  },
  gitlabToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Gitlab-Token',
    description: 'The GitLab hook token (the current or, during a rotation, the previous value)',
  },
  clusterToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Slipway-Token',
    description:
      "The cluster's hook token: lower-case hex HMAC-SHA256(key = the deployment's hook secret of that source, message = `<org>/<env>`, or `cluster/<name>` for a shared cluster), set on the cluster by the argocd-bootstrap phase",
  },
  clusterBasic: {
    type: 'http',
    scheme: 'basic',
    description:
      "The same derived token as the Basic auth password (any user name): Argo CD's webhook `basicAuth`",
  },
  clusterBearer: {
    type: 'http',
    scheme: 'bearer',
    description: "The same derived token as a bearer token: Alertmanager's `http_config.authorization`",
  },
} as const;

/** Alternatives (any one suffices), each naming schemes of {@link HOOK_SECURITY_SCHEMES}. */
export type HookSecurity = readonly Readonly<Partial<Record<keyof typeof HOOK_SECURITY_SCHEMES, string[]>>>[];

const Ignored = z.object({
  outcome: z.literal('ignored'),
  reason: described(z.string(), {
    description: 'Why nothing was published, e.g. `tag push (refs/tags/v1.2.0)`',
  }),
});

const PushView = z.object({
  repository: described(z.string(), { description: 'Normalized: host/owner/name, lower case' }),
  branch: z.string(),
  before: z.string(),
  after: described(z.string(), { description: 'The commit environments sync to' }),
  deliveryId: z.string(),
  changedPaths: described(z.union([z.int(), z.literal('all')]), {
    description: 'How many paths changed, or `all` when the list cannot be trusted',
  }),
  everyPathChanged: z.optional(z.string()),
});

const Accepted = z.object({ outcome: z.literal('accepted'), push: PushView });

const Duplicate = z.object({
  outcome: z.literal('duplicate'),
  push: PushView,
  duplicateOf: described(
    z.array(
      z.object({
        organization: z.string(),
        environment: z.string(),
        status: described(z.enum(['started', 'queued', 'unchanged']), {
          description: 'What the earlier delivery decided for the environment',
        }),
        runId: described(z.optional(z.string()), { description: 'The run it started (status started)' }),
        deliveryId: described(z.string(), { description: 'The delivery that made the record' }),
      }),
    ),
    { description: 'The push records of the earlier delivery: one per environment the push touches' },
  ),
});

const PushAnswer = described(z.union([Accepted, Duplicate, Ignored]), {
  id: 'PushHookAnswer',
  description:
    'Accepted: the normalized GitPushed event is on the bus. Duplicate: a redelivery — an earlier delivery of the commit already decided every environment it touches, so it starts nothing new (it is still put on the bus, which restarts a run whose execution never started). Ignored: not a push to a branch, or no environment follows it',
});

const ClusterAnswer = described(
  z.object({
    accepted: described(z.int(), { description: 'Events (alerts) recorded for the environment' }),
    unrouted: described(z.int(), { description: 'Recorded as unrouted and counted, not lost' }),
    ignored: z.optional(described(z.int(), { description: 'Alerts of kinds Slipway does not handle' })),
    alerts: described(z.array(z.unknown()), { description: 'The alerts recorded, with their delivery' }),
  }),
  { id: 'ClusterHookAnswer' },
);

const PushPayload = described(z.record(z.string(), z.unknown()), {
  id: 'GitPushPayload',
  description:
    "The Git host's push payload as it sends it (GitHub: `application/json` or form-encoded `payload=`; GitLab: the Push Hook). Only `ref`, `before`, `after`, the repository URL and the commits' added/modified/removed paths are read",
});

export interface HookContract {
  readonly summary: string;
  readonly tag: 'hooks';
  readonly params: z.ZodMiniObject;
  readonly body: z.ZodMiniType;
  readonly security: HookSecurity;
  readonly responses: Readonly<
    Record<number, { readonly description: string; readonly schema: z.ZodMiniType }>
  >;
  /** The refusals it answers by status (the error shape of every route), described. */
  readonly errors: Readonly<Record<number, string>>;
}

const NoParams = z.object({});
const EnvironmentParams = z.object({ org: z.string(), env: z.string() });
const ClusterParams = z.object({ cluster: z.string() });
const PUSH_ERRORS: Readonly<Record<number, string>> = {
  400: '`validation.failed`: an authentic payload missing a field, named in `details`',
  401: '`unauthorized`: the signature or token is missing or wrong; nothing was recorded',
  413: '`payload.too-large`: over 5 MiB',
  500: '`internal`: the event bus refused the push; the Git host redelivers',
};
const CLUSTER_ERRORS: Readonly<Record<number, string>> = {
  400: '`validation.failed`: a malformed payload, the field named in `details` (not retried)',
  401: "`unauthorized`: the token is missing or not this environment's (or cluster's); nothing recorded",
  403: "`forbidden`: an event about another environment's Application or namespace; counted, nothing recorded",
  404: '`not-found`: no such environment (or shared cluster)',
  413: '`payload.too-large`: over the size limit',
  500: '`internal`: the event was not recorded',
  503: '`unavailable`: a retry could succeed (Alertmanager and Argo CD retry)',
};

const PONG = {
  description: 'A `ping` event: `{"outcome":"pong"}`',
  schema: z.object({ outcome: z.literal('pong') }),
};

const pushHook = (summary: string, security: HookSecurity, pong: boolean): HookContract => {
  const accepted = {
    description:
      'Accepted (put on the bus), a duplicate of an earlier delivery (naming its records) or ignored, saying why',
    schema: PushAnswer,
  };
  return {
    summary,
    tag: 'hooks',
    params: NoParams,
    body: PushPayload,
    security,
    responses: pong ? { 200: PONG, 202: accepted } : { 202: accepted },
    errors: PUSH_ERRORS,
  };
};

const clusterHook = (
  summary: string,
  params: z.ZodMiniObject,
  body: z.ZodMiniType,
  security: HookSecurity,
): HookContract => ({
  summary,
  tag: 'hooks',
  params,
  body,
  security,
  responses: {
    202: {
      description: 'Recorded on the environment; its alerts published once (deduplicated)',
      schema: ClusterAnswer,
    },
  },
  errors: CLUSTER_ERRORS,
});

const ARGOCD_SECURITY: HookSecurity = [{ clusterToken: [] }, { clusterBasic: [] }];
const BEARER: HookSecurity = [{ clusterBearer: [] }];

export const HOOK_CONTRACTS: Readonly<Record<string, HookContract>> = {
  'github-hook': pushHook(
    'GitHub push webhook: runs for the environments the push touches',
    [{ githubSignature: [] }],
    true,
  ),
  'gitlab-hook': pushHook(
    'GitLab push webhook: runs for the environments the push touches',
    [{ gitlabToken: [] }],
    false,
  ),
  'argocd-hook': clusterHook(
    "Argo CD notifications of the environment's cluster: sync status recorded, sync.failed / health.degraded alerts",
    EnvironmentParams,
    ArgoNotification,
    ARGOCD_SECURITY,
  ),
  'alertmanager-hook': clusterHook(
    "Alertmanager (webhook version 4) of the environment's cluster: quota and crash-loop alerts",
    EnvironmentParams,
    AlertmanagerPayload,
    BEARER,
  ),
  'cluster-argocd-hook': clusterHook(
    'Argo CD notifications of a shared cluster, each routed to the tenant that owns the Application',
    ClusterParams,
    ArgoNotification,
    ARGOCD_SECURITY,
  ),
  'cluster-alertmanager-hook': clusterHook(
    'Alertmanager (webhook version 4) of a shared cluster, each alert routed to the tenant that owns the namespace',
    ClusterParams,
    AlertmanagerPayload,
    BEARER,
  ),
};

export function hookContractOf(routeId: string): HookContract {
  const contract = HOOK_CONTRACTS[routeId];
  if (!contract) throw new Error(`no hook contract for route ${routeId}`);
  return contract;
}

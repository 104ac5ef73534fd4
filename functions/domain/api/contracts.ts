/**
 * What each route of the HTTP API accepts and answers, by route id (functions/handlers/api/routes.ts
 * lists the routes themselves). The handlers parse with these schemas and the OpenAPI document is
 * generated from them, so the two cannot disagree. Pure: schemas only.
 */
import * as z from 'zod/mini';
import { ClusterPath, ClusterSpecBody, ClusterView, SharedPlacementBody } from '../cluster-api.js';
import type { ErrorCode } from './error-codes.js';
import {
  AlertView,
  AuditView,
  EnvironmentPath,
  EnvironmentSpecBody,
  EnvironmentView,
  NoPath,
  OrganizationBody,
  OrganizationView,
  OrgPath,
  pageOf,
  RunAccepted,
  RunAction,
  RunPath,
  RunView,
  SpecUnchanged,
} from './schemas.js';

/** One schema for both alert lists (an organization's, a cluster's): one component in the document. */
const ALERT_PAGE = pageOf(AlertView, 'AlertPage');

export interface RouteContract {
  readonly summary: string;
  /** Who may call it (for the document; the rule itself is functions/domain/authorization.ts). */
  readonly roles: string;
  readonly params: z.ZodMiniObject;
  readonly paginated?: boolean;
  readonly body?: z.ZodMiniType;
  /** Success responses by status. */
  readonly responses: Readonly<
    Record<number, { readonly description: string; readonly schema: z.ZodMiniType }>
  >;
  /** The refusals this route can answer beyond the ones every route can. */
  readonly errors: readonly ErrorCode[];
}

const READ_ERRORS: readonly ErrorCode[] = ['not-found'];
const RUN_ERRORS: readonly ErrorCode[] = [
  'not-found',
  'conflict.busy',
  'conflict.state',
  'idempotency.in-progress',
  'idempotency.key-reused',
  'run.start-failed',
];

export const ROUTE_CONTRACTS: Readonly<Record<string, RouteContract>> = {
  'list-organizations': {
    summary: "The caller's organizations (platform-admin: all)",
    roles: 'every role',
    params: NoPath,
    paginated: true,
    responses: {
      200: {
        description: 'A page of organizations, by name',
        schema: pageOf(OrganizationView, 'OrganizationPage'),
      },
    },
    errors: [],
  },
  'put-organization': {
    summary: 'Create or update an organization (its quota ceiling)',
    roles: 'platform-admin',
    params: OrgPath,
    body: OrganizationBody,
    responses: {
      200: { description: 'Updated (or unchanged)', schema: OrganizationView },
      201: { description: 'Created', schema: OrganizationView },
    },
    errors: ['idempotency.in-progress', 'idempotency.key-reused'],
  },
  'list-environments': {
    summary: "An organization's environments, by name",
    roles: 'every role',
    params: OrgPath,
    paginated: true,
    responses: {
      200: { description: 'A page of environments', schema: pageOf(EnvironmentView, 'EnvironmentPage') },
    },
    errors: READ_ERRORS,
  },
  'get-environment': {
    summary: 'One environment with its current run and phase timeline',
    roles: 'every role',
    params: EnvironmentPath,
    responses: { 200: { description: 'The environment', schema: EnvironmentView } },
    errors: READ_ERRORS,
  },
  'put-environment': {
    summary: 'Record the desired spec; run the phases whose inputs changed',
    roles: 'org-admin, platform-admin',
    params: EnvironmentPath,
    body: z.union([EnvironmentSpecBody, SharedPlacementBody]),
    responses: {
      200: { description: 'READY with these inputs: nothing to run, no run started', schema: SpecUnchanged },
      202: { description: 'A run was started with this phase plan', schema: RunAccepted },
    },
    errors: [...RUN_ERRORS, 'quota.exceeded', 'capacity.exceeded'],
  },
  'delete-environment': {
    summary: 'Tear the environment down: a run of the phases in reverse, ending DELETED',
    roles: 'org-admin, platform-admin',
    params: EnvironmentPath,
    responses: { 202: { description: 'A teardown run was started', schema: RunAccepted } },
    errors: RUN_ERRORS,
  },
  'list-runs': {
    summary: "An environment's runs, newest first",
    roles: 'every role',
    params: EnvironmentPath,
    paginated: true,
    responses: { 200: { description: 'A page of runs', schema: pageOf(RunView, 'RunPage') } },
    errors: READ_ERRORS,
  },
  'get-run': {
    summary: 'One run with its phase timeline',
    roles: 'every role',
    params: RunPath,
    responses: { 200: { description: 'The run', schema: RunView } },
    errors: READ_ERRORS,
  },
  'post-run': {
    summary:
      'Resume: a new run that skips what succeeded with the same inputs and starts at the failed phase',
    roles: 'developer, org-admin, platform-admin',
    params: EnvironmentPath,
    body: RunAction,
    responses: { 202: { description: 'A resume run was started', schema: RunAccepted } },
    errors: RUN_ERRORS,
  },
  'list-alerts': {
    summary: "The organization's recent alerts, newest first",
    roles: 'every role',
    params: OrgPath,
    paginated: true,
    responses: { 200: { description: 'A page of alerts', schema: ALERT_PAGE } },
    errors: READ_ERRORS,
  },
  'list-audit': {
    summary: "The organization's audit trail, newest first",
    roles: 'org-admin, platform-admin',
    params: OrgPath,
    paginated: true,
    responses: { 200: { description: 'A page of audit entries', schema: pageOf(AuditView, 'AuditPage') } },
    errors: READ_ERRORS,
  },
  'list-clusters': {
    summary: 'The shared clusters, by name, with their capacity and tenants',
    roles: 'platform-admin',
    params: NoPath,
    paginated: true,
    responses: { 200: { description: 'A page of clusters', schema: pageOf(ClusterView, 'ClusterPage') } },
    errors: [],
  },
  'get-cluster': {
    summary: 'One shared cluster: status, current run, capacity (allocatable, granted, available), tenants',
    roles: 'platform-admin',
    params: ClusterPath,
    responses: { 200: { description: 'The cluster', schema: ClusterView } },
    errors: READ_ERRORS,
  },
  'list-cluster-alerts': {
    summary:
      "A shared cluster's own alerts (its runs, its platform namespaces), newest first; a tenant's alerts stay on its organization",
    roles: 'platform-admin',
    params: ClusterPath,
    paginated: true,
    responses: { 200: { description: 'A page of alerts', schema: ALERT_PAGE } },
    errors: READ_ERRORS,
  },
  'put-cluster': {
    summary:
      'Register or change a shared cluster; run the phases whose inputs changed (terraform, ansible, the platform part of argocd-bootstrap)',
    roles: 'platform-admin',
    params: ClusterPath,
    body: ClusterSpecBody,
    responses: {
      200: { description: 'READY with these inputs: nothing to run', schema: SpecUnchanged },
      202: { description: 'A run of the cluster was started', schema: RunAccepted },
    },
    errors: [...RUN_ERRORS, 'capacity.exceeded'],
  },
  'delete-cluster': {
    summary: 'Tear a shared cluster down; refused (409, naming them) while it has tenants',
    roles: 'platform-admin',
    params: ClusterPath,
    responses: { 202: { description: 'A teardown run of the cluster was started', schema: RunAccepted } },
    errors: RUN_ERRORS,
  },
};

export function contractOf(routeId: string): RouteContract {
  const contract = ROUTE_CONTRACTS[routeId];
  if (!contract) throw new Error(`route ${routeId} has no contract in functions/domain/api/contracts.ts`);
  return contract;
}

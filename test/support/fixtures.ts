/**
 * Fresh identities and realistic payloads for the workflow tests. Every test builds its own
 * organization and environment names, so no test depends on records another one left.
 */
import { randomBytes } from 'node:crypto';
import type { Repository } from '../../functions/adapters/dynamodb/repository.js';
import type { EnvironmentSpec } from '../../functions/domain/environment-spec.js';
import type { PhaseName, RunTrigger, Tier } from '../../functions/domain/model.js';
import { type PhasePlan, skippedPhases } from '../../functions/domain/phase-plan.js';
import { buildRunId } from '../../functions/domain/run-id.js';
import { specHash } from '../../functions/domain/spec-hash.js';

/** The sample environment spec (README, docs/api.md): valid, one namespace, prod unless asked. A fresh copy on every call. */
export function validSpec(tier: Tier = 'prod'): EnvironmentSpec {
  return {
    tier,
    region: 'eu-west-1',
    kubernetesVersion: '1.30',
    ciliumVersion: '1.16',
    cluster: {
      controlPlane: { count: 3, instanceType: 'm6i.large' },
      workers: { count: 3, instanceType: 'm6i.xlarge' },
    },
    network: { vpcCidr: '10.20.0.0/16', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
    namespaces: [{ name: 'payments', quota: { cpu: '4', memory: '8Gi', pods: 40 } }],
    gitops: {
      repository: 'https://github.com/acme/platform-gitops.git',
      branch: 'main',
      path: 'tenants/acme/prod',
    },
  };
}

/** A unique organization/environment pair (DNS-1123 labels). */
export function freshNames(): { organization: string; environment: string } {
  const suffix = randomBytes(4).toString('hex');
  return { organization: `org-${suffix}`, environment: `env-${suffix}` };
}

export interface SeededRun {
  readonly organization: string;
  readonly environment: string;
  readonly spec: Record<string, unknown>;
  readonly specHash: string;
  readonly seq: number;
  readonly runId: string;
  readonly trigger: RunTrigger;
  readonly skipPhases: readonly PhaseName[];
}

/**
 * Creates an organization and plans the first run of a new environment (sequence 1): what the
 * API does before it starts the run with `repository.startRun` (see {@link startSeeded}).
 */
export async function seedRun(
  repository: Repository,
  options: { tier?: 'dev' | 'staging' | 'prod'; trigger?: RunTrigger } = {},
): Promise<SeededRun> {
  const { organization, environment } = freshNames();
  const spec = validSpec(options.tier);
  const hash = specHash(spec);
  await repository.putOrganization({
    organization,
    displayName: 'Acme',
    quota: { cpu: '32', memory: '64Gi', pods: 300 },
    maxEnvironments: 10,
  });
  return {
    organization,
    environment,
    spec,
    specHash: hash,
    seq: 1,
    runId: buildRunId({ organization, environment, seq: 1, specHash: hash }),
    trigger: options.trigger ?? 'api',
    skipPhases: [],
  };
}

/** The next run of an already seeded environment: sequence `runSeq + 1` of the stored environment. */
export async function nextRun(
  repository: Repository,
  seeded: SeededRun,
  change: { spec?: Record<string, unknown>; trigger?: RunTrigger } = {},
): Promise<SeededRun> {
  const stored = await repository.getEnvironment(seeded.organization, seeded.environment);
  const seq = (stored?.runSeq ?? 0) + 1;
  const spec = change.spec ?? seeded.spec;
  const hash = specHash(spec);
  return {
    ...seeded,
    spec,
    specHash: hash,
    seq,
    trigger: change.trigger ?? seeded.trigger,
    runId: buildRunId({ ...seeded, seq, specHash: hash }),
  };
}

export const COMMIT = '9fceb02d0ae598e95dc970b74767f19372d61af8';

/**
 * The API's start of a seeded run: the run item and the environment's spec + lock. With a plan,
 * the run records it (and `skipPhases` follows it); without one, every phase runs.
 */
export async function startSeeded(
  repository: Repository,
  run: SeededRun,
  plan?: PhasePlan,
): Promise<SeededRun> {
  await repository.startRun({ ...run, commit: COMMIT, spec: run.spec, ...(plan ? { plan } : {}) });
  return plan ? { ...run, skipPhases: skippedPhases(plan) } : run;
}

/** The workflow input the run starter passes to StartExecution. */
export function workflowInput(run: SeededRun): Record<string, unknown> {
  return {
    organization: run.organization,
    environment: run.environment,
    runId: run.runId,
    seq: run.seq,
    trigger: run.trigger,
    commit: COMMIT,
    specHash: run.specHash,
    spec: run.spec,
    skipPhases: run.skipPhases,
  };
}

/** The build fields the state machine selects from `$.Build` of a finished phase. */
export function selectedBuild(project: string, exported: Record<string, string>): Record<string, unknown> {
  const id = `${project}:${randomBytes(16).toString('hex')}`;
  return {
    id,
    logLink: `https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/%2Faws%2Fcodebuild%2F${project}`,
    exported: Object.entries(exported).map(([Name, Value]) => ({ Name, Value })),
  };
}

/**
 * The environment item's writes outside a run (functions/adapters/dynamodb/environments.ts)
 * against dynalite: a recorded spec's derived fields (tier, the Git push index), its refusals and
 * their messages, the list by name, and the cluster status an environment's hooks report.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { CLUSTER_STATUS_MAP_LIMIT } from '../../../functions/domain/cluster-event-status.js';
import {
  EnvironmentLockedError,
  EnvironmentNotFoundError,
  TransitionRefusedError,
} from '../../../functions/domain/errors.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { COMMIT, freshNames, seedRun, validSpec } from '../../support/fixtures.js';

let dynamo: LocalDynamo;
let repository: Repository;

beforeAll(async () => {
  dynamo = await startDynalite();
  repository = createRepository({ client: dynamo.client, tableName: dynamo.tableName });
});

afterAll(async () => {
  await dynamo.stop();
});

const HASH = 'a'.repeat(64);

const following = async (repositoryUrl: string, branch: string) =>
  (await repository.listFollowingEnvironments(repositoryUrl, branch)).items.map((item) => item.environment);

describe('recordSpec', () => {
  it('records the tier and the GitOps source a push is routed by, and removes both when the spec drops them', async () => {
    const { organization, environment } = freshNames();
    const spec = validSpec('staging');
    const created = await repository.recordSpec({ organization, environment, spec, specHash: HASH });
    expect(created).toMatchObject({ organization, environment, tier: 'staging', status: 'PENDING' });
    const stored = await dynamo.documentClient.send(
      new GetCommand({
        TableName: dynamo.tableName,
        Key: keys.environment(organization, environment),
      }),
    );
    expect(stored.Item).toMatchObject({
      entity: 'ENVIRONMENT',
      gitopsPath: 'tenants/acme/prod',
      gsi2sk: `${organization}#${environment}`,
    });
    expect(await following(spec.gitops.repository, 'main')).toContain(environment);

    const { gitops: _gitops, tier: _tier, ...bare } = spec;
    const updated = await repository.recordSpec({ organization, environment, spec: bare, specHash: HASH });
    expect(updated.tier).toBeUndefined();
    expect(await following(spec.gitops.repository, 'main')).not.toContain(environment);
    const after = await dynamo.documentClient.send(
      new GetCommand({
        TableName: dynamo.tableName,
        Key: keys.environment(organization, environment),
      }),
    );
    expect(after.Item?.gitopsPath).toBeUndefined();
    expect(after.Item?.gsi2pk).toBeUndefined();
  });

  it('refuses a spec while a run holds the lock, naming the run', async () => {
    const run = await seedRun(repository);
    await repository.startRun({ ...run, commit: COMMIT, spec: run.spec });
    const refusal = await repository
      .recordSpec({ ...run, spec: validSpec('dev') })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(EnvironmentLockedError);
    expect((refusal as Error).message).toBe(
      `environment ${run.organization}/${run.environment} is busy with run ${run.runId}: its spec cannot change now`,
    );
    expect(refusal).toMatchObject({ activeRunId: run.runId });
  });

  it('refuses a spec for an environment in a status that takes none, naming the status', async () => {
    const run = await seedRun(repository, { trigger: 'teardown' });
    await repository.startRun({ ...run, commit: COMMIT, spec: run.spec });
    await repository.abandonRun({ ...run, cause: 'no execution' });
    // Back to PENDING; set DELETED by hand (a completed teardown), which takes no spec.
    await dynamo.documentClient.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: keys.environment(run.organization, run.environment),
        UpdateExpression: 'SET #status = :deleted',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':deleted': 'DELETED' },
      }),
    );
    const refusal = await repository.recordSpec({ ...run }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TransitionRefusedError);
    expect((refusal as Error).message).toBe(
      `environment ${run.organization}/${run.environment} is DELETED: its spec cannot change now`,
    );
  });
});

describe('listEnvironments', () => {
  it('lists an organization’s environments by name, page by page, and no other organization’s', async () => {
    const { organization } = freshNames();
    for (const environment of ['beta', 'alpha', 'gamma']) {
      await repository.recordSpec({ organization, environment, spec: validSpec('dev'), specHash: HASH });
    }
    const page = await repository.listEnvironments(organization, { limit: 2 });
    expect(page.items.map((item) => item.environment)).toEqual(['alpha', 'beta']);
    const rest = await repository.listEnvironments(organization, { limit: 2, cursor: page.cursor });
    expect(rest.items.map((item) => item.environment)).toEqual(['gamma']);
    expect(rest.cursor).toBeUndefined();
    expect((await repository.listEnvironments(freshNames().organization)).items).toEqual([]);
  });
});

describe('recordClusterStatus', () => {
  const application = (revision: string) => ({
    syncStatus: 'Synced',
    revision,
    updatedAt: '2026-12-01T10:00:00Z',
  });

  it('creates the cluster status on the first report and replaces only the reported entries after', async () => {
    const { organization, environment } = freshNames();
    await repository.recordSpec({ organization, environment, spec: validSpec('dev'), specHash: HASH });
    await repository.recordClusterStatus(organization, environment, {
      applications: { web: application('r1') },
    });
    await repository.recordClusterStatus(organization, environment, {
      applications: { api: application('r2') },
    });
    await repository.recordClusterStatus(organization, environment, {
      applications: { web: application('r3') },
    });
    const stored = await repository.getEnvironment(organization, environment);
    expect(stored?.cluster?.applications).toEqual({ web: application('r3'), api: application('r2') });
    expect(stored).toMatchObject({ status: 'PENDING', specHash: HASH });
  });

  it('writes nothing for an empty report, and refuses one for an environment that does not exist', async () => {
    const { organization, environment } = freshNames();
    await repository.recordClusterStatus(organization, environment, {});
    expect(await repository.getEnvironment(organization, environment)).toBeUndefined();
    await expect(
      repository.recordClusterStatus(organization, environment, { applications: { web: application('r1') } }),
    ).rejects.toThrow(
      new EnvironmentNotFoundError(`environment ${organization}/${environment} does not exist`),
    );
  });

  it('keeps each map within its bound, the reported entries kept', async () => {
    const { organization, environment } = freshNames();
    await repository.recordSpec({ organization, environment, spec: validSpec('dev'), specHash: HASH });
    const unrouted = (index: number) => ({
      source: 'argocd' as const,
      reason: 'no such namespace',
      receivedAt: `2026-12-01T10:${String(Math.floor(index / 60)).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}Z`,
    });
    const entries = (from: number, count: number) =>
      Object.fromEntries(
        Array.from({ length: count }, (_, offset) => [`event-${from + offset}`, unrouted(from + offset)]),
      );
    await repository.recordClusterStatus(organization, environment, {
      unrouted: entries(0, CLUSTER_STATUS_MAP_LIMIT),
    });
    await repository.recordClusterStatus(organization, environment, {
      unrouted: entries(CLUSTER_STATUS_MAP_LIMIT, 5),
    });
    const names = Object.keys(
      (await repository.getEnvironment(organization, environment))?.cluster?.unrouted ?? {},
    );
    expect(names).toHaveLength(CLUSTER_STATUS_MAP_LIMIT);
    expect(names).toEqual(expect.arrayContaining(Object.keys(entries(CLUSTER_STATUS_MAP_LIMIT, 5))));
    expect(names.filter((name) => /^event-[0-4]$/.test(name))).toEqual([]);
  });
});

/**
 * Faults no local server produces, injected at the AWS SDK client (a middleware answering in place
 * of the service): a throttled or unavailable DynamoDB makes the cluster hooks answer 503 (retry
 * me), an unexpected bug 500, both counted as `Hook5xx`; EventBridge refusing the push event
 * (`FailedEntryCount: 1`) makes the push hook answer 5xx so GitHub redelivers, never a 202.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { eventBridgeGitPushPublisher } from '../../../functions/adapters/eventbridge/git-push-publisher.js';
import { staticHookSecrets, verifierFor } from '../../../functions/adapters/secrets/hook-secrets.js';
import { deriveHookToken, environmentTokenSubject } from '../../../functions/domain/hook-token.js';
import { CLUSTER_HOOK_ROUTES } from '../../../functions/handlers/api/routes.js';
import { makeArgocdHook } from '../../../functions/handlers/hooks/argocd.js';
import { makeGithubHook } from '../../../functions/handlers/hooks/github.js';
import { createLocalAlertPublisher } from '../../../local/alerts/local-alert-publisher.js';
import { apiEvent, routeById } from '../../support/api-events.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { type SeededRun, seedRun, startSeeded } from '../../support/fixtures.js';
import { metricsRecorder } from './hook-test-support.js';
import { githubDelivery, githubPush } from './payloads.js';

const SECRET = 'fault-hook-secret';
const ROUTE = routeById(CLUSTER_HOOK_ROUTES, 'argocd-hook');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A DynamoDB client every call of which fails with `name` (as the service answers it). */
function failingDynamo(name: string, status: number): DynamoDBClient {
  const client = new DynamoDBClient({ region: 'eu-west-1', credentials, maxAttempts: 1 });
  client.middlewareStack.add(
    () => async () => {
      throw Object.assign(new Error(`${name} [injected]`), { name, $metadata: { httpStatusCode: status } });
    },
    { step: 'initialize', name: 'injectFault' },
  );
  return client;
}

let dynamo: LocalDynamo;
let repository: Repository;
let seeded: SeededRun;
let dataDir: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-hook-faults-'));
  repository = createRepository({ client: dynamo.documentClient, tableName: dynamo.tableName });
  seeded = await startSeeded(repository, await seedRun(repository));
});
afterAll(async () => {
  await dynamo?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function argocdCall(hookRepository: Repository, metrics: string[]) {
  const hook = makeArgocdHook({
    repository: hookRepository,
    // Never reached: every case fails before an alert is built.
    publisher: createLocalAlertPublisher({ dataDir }),
    secrets: staticHookSecrets({ argocd: SECRET }),
    metrics: metricsRecorder(metrics),
  });
  const token = deriveHookToken(SECRET, environmentTokenSubject(seeded.organization, seeded.environment));
  return hook(
    apiEvent(ROUTE, {
      identity: null,
      path: { org: seeded.organization, env: seeded.environment },
      headers: { 'x-slipway-token': token },
      body: { event: 'sync.failed', app: `${seeded.organization}-${seeded.environment}-payments` },
    }),
  );
}

describe('cluster hooks: 503 for a retryable fault, 500 for a bug', () => {
  it.each([
    ['ThrottlingException', 400],
    ['ProvisionedThroughputExceededException', 400],
    ['ServiceUnavailable', 503],
  ])('DynamoDB %s → 503 and Hook5xx', async (name, status) => {
    const metrics: string[] = [];
    const faulty = createRepository({ client: failingDynamo(name, status), tableName: dynamo.tableName });
    const response = await argocdCall(faulty, metrics);
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'unavailable' } });
    expect(metrics).toContain('Hook5xx');
  });

  it('an unexpected error (a bug, not a fault) → 500 and Hook5xx', async () => {
    const metrics: string[] = [];
    const buggy: Repository = {
      ...repository,
      getEnvironment: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'cluster')");
      },
    };
    const response = await argocdCall(buggy, metrics);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'internal' } });
    expect(metrics).toContain('Hook5xx');
  });

  it('the same request with a working store is not a 5xx (the faults above are the cause)', async () => {
    const metrics: string[] = [];
    const response = await argocdCall(repository, metrics);
    expect(response.statusCode).toBeLessThan(500);
    expect(metrics).not.toContain('Hook5xx');
  });
});

describe('push hook: EventBridge refuses the event', () => {
  it('PutEvents answering FailedEntryCount 1 → 5xx (the sender retries), Hook5xx, not accepted', async () => {
    const eventBridge = new EventBridgeClient({ region: 'eu-west-1', credentials, maxAttempts: 1 });
    let calls = 0;
    eventBridge.middlewareStack.add(
      () => async () => {
        calls += 1;
        return {
          output: {
            $metadata: { httpStatusCode: 200 },
            FailedEntryCount: 1,
            Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'injected refusal' }],
          },
          response: {},
        };
      },
      { step: 'initialize', name: 'injectRefusal' },
    );
    const metrics: string[] = [];
    const hook = makeGithubHook({
      verify: verifierFor(staticHookSecrets({ github: SECRET })),
      publisher: eventBridgeGitPushPublisher({ client: eventBridge, eventBusName: 'slipway-git' }),
      repository,
      now: () => new Date(),
      metrics: metricsRecorder(metrics),
    });
    // validSpec follows github.com/acme/platform-gitops@main: the push is routed, then published.
    const payload = githubPush({
      repository: 'acme/platform-gitops',
      commits: [{ modified: ['tenants/acme/prod/app.yaml'] }],
    });
    const response = await hook(githubDelivery(payload, SECRET));
    expect(calls).toBe(1);
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(response.body).not.toContain('accepted"');
    expect(metrics).toEqual(['Hook5xx']);
  });
});

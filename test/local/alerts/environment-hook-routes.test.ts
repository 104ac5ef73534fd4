/**
 * Local mode serves the four environment-level hooks (`POST /v1/hooks/github`, `/gitlab`,
 * `/argocd/{org}/{env}`, `/alertmanager/{org}/{env}`) from the route tables `npm start` wires
 * (local/control-plane.ts), without a JWT, through the real local HTTP server, the real repository
 * on dynalite and the local secret store seeded as at start: a signed push reaches the local bus,
 * a bad signature or token is the hook's own 401, and the Argo CD / Alertmanager hooks take the
 * token derived from the seeded local secret for that environment only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRepository } from '../../../functions/adapters/dynamodb/repository.js';
import { hubSignature } from '../../../functions/domain/hook-auth.js';
import { deriveHookToken, environmentTokenSubject } from '../../../functions/domain/hook-token.js';
import { localClusterHookRoutes, localStoreHookSecrets } from '../../../local/alerts/cluster-hooks.js';
import { createLocalAlertPublisher } from '../../../local/alerts/local-alert-publisher.js';
import { localTokenVerifier } from '../../../local/auth/tokens.js';
import { LocalSecretStore } from '../../../local/builds/secret-store.js';
import { localHookRoutes } from '../../../local/control-plane.js';
import { LocalEventDispatcher } from '../../../local/events/dispatcher.js';
import { type ApiServer, startApiServer } from '../../../local/http/server.js';
import { seedLocalSecrets } from '../../../local/secrets.js';
import { githubPush, gitlabPush } from '../../functions/hooks/payloads.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { type SeededRun, seedRun, startSeeded } from '../../support/fixtures.js';
import { send } from '../http/send.js';

const GITHUB_SECRET = 'local-github-signing-secret';
const GITLAB_TOKEN = 'local-gitlab-token';
const ARGOCD_SECRET = 'local-argocd-secret-from-env';

let dynamo: LocalDynamo;
let dataDir: string;
let server: ApiServer;
let store: LocalSecretStore;
let seeded: SeededRun;
let other: SeededRun;
let dispatcher: LocalEventDispatcher;
const received: Record<string, unknown>[] = [];

beforeAll(async () => {
  vi.stubEnv('SLIPWAY_GITHUB_SECRET', GITHUB_SECRET);
  vi.stubEnv('SLIPWAY_GITLAB_TOKEN', GITLAB_TOKEN);
  dynamo = await startDynalite();
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-env-hooks-'));
  store = new LocalSecretStore(join(dataDir, 'secrets'));
  // As at `npm start`: the Argo CD secret from its variable, the Alertmanager one generated.
  seedLocalSecrets(store, { SLIPWAY_ARGOCD_TOKEN: ARGOCD_SECRET });
  const repository = createRepository({ client: dynamo.documentClient, tableName: dynamo.tableName });
  seeded = await startSeeded(repository, await seedRun(repository));
  other = await startSeeded(repository, await seedRun(repository));
  const events = new LocalEventDispatcher({
    target: async (event) => {
      received.push(event);
    },
  });
  server = await startApiServer({
    verifyToken: localTokenVerifier(Buffer.alloc(32, 7)),
    resolveHandler: () => async () => {
      throw new Error('no API route in this test');
    },
    localRoutes: {
      ...localClusterHookRoutes({
        repository,
        publisher: createLocalAlertPublisher({ dataDir }),
        secrets: localStoreHookSecrets(store),
      }),
      ...localHookRoutes(repository, events),
    },
  });
  dispatcher = events;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  await dynamo?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const post = (path: string, body: string, headers: [string, string][]) =>
  send(server.url, 'POST', path, { headers: [['Content-Type', 'application/json'], ...headers], body });

/** The hook secret `npm start` seeded into the local secret store for `source`. */
function seededSecret(source: 'argocd' | 'alertmanager'): string {
  const secret = store.get('slipway/webhooks');
  if (!secret) throw new Error('slipway/webhooks was not seeded');
  const value = (JSON.parse(secret.SecretString) as Record<string, unknown>)[source];
  if (typeof value !== 'string') throw new Error(`slipway/webhooks has no ${source}`);
  return value;
}
const tokenFor = (source: 'argocd' | 'alertmanager', run: SeededRun) =>
  deriveHookToken(seededSecret(source), environmentTokenSubject(run.organization, run.environment));

describe('local mode: environment hooks', () => {
  it('GitHub: a signed push is 202 and reaches the local bus as GitPushed, a ping is 200, a bad signature 401', async () => {
    const body = JSON.stringify(
      githubPush({
        repository: 'acme/platform-gitops',
        commits: [{ modified: ['tenants/acme/prod/app.yaml'] }],
      }),
    );
    const github = (signature: string, event = 'push') =>
      post('/v1/hooks/github', body, [
        ['X-GitHub-Event', event],
        ['X-GitHub-Delivery', crypto.randomUUID()],
        ['X-Hub-Signature-256', signature],
      ]);
    const bad = await github(hubSignature('not-the-secret', Buffer.from(body)));
    expect(bad.status).toBe(401);
    await dispatcher.settled();
    expect(received).toHaveLength(0);

    const accepted = await github(hubSignature(GITHUB_SECRET, Buffer.from(body)));
    expect(accepted.status).toBe(202);
    expect(accepted.json()).toMatchObject({ outcome: 'accepted' });
    await dispatcher.settled();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      'detail-type': 'GitPushed',
      detail: { repository: 'github.com/acme/platform-gitops', branch: 'main' },
    });

    const ping = await github(hubSignature(GITHUB_SECRET, Buffer.from(body)), 'ping');
    expect(ping.status).toBe(200);
  });

  it('GitLab: a wrong token is 401, a tag push with the right one 202 ignored', async () => {
    const body = JSON.stringify(
      gitlabPush({ project: 'acme/platform-gitops', ref: 'refs/tags/v1', kind: 'tag_push' }),
    );
    const gitlab = (token: string) =>
      post('/v1/hooks/gitlab', body, [
        ['X-Gitlab-Event', 'Tag Push Hook'],
        ['X-Gitlab-Token', token],
      ]);
    expect((await gitlab('not-the-token')).status).toBe(401);
    const tag = await gitlab(GITLAB_TOKEN);
    expect(tag.status).toBe(202);
    expect(tag.json()).toMatchObject({ outcome: 'ignored', reason: 'tag push' });
    await dispatcher.settled();
    expect(received).toHaveLength(1);
  });

  it('Argo CD: the environment’s token derived from the seeded local secret is accepted, another environment’s is 401', async () => {
    const path = `/v1/hooks/argocd/${seeded.organization}/${seeded.environment}`;
    const app = `${seeded.organization}-${seeded.environment}-payments`;
    const body = JSON.stringify({
      event: 'sync.failed',
      organization: seeded.organization,
      environment: seeded.environment,
      app,
      project: seeded.organization,
      namespace: app,
      syncStatus: 'OutOfSync',
      healthStatus: 'Progressing',
      phase: 'Failed',
      message: 'one or more objects failed to apply',
      revision: 'f1d2d2f924e986ac86fdf7b36c94bcdf32beec15',
      finishedAt: '2026-12-01T22:00:00Z',
    });
    // The variable's value is the secret the token derives from (local/secrets.ts).
    expect(seededSecret('argocd')).toBe(ARGOCD_SECRET);
    // Argo CD's notification service sends the token as X-Slipway-Token.
    const refused = await post(path, body, [['X-Slipway-Token', tokenFor('argocd', other)]]);
    expect(refused.status).toBe(401);
    const accepted = await post(path, body, [['X-Slipway-Token', tokenFor('argocd', seeded)]]);
    expect(accepted.status).toBe(202);
    expect(accepted.json()).toMatchObject({ accepted: 1, unrouted: 0 });
  });

  it('Alertmanager: the environment’s token derived from the seeded local secret is accepted, another environment’s is 401', async () => {
    const path = `/v1/hooks/alertmanager/${seeded.organization}/${seeded.environment}`;
    const namespace = `${seeded.organization}-${seeded.environment}-payments`;
    const body = JSON.stringify({
      version: '4',
      groupKey: '{}:{alertname="KubePodCrashLooping"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'slipway',
      groupLabels: { alertname: 'KubePodCrashLooping' },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'KubePodCrashLooping', namespace, pod: 'api-0', container: 'api' },
          annotations: { description: 'Pod api-0 is crash looping.' },
          startsAt: '2026-12-01T21:45:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus:9090/graph',
          fingerprint: 'c0ffee0000000001',
        },
      ],
    });
    const refused = await post(path, body, [['Authorization', `Bearer ${tokenFor('alertmanager', other)}`]]);
    expect(refused.status).toBe(401);
    const accepted = await post(path, body, [
      ['Authorization', `Bearer ${tokenFor('alertmanager', seeded)}`],
    ]);
    expect(accepted.status).toBe(202);
    expect(accepted.json()).toMatchObject({ accepted: 1, unrouted: 0 });
  });
});

/**
 * Local mode serves a shared cluster's hooks (`POST /v1/clusters/{cluster}/hooks/argocd|alertmanager`)
 * from the route table, without a JWT, through the real local HTTP server and the real repository
 * on dynalite: no token or another cluster's token is the hook's own 401 (not the server's JWT
 * refusal), the cluster's token for a cluster never registered is 404 naming it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepository } from '../../../functions/adapters/dynamodb/repository.js';
import { staticHookSecrets } from '../../../functions/adapters/secrets/hook-secrets.js';
import { clusterTokenSubject, deriveHookToken } from '../../../functions/domain/hook-token.js';
import { localClusterHookRoutes } from '../../../local/alerts/cluster-hooks.js';
import { createLocalAlertPublisher } from '../../../local/alerts/local-alert-publisher.js';
import { localTokenVerifier } from '../../../local/auth/tokens.js';
import { type ApiServer, startApiServer } from '../../../local/http/server.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { send } from '../http/send.js';

const SECRET = 'local-argocd-hook-secret';
let dynamo: LocalDynamo;
let dataDir: string;
let server: ApiServer;

beforeAll(async () => {
  dynamo = await startDynalite();
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-cluster-hooks-'));
  server = await startApiServer({
    verifyToken: localTokenVerifier(randomBytes(32)),
    resolveHandler: () => async () => {
      throw new Error('no API route in this test');
    },
    localRoutes: localClusterHookRoutes({
      repository: createRepository({ client: dynamo.documentClient, tableName: dynamo.tableName }),
      publisher: createLocalAlertPublisher({ dataDir }),
      secrets: staticHookSecrets({ argocd: SECRET, alertmanager: SECRET }),
    }),
  });
});
afterAll(async () => {
  await server?.close();
  await dynamo?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const post = (path: string, headers: [string, string][]) =>
  send(server.url, 'POST', path, {
    headers: [['Content-Type', 'application/json'], ...headers],
    body: JSON.stringify({ event: 'sync.failed', app: 'acme-prod-web', namespace: 'acme-prod-web' }),
  });
const tokenOf = (cluster: string) => deriveHookToken(SECRET, clusterTokenSubject(cluster));

describe('local mode: shared cluster hooks', () => {
  it('serves both routes without a JWT, refusing a missing or another cluster’s token with the hook’s 401', async () => {
    const none = await post('/v1/clusters/shared-eu/hooks/argocd', []);
    expect(none.status).toBe(401);
    expect(none.json()).toMatchObject({ error: { message: expect.stringContaining('this cluster’s') } });
    const other = await post('/v1/clusters/shared-eu/hooks/alertmanager', [
      ['Authorization', `Bearer ${tokenOf('shared-us')}`],
    ]);
    expect(other.status).toBe(401);
    expect(other.json()).toMatchObject({ error: { message: expect.stringContaining('this cluster’s') } });
  });

  it('answers 404 naming a cluster that was never registered, once its token is accepted', async () => {
    const response = await post('/v1/clusters/shared-eu/hooks/argocd', [
      ['X-Slipway-Token', tokenOf('shared-eu')],
    ]);
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ error: { message: 'cluster shared-eu does not exist' } });
  });
});

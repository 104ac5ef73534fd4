/**
 * The real HTTP API served over HTTP on 127.0.0.1 for the CLI tests: every route of the route
 * table is its handler module's factory (ROUTE_FACTORIES, what its Lambda entry point wraps),
 * over the real repository on dynalite, Powertools idempotency on a second dynalite table, and
 * a run starter whose StartExecution runs the synthesized state machine in-process with fake
 * builds (test/support/api-harness.ts). Requests go through local/http — route matching, the
 * JWT check, the API Gateway v2 event — exactly as local mode serves them.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { createRepository } from '../../functions/adapters/dynamodb/repository.js';
import { ROUTE_FACTORIES } from '../../functions/handlers/api/route-factories.js';
import { createIdempotency, idempotencyTableInput } from '../../functions/shared/http/idempotency.js';
import { localTokenVerifier, signLocalToken } from '../../local/auth/tokens.js';
import { type ApiServer, type RouteHandler, startApiServer } from '../../local/http/server.js';
import { IDEMPOTENCY_TABLE, LocalRunStarter } from '../support/api-harness.js';
import { startWorkflowHarness, type WorkflowHarness } from '../support/workflow-harness.js';

export interface ServedApi {
  readonly server: ApiServer;
  readonly workflow: WorkflowHarness;
  readonly starter: LocalRunStarter;
  token(role: Parameters<typeof signLocalToken>[1]['role'], organizations: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startServedApi(options: { buildDelayMs?: number } = {}): Promise<ServedApi> {
  const workflow = await startWorkflowHarness();
  await workflow.dynamo.client.send(new CreateTableCommand(idempotencyTableInput(IDEMPOTENCY_TABLE)));
  const repository = createRepository({
    client: workflow.dynamo.documentClient,
    tableName: workflow.dynamo.tableName,
  });
  const starter = new LocalRunStarter(workflow);
  // Builds that take a moment, so a watch sees each phase running before it ends.
  const delay = options.buildDelayMs ?? 0;
  const fakeBuild = starter.builds.build;
  Object.defineProperty(starter.builds, 'build', {
    value: async (...args: Parameters<typeof fakeBuild>) => {
      await new Promise((resolve) => setTimeout(resolve, delay));
      return fakeBuild(...args);
    },
  });
  const deps = {
    // Requests are not logged; a failure inside a handler is (its 500 hides the cause from the CLI).
    logger: {
      info: () => {},
      warn: (...details: unknown[]) => process.stderr.write(`served API: ${JSON.stringify(details)}\n`),
    },
    repository,
    runStarter: starter,
    now: () => new Date(),
    idempotency: createIdempotency({ tableName: IDEMPOTENCY_TABLE, client: workflow.dynamo.client }),
  };
  const key = randomBytes(32);
  const server = await startApiServer({
    verifyToken: localTokenVerifier(key),
    resolveHandler: (route): RouteHandler => {
      const make = ROUTE_FACTORIES[route.id];
      if (!make) throw new Error(`route ${route.id} has no handler factory`);
      return make(deps);
    },
  });
  return {
    server,
    workflow,
    starter,
    token: (role, organizations) => signLocalToken(key, { subject: `cli-${role}`, role, organizations }),
    async stop() {
      await server.close();
      await starter.settled().catch(() => undefined);
      await workflow.stop();
    },
  };
}

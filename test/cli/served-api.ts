/**
 * The real HTTP API served over HTTP on 127.0.0.1 for the CLI tests: every route of the route
 * table is the `make…` factory of its handler module (the one its Lambda entry point wraps),
 * over the real repository on dynalite, Powertools idempotency on a second dynalite table, and
 * a run starter whose StartExecution runs the synthesized state machine in-process with fake
 * builds (test/support/api-harness.ts). Requests go through local/http — route matching, the
 * JWT check, the API Gateway v2 event — exactly as local mode serves them.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { createRepository } from '../../functions/adapters/dynamodb/repository.js';
import type { ApiRoute } from '../../functions/handlers/api/routes.js';
import { createIdempotency } from '../../functions/shared/http/idempotency.js';
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

/** `list-organizations` → `makeListOrganizations`, the factory each handler module exports. */
function factoryName(route: ApiRoute): string {
  return `make${route.id.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase())}`;
}

export async function startServedApi(options: { buildDelayMs?: number } = {}): Promise<ServedApi> {
  const workflow = await startWorkflowHarness();
  await workflow.dynamo.client.send(
    new CreateTableCommand({
      TableName: IDEMPOTENCY_TABLE,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
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
    repository,
    runStarter: starter,
    now: () => new Date(),
    idempotency: createIdempotency({ tableName: IDEMPOTENCY_TABLE, client: workflow.dynamo.client }),
  };
  const key = randomBytes(32);
  const server = await startApiServer({
    verifyToken: localTokenVerifier(key),
    resolveHandler: async (route): Promise<RouteHandler> => {
      const file = new URL(`../../functions/handlers/${route.handler}.ts`, import.meta.url);
      const module: Record<string, unknown> = await import(file.href);
      const factory = module[factoryName(route)];
      if (typeof factory !== 'function') throw new Error(`${route.handler} exports no ${factoryName(route)}`);
      return factory(deps) as RouteHandler;
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

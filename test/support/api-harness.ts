/**
 * The HTTP API under test, with real parts: every route's handler (the same `make…` factory the
 * Lambda entry point uses) over the real repository on dynalite, Powertools idempotency on a
 * second dynalite table, and a run starter whose StartExecution runs the synthesized state machine
 * in-process (test/support/workflow-harness.ts) so a test can await the run it started.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  createRepository,
  type Repository,
  type WriteEvent,
} from '../../functions/adapters/dynamodb/repository.js';
import { RunAlreadyStartedError } from '../../functions/domain/errors.js';
import { executionNameOf } from '../../functions/domain/execution-name.js';
import type { ApiRunStarter } from '../../functions/domain/use-cases/ports.js';
import type { WorkflowInput } from '../../functions/domain/workflow-events.js';
import { makeApiHandlers } from '../../functions/handlers/api/route-factories.js';
import { API_ROUTES } from '../../functions/handlers/api/routes.js';
import { createIdempotency, idempotencyTableInput } from '../../functions/shared/http/idempotency.js';
import type { ApiHandler } from '../../functions/shared/http/route.js';
import { apiEvent, type EventOptions, lambdaContext, routeById } from './api-events.js';
import { FakeBuilds } from './fake-builds.js';
import { runWorkflow, startWorkflowHarness, type WorkflowHarness } from './workflow-harness.js';

export const IDEMPOTENCY_TABLE = 'slipway-idempotency-test';

/** StartExecution, locally: the synthesized workflow runs in-process; `settled()` awaits every run. */
export class LocalRunStarter implements ApiRunStarter {
  readonly inputs: WorkflowInput[] = [];
  /** The execution name of each input, in start order. */
  readonly names: string[] = [];
  readonly executions: Promise<Awaited<ReturnType<typeof runWorkflow>>>[] = [];
  builds = new FakeBuilds();
  /** Set to make the next StartExecution fail the way the SDK does (e.g. a throttle). */
  failNext: Error | undefined;
  /** While set, started executions wait for it before their first state (the run stays locked). */
  hold: Promise<void> | undefined;

  constructor(private readonly harness: WorkflowHarness) {}

  async startExecution(input: WorkflowInput): Promise<{ executionArn: string }> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    // The name the real starter gives it (functions/adapters/sfn/run-starter.ts): the run id, or
    // a push's environment and commit.
    const name = executionNameOf(input);
    const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:slipway:${name}`;
    // [simulated] Step Functions' execution-name dedup: the same name with the same input is the
    // execution already started; with another input it is ExecutionAlreadyExists, which the real
    // starter reports as a RunAlreadyStartedError.
    const earlier = this.inputs.find((started) => executionNameOf(started) === name);
    if (earlier) {
      if (JSON.stringify(earlier) === JSON.stringify(input)) return { executionArn };
      throw new RunAlreadyStartedError(`Execution Already Exists: '${executionArn}'`, {
        cause: Object.assign(new Error(`Execution Already Exists: '${executionArn}'`), {
          name: 'ExecutionAlreadyExists',
        }),
      });
    }
    this.inputs.push(input);
    this.names.push(name);
    const builds = this.builds;
    const start = this.hold ?? Promise.resolve();
    this.executions.push(
      start.then(() =>
        runWorkflow(this.harness, input as unknown as Record<string, unknown>, builds, {}, name),
      ),
    );
    return { executionArn };
  }

  /** Awaits every execution started so far; returns them in start order. */
  async settled() {
    return Promise.all(this.executions);
  }
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body. */
  readonly body: Record<string, unknown> & {
    error?: { code: string; message: string; details: unknown };
  };
}

export interface ApiHarness {
  readonly workflow: WorkflowHarness;
  /** The repository the API's handlers use (its writes are counted in `apiWrites`). */
  readonly repository: Repository;
  readonly apiWrites: WriteEvent[];
  readonly starter: LocalRunStarter;
  call(routeId: string, options: EventOptions): Promise<ApiResponse>;
  /** Every item of the state table (and the idempotency table), for before/after comparisons. */
  scan(): Promise<Record<string, unknown>[]>;
  scanIdempotency(): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

async function scanAll(harness: WorkflowHarness, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < 100; page += 1) {
    const result = await harness.dynamo.documentClient.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(result.Items ?? []));
    start = result.LastEvaluatedKey;
    if (!start) break;
  }
  return items.sort((a, b) =>
    JSON.stringify([a.pk, a.sk, a.id]) < JSON.stringify([b.pk, b.sk, b.id]) ? -1 : 1,
  );
}

export async function startApiHarness(): Promise<ApiHarness> {
  const workflow = await startWorkflowHarness();
  await workflow.dynamo.client.send(new CreateTableCommand(idempotencyTableInput(IDEMPOTENCY_TABLE)));
  const apiWrites: WriteEvent[] = [];
  const repository = createRepository({
    client: workflow.dynamo.documentClient,
    tableName: workflow.dynamo.tableName,
    onWrite: (event) => apiWrites.push(event),
  });
  const starter = new LocalRunStarter(workflow);
  const idempotency = createIdempotency({ tableName: IDEMPOTENCY_TABLE, client: workflow.dynamo.client });
  const deps = { repository, runStarter: starter, now: () => new Date(), idempotency };
  const handlers: Record<string, ApiHandler> = makeApiHandlers(deps);
  return {
    workflow,
    repository,
    apiWrites,
    starter,
    async call(routeId, options) {
      const handler = handlers[routeId];
      if (!handler) throw new Error(`no handler for ${routeId}`);
      const result = await handler(apiEvent(routeById(API_ROUTES, routeId), options), lambdaContext(routeId));
      return {
        status: result.statusCode,
        headers: result.headers,
        body: JSON.parse(result.body) as ApiResponse['body'],
      };
    },
    scan: () => scanAll(workflow, workflow.dynamo.tableName),
    scanIdempotency: () => scanAll(workflow, IDEMPOTENCY_TABLE),
    async stop() {
      // Bounded: a test that failed while holding runs must not hang the suite.
      await Promise.race([
        starter.settled().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 10_000)),
      ]);
      await workflow.stop();
    },
  };
}

/**
 * Counts the write commands on the idempotency table. Powertools writes its records through its
 * own client, not the repository, so `apiWrites` does not see them; the table is dynalite and
 * nothing is mocked. `stop` takes the counter off the client.
 */
export function countIdempotencyWrites(api: ApiHarness): { count: () => number; stop: () => void } {
  let writes = 0;
  const client = api.workflow.dynamo.client;
  const name = 'countIdempotencyWrites';
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string };
      if (
        input.TableName === IDEMPOTENCY_TABLE &&
        /^(Put|Update|Delete)Item/.test(context.commandName ?? '')
      ) {
        writes += 1;
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { count: () => writes, stop: () => client.middlewareStack.remove(name) };
}

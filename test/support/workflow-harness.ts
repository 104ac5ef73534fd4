/**
 * Runs the state machine that the CDK app synthesizes, in-process: every Lambda state is the real
 * handler writing to dynalite, every CodeBuild state a {@link FakeBuilds} build, alerts go to the
 * local SNS endpoint. DynamoDB writes are counted through the repository's `onWrite` hook.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  createRepository,
  type Repository,
  type WriteEvent,
} from '../../functions/adapters/dynamodb/repository.js';
import { createAlertPublisher } from '../../functions/adapters/sns/alert-publisher.js';
import { definitionFromTemplate } from '../../local/workflow/definition.js';
import { executeWorkflow, type WorkflowTaskHandlers } from '../../local/workflow/execute.js';
import { inProcessHandlers } from '../../local/workflow/in-process-handlers.js';
import { type LocalDynamo, startDynalite } from './dynalite.js';
import type { FakeBuilds } from './fake-builds.js';
import { type FakeSns, startFakeSns } from './fake-sns.js';
import { slipwayTemplateJson } from './shared-template.js';

export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:slipway-alerts';

export interface WorkflowHarness {
  readonly definition: StateMachineDefinition;
  readonly dynamo: LocalDynamo;
  readonly sns: FakeSns;
  /** Repository used by the workflow's handlers (its writes are counted). */
  readonly repository: Repository;
  /** Repository for arranging and asserting (its writes are not counted). */
  readonly observer: Repository;
  /** The document client under `repository`, for injecting faults no local server can produce. */
  readonly workflowClient: DynamoDBDocumentClient;
  readonly writes: WriteEvent[];
  stop(): Promise<void>;
}

export async function startWorkflowHarness(): Promise<WorkflowHarness> {
  // The run's shared synth of the stack (test/support/shared-synth.ts).
  const definition = definitionFromTemplate(await slipwayTemplateJson());
  const dynamo = await startDynalite();
  const sns = await startFakeSns();
  const writes: WriteEvent[] = [];
  const workflowClient = DynamoDBDocumentClient.from(dynamo.newClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const repository = createRepository({
    client: workflowClient,
    tableName: dynamo.tableName,
    onWrite: (event) => writes.push(event),
  });
  const observer = createRepository({ client: dynamo.documentClient, tableName: dynamo.tableName });
  return {
    definition,
    dynamo,
    sns,
    repository,
    observer,
    workflowClient,
    writes,
    async stop() {
      workflowClient.destroy();
      await sns.stop();
      await dynamo.stop();
    },
  };
}

/** Executes one run of the synthesized workflow with the real handlers and the given builds. */
export function runWorkflow(
  harness: WorkflowHarness,
  input: Record<string, unknown>,
  builds: FakeBuilds,
  override: Partial<WorkflowTaskHandlers> = {},
  executionName?: string,
) {
  const handlers = inProcessHandlers({
    repository: harness.repository,
    publisher: createAlertPublisher({ client: harness.sns.client, topicArn: TOPIC_ARN }),
    build: builds.build,
  });
  return executeWorkflow(
    harness.definition,
    input,
    { ...handlers, ...override },
    executionName ? { executionName } : {},
  );
}

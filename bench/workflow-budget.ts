/**
 * Counts what one provisioning run costs the control plane, on the synthesized state machine
 * executed locally with the real handlers over dynalite (the same harness as the workflow tests):
 * state transitions from the execution's event history and DynamoDB writes from the repository's
 * write hook, for the success path and the failure path side by side in one run.
 * Budget: success path ≤ 12 transitions (the phase plan's routing Choice included) and ≤ 10
 * DynamoDB writes from the PUT to READY, counting the API's own: the run item, the environment's
 * spec + lock and the audit record (3), plus the two idempotency-record writes of a PUT that sends
 * an Idempotency-Key (Powertools: in-progress, then completed), added here as a constant.
 *
 *   npm run bench -- workflow
 */
import { FakeBuilds } from '../test/support/fake-builds.js';
import { seedRun, startSeeded, workflowInput } from '../test/support/fixtures.js';
import { runWorkflow, startWorkflowHarness } from '../test/support/workflow-harness.js';

/** Powertools idempotency writes a record in progress, then completes it. */
const IDEMPOTENCY_WRITES = 2;

/** us-east-1 list prices (Step Functions Standard, DynamoDB on-demand). */
const PRICE = { transition: 0.025 / 1000, writeUnit: 0.625 / 1_000_000 };

export interface RunCost {
  readonly path: string;
  readonly status: string;
  readonly transitions: number;
  /** The API's writes (run item, spec + lock, audit) plus every write the workflow's handlers made. */
  readonly dynamoWrites: number;
  /** The same with the two idempotency-record writes of a PUT sent with an Idempotency-Key. */
  readonly dynamoWritesWithKey: number;
  /** Write units, from the size of each item after the run (1 unit per started KB). */
  readonly writeUnits: number;
  readonly costUsd: number;
}

export async function measureWorkflow(): Promise<RunCost[]> {
  const harness = await startWorkflowHarness();
  try {
    const measure = async (path: string, builds: FakeBuilds): Promise<RunCost> => {
      const seeded = await seedRun(harness.observer);
      const before = harness.writes.length;
      // The API's part: start the run (counted by the harness) and record who asked for it.
      const run = await startSeeded(harness.repository, seeded);
      await harness.repository.appendAudit({
        organization: run.organization,
        environment: run.environment,
        actor: 'bench',
        action: 'environment.provision-requested',
        detail: { specHash: run.specHash },
      });
      const execution = await runWorkflow(harness, workflowInput(run), builds);
      const writes = harness.writes.slice(before);
      const sizes = await itemSizes(harness, run.organization, run.environment, run.runId);
      const dynamoWrites = writes.length;
      const writeUnits = writes.reduce(
        (sum, write) => sum + Math.ceil((sizes.get(write.key.sk) ?? 1024) / 1024),
        0,
      );
      return {
        path,
        status: execution.status,
        transitions: execution.transitions,
        dynamoWrites,
        dynamoWritesWithKey: dynamoWrites + IDEMPOTENCY_WRITES,
        writeUnits,
        costUsd: execution.transitions * PRICE.transition + writeUnits * PRICE.writeUnit,
      };
    };
    const failing = new FakeBuilds();
    failing.failNext('ansible');
    return [await measure('success', new FakeBuilds()), await measure('ansible fails', failing)];
  } finally {
    await harness.stop();
  }
}

/** Approximate stored size (attribute names + JSON values) of the environment and run items, by sort key. */
async function itemSizes(
  harness: Awaited<ReturnType<typeof startWorkflowHarness>>,
  organization: string,
  environment: string,
  runId: string,
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const env = await harness.observer.getEnvironment(organization, environment);
  const run = await harness.observer.getRun(runId);
  if (env) sizes.set(`ENV#${environment}`, Buffer.byteLength(JSON.stringify(env)));
  if (run) sizes.set(`RUN#${String(run.seq).padStart(6, '0')}`, Buffer.byteLength(JSON.stringify(run)));
  return sizes;
}

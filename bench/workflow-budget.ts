/**
 * Counts what one provisioning run costs the control plane, on the synthesized state machine
 * executed locally with the real handlers over dynalite (the same harness as the workflow tests):
 * state transitions from the execution's event history and DynamoDB writes from the repository's
 * write hook, for the success path and the failure path side by side in one run.
 * Budget (DESIGN.md): success path ≤ 20 transitions and ≤ 8 DynamoDB writes.
 *
 *   npm run bench -- workflow
 */
import { FakeBuilds } from '../test/support/fake-builds.js';
import { seedRun, workflowInput } from '../test/support/fixtures.js';
import { runWorkflow, startWorkflowHarness } from '../test/support/workflow-harness.js';

/** us-east-1 list prices (REFERENCE.md "Costs"). */
const PRICE = { transition: 0.025 / 1000, writeUnit: 0.625 / 1_000_000 };

export interface RunCost {
  readonly path: string;
  readonly status: string;
  readonly transitions: number;
  /** The API's run-sequence allocation (1) plus every write the workflow's handlers made. */
  readonly dynamoWrites: number;
  /** Write units, from the size of each item after the run (1 unit per started KB). */
  readonly writeUnits: number;
  readonly costUsd: number;
}

export async function measureWorkflow(): Promise<RunCost[]> {
  const harness = await startWorkflowHarness();
  try {
    const measure = async (path: string, builds: FakeBuilds): Promise<RunCost> => {
      const run = await seedRun(harness.observer);
      const before = harness.writes.length;
      const execution = await runWorkflow(harness, workflowInput(run), builds);
      const writes = harness.writes.slice(before);
      const sizes = await itemSizes(harness, run.organization, run.environment, run.runId);
      // 1 write for allocateRunSeq (made by the API before the execution starts).
      const dynamoWrites = writes.length + 1;
      const writeUnits =
        writes.reduce((sum, write) => sum + Math.ceil((sizes.get(write.key.sk) ?? 1024) / 1024), 0) + 1;
      return {
        path,
        status: execution.status,
        transitions: execution.transitions,
        dynamoWrites,
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

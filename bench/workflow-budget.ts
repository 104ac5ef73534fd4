/**
 * Counts what one provisioning run costs the control plane, through the same path as a real PUT:
 * the API's PUT handler (the organization's quota reservation, the run item, the environment's spec
 * + lock, the audit record) over the real repository on dynalite, with Powertools idempotency on
 * its own table, then the synthesized state machine executed locally with the real handlers (the
 * harness of the API tests, test/support/api-harness.ts). State transitions come from the
 * execution's event history, DynamoDB writes from the repository's write hooks (API and
 * workflow), and the idempotency-record writes from the commands on Powertools' client — for the
 * success path and the failure path side by side in one run.
 * Budget: success path ≤ 12 transitions (the phase plan's routing Choice included) and ≤ 10
 * DynamoDB writes from the PUT to READY, counting the API's own and the idempotency records of a
 * PUT that sends an Idempotency-Key.
 *
 *   npm run bench -- workflow
 */

import { createOrganization, freshName, member, specFor } from '../test/support/api-fixtures.js';
import { type ApiHarness, countIdempotencyWrites, startApiHarness } from '../test/support/api-harness.js';
import { FakeBuilds } from '../test/support/fake-builds.js';

/** us-east-1 list prices (Step Functions Standard, DynamoDB on-demand). */
const PRICE = { transition: 0.025 / 1000, writeUnit: 0.625 / 1_000_000 };

export interface RunCost {
  readonly path: string;
  readonly status: string;
  readonly transitions: number;
  /** The API's writes (quota reservation, run item, spec + lock, audit) plus the workflow's. */
  readonly dynamoWrites: number;
  /** The same with the idempotency-record writes of the PUT, which sent an Idempotency-Key. */
  readonly dynamoWritesWithKey: number;
  /** Write units, from the size of each item after the run (1 unit per started KB). */
  readonly writeUnits: number;
  readonly costUsd: number;
}

export async function measureWorkflow(): Promise<RunCost[]> {
  const api = await startApiHarness();
  const idempotency = countIdempotencyWrites(api);
  try {
    const organization = await createOrganization(api, freshName('bench'));
    const measure = async (path: string, builds: FakeBuilds): Promise<RunCost> => {
      const environment = freshName('env');
      api.starter.builds = builds;
      const before = {
        api: api.apiWrites.length,
        workflow: api.workflow.writes.length,
        key: idempotency.count(),
      };
      const executionsBefore = api.starter.executions.length;
      const response = await api.call('put-environment', {
        identity: member('org-admin', organization),
        path: { org: organization, env: environment },
        body: specFor(organization, environment),
        headers: { 'Idempotency-Key': `bench-${environment}` },
      });
      if (response.status !== 202) throw new Error(`PUT refused: ${JSON.stringify(response.body)}`);
      const execution = (await api.starter.settled())[executionsBefore];
      if (!execution) throw new Error(`the PUT of ${organization}/${environment} started no execution`);
      const writes = [...api.apiWrites.slice(before.api), ...api.workflow.writes.slice(before.workflow)];
      const sizes = await itemSizes(api, organization, environment);
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
        dynamoWritesWithKey: dynamoWrites + idempotency.count() - before.key,
        writeUnits,
        costUsd: execution.transitions * PRICE.transition + writeUnits * PRICE.writeUnit,
      };
    };
    const failing = new FakeBuilds();
    failing.failNext('ansible');
    return [await measure('success', new FakeBuilds()), await measure('ansible fails', failing)];
  } finally {
    idempotency.stop();
    await api.stop();
  }
}

/** Approximate stored size (attribute names + JSON values) of the environment and its last run, by sort key. */
async function itemSizes(
  api: ApiHarness,
  organization: string,
  environment: string,
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const env = await api.repository.getEnvironment(organization, environment);
  const run = env?.lastRunId ? await api.repository.getRun(env.lastRunId) : undefined;
  if (env) sizes.set(`ENV#${environment}`, Buffer.byteLength(JSON.stringify(env)));
  if (run) sizes.set(`RUN#${String(run.seq).padStart(6, '0')}`, Buffer.byteLength(JSON.stringify(run)));
  return sizes;
}

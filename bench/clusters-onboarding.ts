/**
 * Onboarding a team: a dedicated environment (its own cluster) against a tenant of a READY shared
 * cluster, each through the HTTP API's handlers, the synthesized state machine executed locally
 * and the real repository on dynalite (builds are fake: this measures the control plane). Counted
 * per onboarding: phases run (builds), state transitions (the execution's history), DynamoDB writes
 * from the PUT to READY (the API's and the workflow handlers'; the Idempotency-Key's two writes
 * not included).
 *
 *   npm run bench -- clusters
 */

import { createOrganization, member, PLATFORM_ADMIN } from '../test/support/api-fixtures.js';
import { startApiHarness } from '../test/support/api-harness.js';
import { FakeBuilds } from '../test/support/fake-builds.js';
import { validSpec } from '../test/support/fixtures.js';

export interface Onboarding {
  readonly placement: string;
  readonly status: string;
  readonly phasesRun: number;
  readonly transitions: number;
  readonly apiWrites: number;
  readonly workflowWrites: number;
}

export async function measureOnboarding(): Promise<Onboarding[]> {
  const api = await startApiHarness();
  try {
    const { namespaces: _n, gitops: _g, ...dedicated } = validSpec('prod');
    const cluster = await api.call('put-cluster', {
      identity: PLATFORM_ADMIN,
      path: { cluster: 'bench-shared' },
      body: {
        ...dedicated,
        cluster: { ...dedicated.cluster, workers: { count: 3, instanceType: 'm6i.xlarge' } },
      },
    });
    if (cluster.status !== 202) throw new Error(`cluster not accepted: ${JSON.stringify(cluster.body)}`);
    await api.starter.settled();

    const onboard = async (placement: string, organization: string, body: unknown): Promise<Onboarding> => {
      await createOrganization(api, organization);
      const builds = new FakeBuilds();
      api.starter.builds = builds;
      const apiBefore = api.apiWrites.length;
      const workflowBefore = api.workflow.writes.length;
      const executionsBefore = api.starter.executions.length;
      const response = await api.call('put-environment', {
        identity: member('org-admin', organization),
        path: { org: organization, env: 'prod' },
        body,
      });
      if (response.status !== 202) throw new Error(`${placement} refused: ${JSON.stringify(response.body)}`);
      const executions = await api.starter.settled();
      const execution = executions[executionsBefore];
      const record = await api.repository.getEnvironment(organization, 'prod');
      return {
        placement,
        status: record?.status ?? 'missing',
        phasesRun: builds.calls.length,
        transitions: execution?.transitions ?? 0,
        apiWrites: api.apiWrites.length - apiBefore,
        workflowWrites: api.workflow.writes.length - workflowBefore,
      };
    };
    const spec = validSpec('prod');
    return [
      await onboard('dedicated', 'bench-dedicated', {
        ...spec,
        gitops: { ...spec.gitops, path: 'tenants/a' },
      }),
      await onboard('shared (READY cluster)', 'bench-tenant', {
        tier: 'prod',
        sharedCluster: 'bench-shared',
        namespaces: spec.namespaces,
        gitops: { ...spec.gitops, path: 'tenants/b' },
      }),
    ];
  } finally {
    await api.stop();
  }
}

export function onboardingMarkdown(rows: readonly Onboarding[]): string {
  return [
    '| placement | status | phases run | state transitions | DynamoDB writes (API + workflow) |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.placement} | ${row.status} | ${row.phasesRun} | ${row.transitions} | ${row.apiWrites + row.workflowWrites} (${row.apiWrites} + ${row.workflowWrites}) |`,
    ),
  ].join('\n');
}

/**
 * An INTERRUPTED run (its execution timed out, was aborted, or is gone after a local-mode crash)
 * keeps its phases as they were, so the phase it was in is still RUNNING on the run item. The
 * views must not show it as still running: GET run and GET environment show that phase
 * INTERRUPTED, ended at the interruption.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, freshName, member, specFor } from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});

afterAll(async () => {
  await api?.stop();
});

describe('the views of an INTERRUPTED run', () => {
  it('show the phase it was in as INTERRUPTED, ended at the interruption', async () => {
    const org = await createOrganization(api);
    const env = freshName('env');
    let release = () => {};
    api.starter.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const identity = member('org-admin', org);
    try {
      const put = await api.call('put-environment', {
        identity,
        path: { org, env },
        body: specFor(org, env),
      });
      expect(put.status).toBe(202);
      const runId = String(put.body.runId);
      const at = new Date('2030-01-01T00:00:00.000Z');
      await api.repository.interruptRun({ organization: org, environment: env, runId, reason: 'test', at });

      const run = await api.call('get-run', { identity, path: { org, env, runId } });
      const environment = await api.call('get-environment', { identity, path: { org, env } });

      expect(run.body.status).toBe('INTERRUPTED');
      const [first, ...rest] = run.body.phases as { status: string; endedAt?: string }[];
      expect(first).toEqual(expect.objectContaining({ status: 'INTERRUPTED', endedAt: at.toISOString() }));
      expect(rest.map((phase) => phase.status)).toEqual(rest.map(() => 'PENDING'));
      const current = environment.body.currentRun as { phases: { status: string; endedAt?: string }[] };
      expect(current.phases[0]).toEqual(first);
      expect(JSON.stringify([run.body, environment.body])).not.toContain('"RUNNING"');
    } finally {
      api.starter.hold = undefined;
      release();
      await api.starter.settled();
    }
  });
});

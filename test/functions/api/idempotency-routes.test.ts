/**
 * Idempotency-Key on the other keyed routes, through the real handlers (dynalite, API Gateway v2
 * events): DELETE environment (teardown), POST …/runs (resume) and PUT organization. The same key
 * and body replay the first answer — same status and body, `idempotent-replayed: true` — with no
 * second write, run or audit record; the same key with another body is 422.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLAYED_HEADER } from '../../../functions/shared/http/idempotency.js';
import {
  createOrganization,
  freshName,
  member,
  ORGANIZATION,
  PLATFORM_ADMIN,
  provision,
  specFor,
} from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';
import { FakeBuilds } from '../../support/fake-builds.js';

let api: ApiHarness;
let org = '';

beforeAll(async () => {
  api = await startApiHarness();
  org = await createOrganization(api);
});

afterAll(async () => {
  await api?.stop();
});

const admin = () => member('org-admin', org);

/** What a replay must leave as it was: every state item, the runs started, the audit trail. */
async function snapshot() {
  return {
    items: await api.scan(),
    started: api.starter.inputs.length,
    audit: (await api.repository.listAudit(org, { limit: 100 })).items.length,
  };
}

describe('Idempotency-Key on DELETE environment', () => {
  it('replays the teardown it started, even once the environment is DELETED, and starts no second run', async () => {
    const env = freshName('env');
    await provision(api, org, env);
    const teardown = () =>
      api.call('delete-environment', {
        identity: admin(),
        path: { org, env },
        headers: { 'Idempotency-Key': 'teardown-1' },
      });

    const first = await teardown();
    expect(first.status).toBe(202);
    expect(first.headers[REPLAYED_HEADER]).toBeUndefined();
    await api.starter.settled();
    expect((await api.repository.getEnvironment(org, env))?.status).toBe('DELETED');
    const before = await snapshot();

    const replay = await teardown();

    // Without the key, a DELETE of a DELETED environment is 409 conflict.state: this is the stored answer.
    expect(replay.status).toBe(202);
    expect(replay.headers[REPLAYED_HEADER]).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await snapshot()).toEqual(before);
  });

  it('looks no key up for a DELETE with a body: that is a 400 before anything', async () => {
    const env = freshName('env');
    await provision(api, org, env);
    const first = await api.call('delete-environment', {
      identity: admin(),
      path: { org, env },
      headers: { 'Idempotency-Key': 'teardown-2' },
    });
    expect(first.status).toBe(202);
    await api.starter.settled();
    const before = await snapshot();

    const withBody = await api.call('delete-environment', {
      identity: admin(),
      path: { org, env },
      body: { force: true },
      headers: { 'Idempotency-Key': 'teardown-2' },
    });

    expect(withBody.status).toBe(400);
    expect(withBody.body.error?.code).toBe('validation.failed');
    expect(withBody.headers[REPLAYED_HEADER]).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });
});

describe('Idempotency-Key on POST …/runs (resume)', () => {
  it('replays the resume it started, with no second run, and refuses the key with another body (422)', async () => {
    const env = freshName('env');
    const failing = new FakeBuilds();
    failing.failNext('ansible');
    api.starter.builds = failing;
    const put = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body: specFor(org, env),
    });
    expect(put.status).toBe(202);
    await api.starter.settled();
    expect((await api.repository.getEnvironment(org, env))?.status).toBe('FAILED');
    api.starter.builds = new FakeBuilds();
    const resume = (body: unknown) =>
      api.call('post-run', {
        identity: member('developer', org),
        path: { org, env },
        body,
        headers: { 'Idempotency-Key': 'resume-1' },
      });

    const first = await resume({ action: 'resume' });
    expect(first.status).toBe(202);
    await api.starter.settled();
    expect((await api.repository.getEnvironment(org, env))?.status).toBe('READY');
    const before = await snapshot();
    const runs = (await api.repository.listRuns(org, env)).items.length;

    const replay = await resume({ action: 'resume' });
    const reused = await resume({ action: 'resume', from: 'terraform' });

    // Without the key, a resume of a READY environment is 409 conflict.state: this is the stored answer.
    expect(replay.status).toBe(202);
    expect(replay.headers[REPLAYED_HEADER]).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(reused.status).toBe(422);
    expect(reused.body.error?.code).toBe('idempotency.key-reused');
    expect(reused.body.error?.details).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    expect((await api.repository.listRuns(org, env)).items).toHaveLength(runs);
    expect(await snapshot()).toEqual(before);
  });
});

describe('Idempotency-Key on PUT organization', () => {
  it('replays the 201 that created it, writing nothing, and refuses the key with another body (422)', async () => {
    const name = freshName('org');
    const put = (body: unknown) =>
      api.call('put-organization', {
        identity: PLATFORM_ADMIN,
        path: { org: name },
        body,
        headers: { 'Idempotency-Key': 'org-1' },
      });

    const first = await put(ORGANIZATION);
    expect(first.status).toBe(201);
    const before = await api.scan();
    const writes = api.apiWrites.length;

    const replay = await put(ORGANIZATION);
    const reused = await put({ ...ORGANIZATION, maxEnvironments: 3 });

    // Without the key, the same PUT again is a 200 (saved): the replay is the first 201.
    expect(replay.status).toBe(201);
    expect(replay.headers[REPLAYED_HEADER]).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(reused.status).toBe(422);
    expect(reused.body.error?.code).toBe('idempotency.key-reused');
    expect(api.apiWrites.length).toBe(writes);
    expect(await api.scan()).toEqual(before);
    const stored = await api.call('list-organizations', { identity: PLATFORM_ADMIN, path: {} });
    const items = stored.body.items as { organization: string; maxEnvironments: number }[];
    expect(items.find((item) => item.organization === name)?.maxEnvironments).toBe(
      ORGANIZATION.maxEnvironments,
    );
  });
});

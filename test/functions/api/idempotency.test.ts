/**
 * Idempotency-Key (Powertools idempotency on a DynamoDB table) and concurrent PUTs: one key, one
 * run; no key, still one run (the state layer's lock); replays, reused keys and refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLAYED_HEADER } from '../../../functions/shared/http/idempotency.js';
import { createOrganization, freshName, member, specFor } from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';

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

async function runsOf(env: string) {
  return (await api.repository.listRuns(org, env)).items;
}

describe('Idempotency-Key', () => {
  it('20 concurrent identical PUTs with one key start one run; the rest are in progress or replays', async () => {
    const env = freshName('env');
    const body = specFor(org, env);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.call('put-environment', {
          identity: admin(),
          path: { org, env },
          body,
          headers: { 'Idempotency-Key': 'key-20' },
        }),
      ),
    );

    const accepted = responses.filter((r) => r.status === 202);
    const others = responses.filter((r) => r.status !== 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((r) => r.body.runId)).size).toBe(1);
    for (const response of accepted.slice(1)) expect(response.headers[REPLAYED_HEADER]).toBe('true');
    for (const response of others) {
      expect(response.status).toBe(409);
      expect(response.body.error?.code).toBe('idempotency.in-progress');
    }
    expect(await runsOf(env)).toHaveLength(1);
    expect(api.starter.inputs.filter((input) => input.environment === env)).toHaveLength(1);
    await api.starter.settled();

    const replay = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body,
      headers: { 'Idempotency-Key': 'key-20' },
    });
    expect(replay.status).toBe(202);
    expect(replay.headers[REPLAYED_HEADER]).toBe('true');
    expect(replay.body).toEqual(accepted[0]?.body);
    expect(await runsOf(env)).toHaveLength(1);
    // One accepted change, one audit record: neither a replay nor a refused duplicate audits.
    const audit = await api.repository.listAudit(org, { limit: 100 });
    expect(audit.items.filter((entry) => entry.environment === env)).toHaveLength(1);
  });

  it('refuses the same key with another body with 422, writing nothing', async () => {
    const env = freshName('env');
    const first = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body: specFor(org, env),
      headers: { 'Idempotency-Key': 'key-reuse' },
    });
    expect(first.status).toBe(202);
    await api.starter.settled();
    const before = await api.scan();

    const other = { ...specFor(org, env), region: 'eu-central-1' };
    const reused = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body: other,
      headers: { 'Idempotency-Key': 'key-reuse' },
    });

    expect(reused.status).toBe(422);
    expect(reused.body.error?.code).toBe('idempotency.key-reused');
    expect(reused.body.error?.message).toContain('Idempotency-Key');
    expect(await api.scan()).toEqual(before);
  });

  it('keeps one caller’s key apart from another’s, and writes no record without the header', async () => {
    const env = freshName('env');
    const records = (await api.scanIdempotency()).length;
    const plain = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body: specFor(org, env),
    });
    expect(plain.status).toBe(202);
    await api.starter.settled();
    expect((await api.scanIdempotency()).length).toBe(records);

    const mine = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body: specFor(org, env),
      headers: { 'Idempotency-Key': 'shared' },
    });
    const theirs = await api.call('put-environment', {
      identity: { sub: 'someone-else', role: 'org-admin', orgs: [org] },
      path: { org, env },
      body: specFor(org, env),
      headers: { 'Idempotency-Key': 'shared' },
    });
    expect(mine.status).toBe(200);
    expect(theirs.status).toBe(200);
    expect(theirs.headers[REPLAYED_HEADER]).toBeUndefined();
    expect((await api.scanIdempotency()).length).toBe(records + 2);
  });

  it('does not store a refusal: the same key runs again once the environment is free', async () => {
    const env = freshName('env');
    let release = (): void => undefined;
    api.starter.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const changed = { ...specFor(org, env), region: 'eu-central-1' };
    try {
      const first = await api.call('put-environment', {
        identity: admin(),
        path: { org, env },
        body: specFor(org, env),
      });
      expect(first.status).toBe(202);
      const busy = await api.call('put-environment', {
        identity: admin(),
        path: { org, env },
        body: changed,
        headers: { 'Idempotency-Key': 'retry-me' },
      });
      expect(busy.status).toBe(409);
      expect(busy.body.error?.code).toBe('conflict.busy');
    } finally {
      api.starter.hold = undefined;
      release();
    }
    await api.starter.settled();

    const retried = await api.call('put-environment', {
      identity: admin(),
      path: { org, env },
      body: changed,
      headers: { 'Idempotency-Key': 'retry-me' },
    });
    expect(retried.status).toBe(202);
    expect(retried.headers[REPLAYED_HEADER]).toBeUndefined();
    await api.starter.settled();
  });
});

describe('concurrent PUTs without a key', () => {
  it('20 concurrent PUTs for one environment start one run; the others are 409 naming it or that same run', async () => {
    const env = freshName('env');
    const body = specFor(org, env);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.call('put-environment', { identity: admin(), path: { org, env }, body }),
      ),
    );

    // Identical requests racing for the same sequence number describe the same run: each one that
    // reaches it gets that run (202, like a replay); the others are refused as busy.
    const accepted = responses.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    const runIds = new Set(accepted.map((r) => r.body.runId));
    expect(runIds.size).toBe(1);
    const [runId] = [...runIds];
    for (const response of responses.filter((r) => r.status !== 202)) {
      expect(response.status).toBe(409);
      expect(response.body.error?.code).toBe('conflict.busy');
      expect(response.body.error?.details).toMatchObject({ activeRunId: runId });
    }
    expect(await runsOf(env)).toHaveLength(1);
    expect(api.starter.inputs.filter((input) => input.runId === runId)).toHaveLength(1);
    const [execution] = (await api.starter.settled()).slice(-1);
    expect(execution?.status).toBe('SUCCEEDED');
    expect((await api.repository.getEnvironment(org, env))?.status).toBe('READY');
  });

  it('20 concurrent PUTs with different specs start one run; the rest are 409 naming it', async () => {
    const env = freshName('env');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        api.call('put-environment', {
          identity: admin(),
          path: { org, env },
          body: {
            ...specFor(org, env),
            namespaces: [{ name: 'payments', quota: { cpu: `${index + 1}00m`, memory: '1Gi', pods: 10 } }],
          },
        }),
      ),
    );

    const accepted = responses.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    const refused = responses.filter((r) => r.status !== 202);
    expect(refused).toHaveLength(19);
    for (const response of refused) {
      expect(response.status).toBe(409);
      expect(response.body.error?.code).toBe('conflict.busy');
      expect(response.body.error?.details, response.body.error?.message).toMatchObject({
        activeRunId: accepted[0]?.body.runId,
      });
    }
    expect(await runsOf(env)).toHaveLength(1);
    await api.starter.settled();
  });
});

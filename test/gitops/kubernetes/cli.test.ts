import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTenantRenderer } from '../../../infra/constructs/gitops-source.js';
import { validSpec } from '../../support/fixtures.js';
import { requireTool } from '../../support/tools.js';
import { parseYamlObjects, validateWithModel } from './models.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'slipway-render-cli-'));

/**
 * The CLI as the argocd phase runs it: gitops/kubernetes/tenants/cli.ts bundled once (beforeAll)
 * into dist/render-tenants.mjs and run with plain node - not `npx tsx` per case, which cost ~2 s
 * of start-up each.
 */
let bundle = '';

/** Runs the CLI as a process with only the given SLIPWAY_* variables (none inherited). */
function runCli(env: Record<string, string>, args: string[]) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SLIPWAY_')),
  );
  return spawnSync(process.execPath, [bundle, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...inherited, ...env },
    timeout: 60_000,
  });
}

/**
 * stderr without Node 22's DEP0040 warning: the bundle loads Node's built-in punycode (through a
 * bundled dependency; tsx resolved the userland package instead). Only that warning is dropped.
 */
function withoutPunycodeWarning(stderr: string): string {
  return stderr
    .replace(/^\(node:\d+\) \[DEP0040\] DeprecationWarning: The `punycode` module is deprecated\..*\n/m, '')
    .replace(/^\(Use `node --trace-deprecation \.\.\.` to show where the warning was created\)\n/m, '');
}

const acmeEnv = (spec: unknown) => ({
  SLIPWAY_ORGANIZATION: 'acme',
  SLIPWAY_ENVIRONMENT: 'prod',
  SLIPWAY_SPEC: typeof spec === 'string' ? spec : JSON.stringify(spec),
});

describe('render-tenants CLI', () => {
  beforeAll(() => {
    requireTool('kubectl', 'kubectl 1.32 with built-in kustomize is on the machine image');
    bundle = bundleTenantRenderer(path.join(work, 'dist'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('exits 1 and names the field when the spec has overlapping CIDRs, writing nothing', () => {
    const spec = validSpec();
    spec.network.serviceCidr = '10.244.0.0/20';
    const out = path.join(work, 'overlap');
    const result = runCli(acmeEnv(spec), ['--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ERROR - network\.serviceCidr: .*overlaps network\.podCidr/m);
    expect(() => readdirSync(out)).toThrow();
  });

  it('exits 1 and names every bad field (quantity, version, name)', () => {
    const spec = validSpec() as unknown as Record<string, unknown> & ReturnType<typeof validSpec>;
    spec.kubernetesVersion = '1.27' as never;
    (spec.namespaces[0] as { name: string; quota: { memory: string } }).name = 'Payments';
    (spec.namespaces[0] as { name: string; quota: { memory: string } }).quota.memory = '8GB';
    const result = runCli(acmeEnv(spec), ['--out', path.join(work, 'many')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ERROR - kubernetesVersion: /m);
    expect(result.stderr).toMatch(/^ERROR - namespaces\.0\.name: /m);
    expect(result.stderr).toMatch(/^ERROR - namespaces\.0\.quota\.memory: /m);
  });

  it('exits 1 naming SLIPWAY_SPEC when it is not JSON', () => {
    const result = runCli(acmeEnv('tier: prod'), ['--out', path.join(work, 'yaml')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/ERROR - SLIPWAY_SPEC: is not valid JSON/);
  });

  it('exits 2 on usage errors: no --out, missing variables', () => {
    expect(runCli(acmeEnv(validSpec()), []).status).toBe(2);
    const missing = runCli({ SLIPWAY_SPEC: JSON.stringify(validSpec()) }, ['--out', path.join(work, 'x')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/SLIPWAY_ORGANIZATION is not set/);
  });

  it('writes a bundle that kubectl kustomize builds and whose objects validate (ingress domain and L7 opt-in included)', () => {
    const out = path.join(work, 'good');
    const base = validSpec();
    const spec = {
      ...base,
      ingress: { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      namespaces: base.namespaces.map((ns) => ({ ...ns, observability: { l7Http: true } })),
    };
    const result = runCli(acmeEnv(spec), ['--out', out]);
    expect(withoutPunycodeWarning(result.stderr)).toBe('');
    expect(result.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(
      [
        'argocd-acme.yaml',
        'cluster-rbac-acme.yaml',
        'kustomization.yaml',
        'namespace-acme-prod-payments.yaml',
        'platform-admission.yaml',
        'platform-network-fence.yaml',
        'platform-rbac.yaml',
      ].sort(),
    );
    const built = spawnSync('kubectl', ['kustomize', out], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    const objects = parseYamlObjects(built.stdout);
    expect(objects.length).toBeGreaterThanOrEqual(14);
    for (const object of objects) validateWithModel(object);
    const ingressPolicy = objects.find((object) => object.metadata.name === 'slipway-tenant-ingresses');
    expect(JSON.stringify(ingressPolicy?.spec)).toContain(".apps.example.com'");
    const policy = objects.find((object) => object.kind === 'CiliumNetworkPolicy');
    expect(policy?.spec).toMatchObject({
      ingress: [
        { fromEndpoints: [{}] },
        { fromEntities: ['ingress'] },
        { fromEndpoints: [{}], toPorts: [{ rules: { http: [{}] } }] },
        { fromEntities: ['ingress'], toPorts: [{ rules: { http: [{}] } }] },
      ],
    });
  });

  it('writes the expected Applications outside the bundle when asked, and nothing of them on a bad spec', () => {
    const out = path.join(work, 'apps');
    const file = path.join(work, 'expected-applications.json');
    const result = runCli(acmeEnv(validSpec()), ['--out', out, '--expected-applications', file]);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      applications: [{ name: 'acme-prod-payments', path: 'tenants/acme/prod/payments/overlays/prod' }],
    });
    expect(readdirSync(out)).not.toContain('expected-applications.json');
    const bad = validSpec();
    bad.network.podCidr = '10.20.0.0/16';
    const refused = path.join(work, 'refused-applications.json');
    const failed = runCli(acmeEnv(bad), [
      '--out',
      path.join(work, 'apps-bad'),
      '--expected-applications',
      refused,
    ]);
    expect(failed.status).toBe(1);
    expect(existsSync(refused)).toBe(false);
  });

  it('refuses a non-empty output directory, so no stale namespace survives', () => {
    const out = path.join(work, 'stale');
    runCli(acmeEnv(validSpec()), ['--out', out]);
    writeFileSync(path.join(out, 'namespace-acme-prod-old.yaml'), 'kind: Namespace\n');
    const again = runCli(acmeEnv(validSpec()), ['--out', out]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/is not empty/);
  });
});

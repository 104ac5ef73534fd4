import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTenantRenderer } from '../../../infra/constructs/gitops-source.js';
import { validSpec } from '../../support/fixtures.js';

const work = mkdtempSync(path.join(tmpdir(), 'slipway-render-bundle-'));

/**
 * What CodeBuild runs is `node dist/render-tenants.mjs`, an esbuild bundle with no node_modules,
 * built by the same function the CDK asset uses (infra/constructs/gitops-source.ts).
 */
function bundle(): string {
  return bundleTenantRenderer(path.join(work, 'dist'));
}

describe('render-tenants bundle (dist/render-tenants.mjs)', () => {
  let cli: string;
  beforeAll(() => {
    cli = bundle();
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const run = (spec: unknown, out: string) =>
    spawnSync(process.execPath, [cli, '--out', out], {
      cwd: work,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        SLIPWAY_ORGANIZATION: 'acme',
        SLIPWAY_ENVIRONMENT: 'prod',
        SLIPWAY_SPEC: JSON.stringify(spec),
      },
    });

  it('runs with plain node outside the repository and writes the bundle', () => {
    const out = path.join(work, 'out');
    const result = run(validSpec(), out);
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(out)).toContain('namespace-acme-prod-payments.yaml');
  });

  it('refuses a bad spec with the field named', () => {
    const spec = validSpec();
    spec.network.podCidr = '10.20.0.0/16';
    const result = run(spec, path.join(work, 'bad'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/ERROR - network\.podCidr: /);
  });
});

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleGitopsSource } from '../../infra/constructs/gitops-source.js';

describe('GitOps source asset', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'slipway-source-'));
  const root = path.join(work, 'repo');
  const out = path.join(work, 'asset');
  const write = (relative: string, text = 'x') => {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), text);
  };

  beforeAll(() => {
    write('buildspecs/terraform.yml', 'version: 0.2\n');
    write('gitops/terraform/environments/dev/main.tf');
    write('gitops/ansible/site.yml');
    // What a phase run on a laptop leaves behind: none of it may ship.
    write('gitops/terraform/environments/dev/.terraform/providers/x');
    write('gitops/terraform/environments/dev/terraform.tfstate');
    write('gitops/terraform/environments/dev/slipway.auto.tfvars.json');
    write('gitops/terraform/terraform-outputs.json');
    write('gitops/terraform/.phase-exports.env');
    write('gitops/ansible/.phase/kubeconfig', 'apiVersion: v1');
    write('gitops/ansible/collections/ansible_collections/x');
    mkdirSync(out);
    bundleGitopsSource(out, root);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships the buildspecs, the GitOps payload and the bundled tenant renderer', () => {
    expect(existsSync(path.join(out, 'buildspecs/terraform.yml'))).toBe(true);
    expect(existsSync(path.join(out, 'gitops/terraform/environments/dev/main.tf'))).toBe(true);
    expect(existsSync(path.join(out, 'gitops/ansible/site.yml'))).toBe(true);
    expect(existsSync(path.join(out, 'dist/render-tenants.mjs'))).toBe(true);
    expect(existsSync(path.join(out, 'dist/re2.wasm'))).toBe(true);
  });

  it.each([
    'gitops/terraform/environments/dev/.terraform',
    'gitops/terraform/environments/dev/terraform.tfstate',
    'gitops/terraform/environments/dev/slipway.auto.tfvars.json',
    'gitops/terraform/terraform-outputs.json',
    'gitops/terraform/.phase-exports.env',
    'gitops/ansible/.phase',
    'gitops/ansible/collections',
  ])('leaves out the local leftover %s', (relative) => {
    expect(existsSync(path.join(out, relative))).toBe(false);
  });
});

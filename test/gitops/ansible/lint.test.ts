import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../support/tools.js';
import { createSandbox, run, type Sandbox } from './ansible-run.js';

describe('ansible-lint on gitops/ansible', () => {
  let sandbox: Sandbox;

  beforeAll(() => {
    requireTool('ansible-lint', 'apt-get install ansible-lint (6.13; runs with --offline)');
    sandbox = createSandbox();
  });
  afterAll(() => sandbox.remove());

  it('passes the production profile with no violation', () => {
    const result = run('ansible-lint', ['--offline', '--nocolor', '--profile', 'production'], sandbox);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/Passed with production profile: 0 failure\(s\), 0 warning\(s\)/);
  });
});

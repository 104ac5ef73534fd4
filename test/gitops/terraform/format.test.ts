import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../support/tools.js';
import { TERRAFORM_ROOT } from './terraform-config.js';

let terraform = '';

beforeAll(() => {
  terraform = requireTool(
    'terraform',
    'terraform >= 1.11 from releases.hashicorp.com (present on the machine image)',
  );
});

describe('terraform fmt', () => {
  it('finds every file under gitops/terraform already formatted', () => {
    const result = spawnSync(terraform, ['fmt', '-check', '-recursive', '-diff', TERRAFORM_ROOT], {
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    });
    expect(result.stdout, result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

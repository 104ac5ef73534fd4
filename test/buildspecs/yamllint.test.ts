import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../support/tools.js';
import { REPO_ROOT } from './repo-files.js';

// One run per owner's tree, so a failure names whose files need fixing.
const TREES = ['buildspecs', 'gitops/ansible', 'gitops/terraform', 'gitops/kubernetes'].filter((tree) =>
  existsSync(join(REPO_ROOT, tree)),
);

describe('yamllint -c .yamllint.yml', () => {
  beforeAll(() => {
    requireTool('yamllint', 'apt-get install yamllint');
  });

  it('lints buildspecs/ and gitops/', () => {
    expect(TREES).toContain('buildspecs');
  });

  it.each(TREES)('finds no error in %s', (tree) => {
    const result = spawnSync('yamllint', ['--config-file', '.yamllint.yml', '--format', 'parsable', tree], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });
});

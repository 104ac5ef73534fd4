/** The banner's push-hook line: on or off per hook, naming the variable, never printing its value. */
import { describe, expect, it } from 'vitest';
import { pushHooksLine } from '../../local/banner.js';

const URL = 'http://127.0.0.1:8787';

describe('pushHooksLine', () => {
  it('says both hooks are off and which variable turns each on when none is set', () => {
    expect(pushHooksLine(URL, {})).toBe(
      '  push hooks      github off (set SLIPWAY_GITHUB_SECRET to turn it on); gitlab off (set SLIPWAY_GITLAB_TOKEN to turn it on)',
    );
  });

  it('says a hook is on at its URL once its variable is set, without printing the secret', () => {
    const line = pushHooksLine(URL, {
      SLIPWAY_GITHUB_SECRET: 'banner-test-secret',
      SLIPWAY_GITLAB_TOKEN: '  ',
    });
    expect(line).toBe(
      '  push hooks      http://127.0.0.1:8787/v1/hooks/github on (SLIPWAY_GITHUB_SECRET is set); gitlab off (set SLIPWAY_GITLAB_TOKEN to turn it on)',
    );
    expect(line).not.toContain('banner-test-secret');
    expect(pushHooksLine(URL, { SLIPWAY_GITLAB_TOKEN: 'banner-test-token' })).toContain(
      `${URL}/v1/hooks/gitlab on (SLIPWAY_GITLAB_TOKEN is set)`,
    );
  });
});

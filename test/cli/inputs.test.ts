import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pc from 'picocolors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiRequestError } from '../../local/cli/api-client.js';
import { formatElapsed, parseDurationMs } from '../../local/cli/duration.js';
import { UsageError } from '../../local/cli/exit-codes.js';
import { errorText } from '../../local/cli/render/errors.js';
import { readSpecFile } from '../../local/cli/spec-file.js';
import { parseEnvironmentTarget } from '../../local/cli/target.js';

const colors = pc.createColors(false);

describe('spec files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-spec-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads YAML and JSON to the same object', async () => {
    await writeFile(join(dir, 'org.yaml'), 'displayName: Acme\nquota:\n  cpu: "32"\n  pods: 300\n');
    await writeFile(join(dir, 'org.json'), '{"displayName":"Acme","quota":{"cpu":"32","pods":300}}');

    const fromYaml = await readSpecFile(join(dir, 'org.yaml'));
    const fromJson = await readSpecFile(join(dir, 'org.json'));

    expect(fromYaml).toEqual({ displayName: 'Acme', quota: { cpu: '32', pods: 300 } });
    expect(fromJson).toEqual(fromYaml);
  });

  it('reads standard input for -', async () => {
    expect(await readSpecFile('-', async () => 'tier: dev\n')).toEqual({ tier: 'dev' });
  });

  it.each([
    ['missing.yaml', null, /cannot read .*missing\.yaml: ENOENT/],
    ['broken.json', '{"tier": ', /broken\.json is not valid JSON/],
    ['broken.yaml', 'tier: [dev\n', /broken\.yaml is not valid YAML or JSON/],
    ['list.yaml', '- a\n- b\n', /must hold an object \(a mapping\), not a list/],
  ])('refuses %s as a usage error naming the file', async (name, content, message) => {
    if (content !== null) await writeFile(join(dir, name), content);

    const attempt = readSpecFile(join(dir, name));

    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(message);
  });
});

describe('targets and durations', () => {
  it('parses <org>/<env> and refuses anything else', () => {
    expect(parseEnvironmentTarget('acme/prod')).toEqual({ organization: 'acme', environment: 'prod' });
    for (const bad of ['acme', 'acme/prod/x', 'Acme/prod', 'acme/../etc', 'acme/pr od', '/prod', 'acme/']) {
      expect(() => parseEnvironmentTarget(bad), bad).toThrow(UsageError);
    }
  });

  it('reads durations and formats elapsed times', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('90')).toBe(90_000);
    expect(parseDurationMs('1.5m')).toBe(90_000);
    expect(parseDurationMs('2h')).toBe(7_200_000);
    for (const bad of ['', 'soon', '0s', '-1s', '5w'])
      expect(() => parseDurationMs(bad), bad).toThrow(RangeError);
    expect(formatElapsed(2_345)).toBe('2.3s');
    expect(formatElapsed(42_000)).toBe('42s');
    expect(formatElapsed(75_000)).toBe('1m15s');
    expect(formatElapsed(3_900_000)).toBe('1h05m');
  });
});

describe('errorText', () => {
  it('prints the status, code, message and each named field', () => {
    const error = new ApiRequestError(400, 'validation.failed', 'the environment spec is invalid', [
      { field: 'network.podCidr', message: 'network.podCidr: overlaps network.vpcCidr' },
      { field: 'gitops.repository', message: 'must be an https:// URL' },
    ]);

    expect(errorText(error, colors).split('\n')).toEqual([
      'error: 400 validation.failed: the environment spec is invalid',
      '  - network.podCidr: overlaps network.vpcCidr',
      '  - gitops.repository: must be an https:// URL',
    ]);
  });

  it('prints quota issues with the requested and available amounts, and a busy run', () => {
    const quota = new ApiRequestError(422, 'quota.exceeded', 'over the ceiling', [
      {
        field: 'namespaces',
        resource: 'cpu',
        requested: '40',
        available: '28',
        message: 'namespaces: cpu over',
      },
    ]);
    const busy = new ApiRequestError(409, 'conflict.busy', 'another run holds acme/prod', {
      activeRunId: 'r-7',
    });

    expect(errorText(quota, colors)).toContain('  - namespaces: cpu over (requested 40, available 28)');
    expect(errorText(busy, colors)).toContain('  activeRunId: r-7');
  });
});

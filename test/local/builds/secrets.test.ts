import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIMULATORS_DIR } from '../../../local/builds/runner.js';
import { LocalSecretStore, parseSecretReference, uriEncode } from '../../../local/builds/secret-store.js';
import { requireTool } from '../../support/tools.js';
import { failedBuild, fixtureRunner, fixtureWorkspace, logOf, parameters } from './harness.js';

/**
 * Secrets in local builds: env.secrets-manager entries and SECRETS_MANAGER overrides resolve from
 * the local secret store ($SLIPWAY_DATA_DIR/secrets, one 0600 file per secret), the same files the
 * `aws secretsmanager` simulator writes, and no resolved value ever reaches the build log.
 */
const PASSWORD = 'pa55-Word-9f3c1e';
const WHOLE = 'whole-secret-77ab';
const KUBECONFIG = 'apiVersion: v1\nkind: Config\nusers:\n  - token: kube-token-5d2e9a\n';

let workspace: ReturnType<typeof fixtureWorkspace>;
beforeEach(() => {
  workspace = fixtureWorkspace();
});
afterEach(() => workspace.remove());

describe('local secrets', () => {
  it('resolves env.secrets-manager entries and SECRETS_MANAGER overrides, and masks them in the log', async () => {
    const runner = fixtureRunner(workspace);
    runner.secrets.put('app/database', JSON.stringify({ username: 'app', password: PASSWORD }));
    runner.secrets.put('app/plain', WHOLE);
    runner.secrets.put('slipway/acme/prod/kubeconfig', KUBECONFIG);

    const { Build } = await runner.build(
      'secrets',
      parameters(workspace.trace, [
        { Name: 'FROM_OVERRIDE', Value: 'slipway/acme/prod/kubeconfig', Type: 'SECRETS_MANAGER' },
        { Name: 'PLAIN', Value: 'visible', Type: 'PLAINTEXT' },
      ]),
    );

    // The commands saw the values...
    expect(readFileSync(workspace.trace, 'utf8')).toBe(`${PASSWORD}|${WHOLE}|${KUBECONFIG}\n`);
    expect(Build.ExportedEnvironmentVariables).toEqual([
      { Name: 'PASSWORD_LENGTH', Value: String(PASSWORD.length) },
    ]);
    // ...the log did not.
    const log = logOf(Build);
    expect(log).toContain('password is ***');
    expect(log).toContain('whole secret is ***');
    expect(log).toContain('plain is visible');
    for (const secret of [PASSWORD, WHOLE, 'kube-token-5d2e9a', 'kind: Config'])
      expect(log).not.toContain(secret);
  });

  it('fails the build, naming the secret, when a referenced secret does not exist', async () => {
    const runner = fixtureRunner(workspace);
    runner.secrets.put('app/plain', WHOLE);

    const { build } = await failedBuild(runner.build('secrets', parameters(workspace.trace)));

    const download = build.Phases.find((phase) => phase.PhaseType === 'DOWNLOAD_SOURCE');
    expect(download?.PhaseStatus).toBe('FAILED');
    expect(download?.Contexts?.[0]?.Message).toContain('app/database');
    expect(build.Phases.map((phase) => phase.PhaseType)).not.toContain('BUILD');
  });

  it('fails the build when the secret has no such JSON key', async () => {
    const runner = fixtureRunner(workspace);
    runner.secrets.put('app/database', JSON.stringify({ username: 'app' }));
    runner.secrets.put('app/plain', WHOLE);

    const { build } = await failedBuild(runner.build('secrets', parameters(workspace.trace)));

    expect(JSON.stringify(build.Phases)).toContain('secret app/database has no JSON key password');
  });

  it('keeps each secret in a 0600 file of a 0700 folder, named as jq @uri names it', () => {
    const store = new LocalSecretStore(`${workspace.dataDir}/secrets`);
    store.put('slipway/acme/prod/kubeconfig', KUBECONFIG);

    const file = store.fileOf('slipway/acme/prod/kubeconfig');
    expect(file).toBe(`${workspace.dataDir}/secrets/slipway%2Facme%2Fprod%2Fkubeconfig.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${workspace.dataDir}/secrets`).mode & 0o777).toBe(0o700);
    const jq = requireTool('jq', 'apt-get install jq');
    const encoded = execFileSync(jq, ['-rn', '--arg', 'id', 'a b/ü:c~', '$id | @uri'], {
      encoding: 'utf8',
    }).trim();
    expect(uriEncode('a b/ü:c~')).toBe(encoded);
  });

  it('reads back what the aws secretsmanager simulator created, and the simulator reads what the store wrote', () => {
    requireTool('jq', 'apt-get install jq');
    const store = new LocalSecretStore(`${workspace.dataDir}/secrets`);
    const aws = (...args: string[]) =>
      execFileSync(`${SIMULATORS_DIR}/aws`, args, {
        encoding: 'utf8',
        env: { PATH: `${SIMULATORS_DIR}:${process.env.PATH}`, SLIPWAY_DATA_DIR: workspace.dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    aws(
      'secretsmanager',
      'create-secret',
      '--name',
      'slipway/webhooks',
      '--secret-string',
      '{"argocd":"tok-1"}',
    );
    expect(store.resolve('slipway/webhooks:argocd')).toBe('tok-1');
    expect(statSync(store.fileOf('slipway/webhooks')).mode & 0o777).toBe(0o600);

    store.put('slipway/gitops-credentials', JSON.stringify({ username: 'git', password: 'push-token' }));
    const value = aws(
      'secretsmanager',
      'get-secret-value',
      '--secret-id',
      'slipway/gitops-credentials',
      '--query',
      'SecretString',
      '--output',
      'text',
    );
    expect(JSON.parse(value)).toEqual({ username: 'git', password: 'push-token' });

    aws('secretsmanager', 'delete-secret', '--secret-id', 'slipway/webhooks');
    expect(() => store.resolve('slipway/webhooks:argocd')).toThrow(/can't find the specified secret/);
  });

  it('parses secret references, ARNs included', () => {
    expect(parseSecretReference('slipway/webhooks:argocd')).toEqual({
      secretId: 'slipway/webhooks',
      jsonKey: 'argocd',
    });
    expect(
      parseSecretReference('arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf:password::v1'),
    ).toEqual({
      secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf',
      jsonKey: 'password',
      versionId: 'v1',
    });
  });
});

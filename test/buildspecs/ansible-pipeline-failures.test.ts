import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_EXPORTS,
  expectNoKubeconfigLeak,
  runPipeline,
  type Scenario,
  SECRET_ID,
  usePipelineWorkdir,
} from './ansible-pipeline-harness.js';

/*
 * buildspecs/ansible.yml's error paths, run command by command the way CodeBuild runs them (the
 * harness, ansible-pipeline-harness.ts, says what is stubbed). ansible-lint and the syntax checks
 * are logged stand-ins here: they run for real in ansible-pipeline.test.ts (and the syntax checks
 * in test/gitops/ansible/playbooks.test.ts), and what these scenarios prove is the failure handling.
 */

usePipelineWorkdir();

describe('buildspecs/ansible.yml, run command by command, when something is wrong', () => {
  describe('fails post_build, exporting nothing and storing no kubeconfig, on a malformed cluster report', () => {
    // The JSON answers and the unreachable API server go through the real cluster-report.yml (what
    // Ansible does to a JSON-looking stdout matters); the plain-text answers are the same failure
    // handling, with the playbook simulated.
    it.each<[string, Scenario, RegExp]>([
      [
        'kubectl get nodes answering garbage (cluster report simulated)',
        { nodes: 'error: You must be logged in to the server (Unauthorized)', report: 'simulated' },
        /ERROR - .*nodes\.json is not a node list/,
      ],
      [
        'kubectl get nodes answering JSON of another shape',
        { nodes: { items: 'none' } },
        /ERROR - .*nodes\.json is not a node list/,
      ],
      [
        'cilium status answering garbage (cluster report simulated)',
        { cilium: 'Error: Unable to determine status:  timeout', report: 'simulated' },
        /ERROR - .*cilium-status\.json is not a Cilium status report/,
      ],
      [
        'cilium status answering JSON without the agent',
        { cilium: { pod_state: {}, errors: {} } },
        /ERROR - .*cilium-status\.json is not a Cilium status report/,
      ],
      ['an unreachable API server', { kubectlStatus: 1 }, /The connection to the server .* was refused/],
    ])('%s', (name, scenario, message) => {
      const run = runPipeline(name.replace(/\W+/g, '-'), scenario);
      expect(run.status).not.toBe(0);
      expect(`${run.stdout}${run.stderr}`).toMatch(message);
      expect(run.exports).toEqual(EMPTY_EXPORTS);
      expect(run.calls.some((call) => call.startsWith('aws secretsmanager'))).toBe(false);
      expect(existsSync(join(run.secrets, SECRET_ID))).toBe(false);
      expect(run.stdout).not.toMatch(/INFO - cilium: /);
      expectNoKubeconfigLeak(run);
      if (scenario.report !== 'simulated' && scenario.kubectlStatus === undefined) {
        // The real playbook handed both answers to report.sh as the same JSON values (Ansible
        // re-serialises a JSON-looking stdout: the bytes differ, the value must not).
        const report = join(run.phaseDir, 'report');
        for (const [file, answer] of [
          ['nodes.json', run.answers.nodes],
          ['cilium-status.json', run.answers.cilium],
        ] as const) {
          expect(JSON.parse(readFileSync(join(report, file), 'utf8')), file).toEqual(JSON.parse(answer));
        }
      }
    });
  });

  it('refuses to touch a node without an OpenID Connect issuer, naming the variable', () => {
    const run = runPipeline('no-oidc', { env: { SLIPWAY_OIDC_ISSUER_URL: undefined } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^ERROR - SLIPWAY_OIDC_ISSUER_URL is not set/m);
    expect(
      run.calls.some((call) => call.endsWith('/playbooks/site.yml') && !call.includes('--syntax-check')),
    ).toBe(false);
    expect(run.exports).toEqual(EMPTY_EXPORTS);
  });

  it('builds without OIDC only when told so (SLIPWAY_OIDC_ISSUER_URL=disabled), and says it', () => {
    // What is proven is prepare.sh's and provision.sh's handling: the cluster report is simulated.
    const run = runPipeline('oidc-disabled', {
      env: { SLIPWAY_OIDC_ISSUER_URL: 'disabled', SLIPWAY_OIDC_CLIENT_ID: undefined },
      report: 'simulated',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/WARNING - OIDC disabled/);
    const extraVars = JSON.parse(readFileSync(join(run.phaseDir, 'extra-vars.json'), 'utf8'));
    expect(extraVars).toMatchObject({ slipway_oidc_enabled: false });
    expect(extraVars).not.toHaveProperty('slipway_oidc_issuer_url');
  });

  it('reports nothing after a failed build: no cluster report, no secret, empty exports', () => {
    const run = runPipeline('site-failed', { siteStatus: 2 });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/^PHASE post_build$/m);
    expect(run.stdout).toContain('INFO - build did not succeed; not reporting cluster readiness');
    expect(run.calls.filter((call) => call.includes('cluster_report_dir='))).toEqual([]);
    expect(run.calls.filter((call) => /^(kubectl|cilium) /.test(call))).toEqual([]);
    expect(run.calls.some((call) => call.startsWith('aws secretsmanager'))).toBe(false);
    expect(run.exports).toEqual(EMPTY_EXPORTS);
    expectNoKubeconfigLeak(run);
  });

  it('stops in pre_build, touching no node, when the terraform phase exported no outputs key', () => {
    const run = runPipeline('no-outputs', { previousOutputs: { CLUSTER_NAME: 'acme-prod' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^ERROR - SLIPWAY_PREVIOUS_OUTPUTS has no TF_OUTPUTS_S3_KEY/m);
    expect(run.stdout).not.toMatch(/^PHASE (build|post_build)$/m);
    expect(run.calls.filter((call) => call.startsWith('ansible-playbook'))).toEqual([]);
    expect(run.exports).toEqual(EMPTY_EXPORTS);
  });
});

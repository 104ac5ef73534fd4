import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACT_BUCKET,
  expectNoKubeconfigLeak,
  KUBECONFIG,
  OUTPUTS_KEY,
  PLAYBOOKS,
  type Run,
  runPipeline,
  SECRET_ID,
  usePipelineWorkdir,
} from './ansible-pipeline-harness.js';
import { NODE_COUNT } from './cluster-report-fixtures.js';
import { PHASE_EXPORTS } from './phase-exports.js';

/*
 * buildspecs/ansible.yml, the whole way through with everything real that can be real here:
 * ansible-lint, `ansible-playbook --syntax-check` of every playbook and cluster-report.yml (the
 * harness, ansible-pipeline-harness.ts, says what is stubbed). The error paths are in
 * ansible-pipeline-failures.test.ts, with the lint and syntax checks as logged stand-ins: this
 * one run is where the real checks are proven to run, in order, in the CodeBuild source copy.
 */

usePipelineWorkdir();

describe('buildspecs/ansible.yml, run command by command', () => {
  describe('the full pipeline: real lint, syntax checks and cluster report', () => {
    let run: Run;

    beforeAll(() => {
      run = runPipeline('full', { realChecks: true });
      // Real ansible-lint and a real syntax check per playbook: the 120 s this had ran out on a
      // loaded 2-core machine (a cap on a bounded run, not a wait).
    }, 360_000);

    it('succeeds and exports the secret id, every node Ready and a healthy Cilium', () => {
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(Object.keys(run.exports).sort()).toEqual([...PHASE_EXPORTS.ansible].sort());
      expect(run.exports).toEqual({
        KUBECONFIG_SECRET_ID: SECRET_ID,
        NODES_READY: `${NODE_COUNT}/${NODE_COUNT}`,
        CILIUM_STATUS: 'OK',
      });
    });

    it('fetches the outputs of this run, lints, syntax-checks every playbook, then builds and reports, in that order', () => {
      // How run_playbook (scripts/ansible/lib.sh) calls ansible-playbook; ansible-lint's own
      // syntax checks pass through the stub too, with other arguments.
      const phasePlaybook = `ansible-playbook --inventory ${join(run.phaseDir, 'inventory.json')} --extra-vars @${join(run.phaseDir, 'extra-vars.json')}`;
      const playbook = (name: string) => join(run.src, 'gitops/ansible/playbooks', name);
      const steps = [
        `aws s3 cp s3://${ARTIFACT_BUCKET}/${OUTPUTS_KEY} `,
        ...PLAYBOOKS.map((name) => `${phasePlaybook} --syntax-check ${playbook(name)}`),
        `${phasePlaybook} ${playbook('site.yml')}`,
        `${phasePlaybook} ${playbook('cluster-report.yml')} --extra-vars cluster_report_dir=`,
        'kubectl --kubeconfig=/etc/kubernetes/admin.conf get nodes --output=json',
        'cilium status --wait',
        `aws secretsmanager describe-secret --secret-id ${SECRET_ID}`,
        `aws secretsmanager create-secret --name ${SECRET_ID}`,
      ];
      const positions = steps.map((step) => run.calls.findIndex((call) => call.includes(step)));
      expect(
        steps.filter((_, index) => (positions[index] ?? -1) < 0),
        run.calls.join('\n'),
      ).toEqual([]);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      // The lint is real here: its verdict is in the build log, before any playbook ran.
      const lint = run.stdout.indexOf('INFO - ansible-lint (production profile)');
      expect(lint).toBeGreaterThanOrEqual(0);
      expect(run.stdout.indexOf('INFO - syntax check site.yml')).toBeGreaterThan(lint);
      // The one real ansible-lint run over gitops/ansible (test/gitops/ansible/lint.test.ts ran the
      // same lint a second time): the production profile, not a single violation or warning.
      expect(`${run.stdout}${run.stderr}`).toMatch(
        /Passed with production profile: 0 failure\(s\), 0 warning\(s\)/,
      );
    });

    it('builds the inventory from the Terraform outputs and passes the spec as extra vars', () => {
      const inventory = JSON.parse(readFileSync(join(run.phaseDir, 'inventory.json'), 'utf8'));
      const groups = inventory.all.children.k8s_cluster.children;
      expect(Object.keys(groups.control_plane.hosts)).toHaveLength(3);
      expect(Object.keys(groups.workers.hosts)).toHaveLength(3);
      expect(inventory.all.vars.ansible_connection).toBe('community.aws.aws_ssm');
      const extraVars = JSON.parse(readFileSync(join(run.phaseDir, 'extra-vars.json'), 'utf8'));
      expect(extraVars).toEqual({
        slipway_kubernetes_version: '1.31',
        slipway_cilium_version: '1.16',
        slipway_pod_cidr: '10.244.0.0/16',
        slipway_service_cidr: '10.96.0.0/12',
        slipway_oidc_enabled: true,
        slipway_oidc_issuer_url: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
        slipway_oidc_client_id: '4a5b6c7d8e9f0a1b2c3d4e5f6a',
        k8s_control_plane_kubeconfig_local_path: join(run.phaseDir, 'kubeconfig'),
      });
      const site = run.calls.filter(
        (call) => call.endsWith('/playbooks/site.yml') && !call.includes('--syntax-check'),
      );
      expect(site).toEqual([
        `ansible-playbook --inventory ${join(run.phaseDir, 'inventory.json')} --extra-vars @${join(run.phaseDir, 'extra-vars.json')} ${join(run.src, 'gitops/ansible/playbooks/site.yml')}`,
      ]);
    });

    it('stores the kubeconfig in Secrets Manager from a file, KMS-encrypted and tagged, and deletes it locally', () => {
      const create = run.calls.find((call) => call.startsWith('aws secretsmanager create-secret'));
      expect(create).toContain(`--secret-string file://${join(run.phaseDir, 'kubeconfig')}`);
      expect(create).toContain('--kms-key-id arn:aws:kms:eu-west-1:123456789012:key/');
      expect(create).toContain('Key=managed-by,Value=slipway');
      expect(readFileSync(join(run.secrets, SECRET_ID), 'utf8')).toBe(KUBECONFIG);
      expect(existsSync(join(run.phaseDir, 'kubeconfig'))).toBe(false);
      expect(statSync(run.phaseDir).mode & 0o777).toBe(0o700);
    });

    it('never puts the kubeconfig in the log, in a command line or in a file left behind', () => {
      expectNoKubeconfigLeak(run);
      expect(run.calls.length).toBeGreaterThan(10);
    });

    it('reads the report from the first control-plane node only', () => {
      const report = run.stdout.slice(run.stdout.indexOf('PLAY [Report node readiness and Cilium health]'));
      expect(report).toMatch(/ok: \[i-0aaa1111bbbb2222c\]/);
      expect(report).not.toMatch(/\[i-0aaa1111bbbb2222d\]|\[i-0ccc/);
      expect(run.calls.filter((call) => call.startsWith('kubectl '))).toHaveLength(1);
      expect(run.calls.filter((call) => call.startsWith('cilium '))).toHaveLength(1);
      expect(run.calls.some((call) => call.startsWith('session-manager-plugin'))).toBe(false);
    });
  });
});

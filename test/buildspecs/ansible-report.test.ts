import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireTool } from '../support/tools.js';
import { healthyCilium, NODE_COUNT, nodes } from './cluster-report-fixtures.js';
import { REPO_ROOT } from './repo-files.js';

/*
 * post_build of the ansible phase (buildspecs/scripts/ansible/report.sh) with its two remote
 * tools replaced by test doubles: `ansible-playbook` (which would reach the first control-plane
 * node over SSM) writes the reports the real cluster-report.yml would, and `aws` records its
 * calls. jq, the inventory script and the script's own logic run for real.
 */

const REPORT = join(REPO_ROOT, 'buildspecs/scripts/ansible/report.sh');
const INVENTORY_SCRIPT = join(REPO_ROOT, 'gitops/ansible/inventory/from-terraform.py');
const OUTPUTS_FIXTURE = join(REPO_ROOT, 'test/gitops/ansible/fixtures/terraform-outputs.json');
const KUBECONFIG_CONTENT =
  'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user: {token: s3cr3t-test-token}\n';

const ANSIBLE_PLAYBOOK_STUB = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >>"\${STUB_LOG}"
for arg in "$@"; do
  case "\${arg}" in cluster_report_dir=*) dir="\${arg#cluster_report_dir=}" ;; esac
done
cp "\${STUB_NODES}" "\${dir}/nodes.json"
cp "\${STUB_CILIUM}" "\${dir}/cilium-status.json"
`;
const AWS_STUB = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >>"\${STUB_AWS_LOG}"
if [[ "$1 $2" == "secretsmanager describe-secret" ]]; then
  if [[ "\${STUB_SECRET_EXISTS}" == "1" ]]; then printf 'None\\n'; exit 0; fi
  printf 'An error occurred (ResourceNotFoundException)\\n' >&2
  exit 254
fi
if [[ "$1 $2" == "secretsmanager create-secret" || "$1 $2" == "secretsmanager put-secret-value" ]]; then
  for arg in "$@"; do
    case "\${arg}" in file://*) cp "\${arg#file://}" "\${STUB_SECRET_COPY}" ;; esac
  done
fi
`;

interface Run {
  readonly status: number | null;
  readonly output: string;
  readonly awsCalls: string[];
  readonly exports: Record<string, string>;
  readonly storedSecret: string | undefined;
  readonly kubeconfigLeftBehind: boolean;
}

describe('buildspecs/scripts/ansible/report.sh', () => {
  let dir: string;
  /** The inventory the real inventory script builds from the fixture outputs: built once, copied per test. */
  let inventoryFixture: string;

  beforeAll(() => {
    requireTool('jq', 'apt-get install jq');
    requireTool('python3', 'install python3');
    const shared = mkdtempSync(join(tmpdir(), 'slipway-ansible-report-inventory-'));
    inventoryFixture = join(shared, 'inventory.json');
    const inventory = spawnSync(
      'python3',
      [INVENTORY_SCRIPT, '--outputs', OUTPUTS_FIXTURE, '--inventory', inventoryFixture],
      { encoding: 'utf8' },
    );
    if (inventory.status !== 0) throw new Error(inventory.stderr);
    return () => rmSync(shared, { recursive: true, force: true });
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-ansible-report-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A report document: an object is written as JSON, a string as it is (malformed output). */
  const reportText = (report: unknown): string =>
    typeof report === 'string' ? report : JSON.stringify(report);

  function runReport(options: {
    nodes: unknown;
    cilium: unknown;
    secretExists?: boolean;
    succeeding?: '0' | '1';
  }): Run {
    const bin = join(dir, 'bin');
    const phase = join(dir, 'phase');
    mkdirSync(bin);
    mkdirSync(phase);
    for (const [name, body] of [
      ['ansible-playbook', ANSIBLE_PLAYBOOK_STUB],
      ['aws', AWS_STUB],
    ] as const) {
      writeFileSync(join(bin, name), body);
      chmodSync(join(bin, name), 0o755);
    }
    copyFileSync(inventoryFixture, join(phase, 'inventory.json'));
    writeFileSync(join(phase, 'extra-vars.json'), '{}');
    writeFileSync(join(phase, 'kubeconfig'), KUBECONFIG_CONTENT, { mode: 0o600 });
    writeFileSync(join(dir, 'nodes.json'), reportText(options.nodes));
    writeFileSync(join(dir, 'cilium.json'), reportText(options.cilium));
    const secretCopy = join(dir, 'stored-secret');
    const result = spawnSync('bash', [REPORT], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: dir,
        ANSIBLE_PHASE_DIR: phase,
        CODEBUILD_BUILD_SUCCEEDING: options.succeeding ?? '1',
        SLIPWAY_ORGANIZATION: 'acme',
        SLIPWAY_ENVIRONMENT: 'prod',
        SLIPWAY_SECRETS_KMS_KEY_ID: 'alias/slipway-secrets',
        STUB_LOG: join(dir, 'ansible-playbook.log'),
        STUB_AWS_LOG: join(dir, 'aws.log'),
        STUB_NODES: join(dir, 'nodes.json'),
        STUB_CILIUM: join(dir, 'cilium.json'),
        STUB_SECRET_EXISTS: options.secretExists ? '1' : '0',
        STUB_SECRET_COPY: secretCopy,
      },
    });
    // Source the exports file the way the buildspec does, and read the variables back.
    const exported = spawnSync(
      'bash',
      [
        '-c',
        'source "$1" && printf "%s\\n%s\\n%s\\n" "$KUBECONFIG_SECRET_ID" "$NODES_READY" "$CILIUM_STATUS"',
        '_',
        join(phase, 'exports.env'),
      ],
      { encoding: 'utf8' },
    );
    const [secretId = '', nodesReady = '', ciliumStatus = ''] = exported.stdout.split('\n');
    const awsLog = join(dir, 'aws.log');
    return {
      status: result.status,
      output: `${result.stdout}${result.stderr}`,
      awsCalls: existsSync(awsLog) ? readFileSync(awsLog, 'utf8').trim().split('\n') : [],
      exports: { KUBECONFIG_SECRET_ID: secretId, NODES_READY: nodesReady, CILIUM_STATUS: ciliumStatus },
      storedSecret: existsSync(secretCopy) ? readFileSync(secretCopy, 'utf8') : undefined,
      kubeconfigLeftBehind: existsSync(join(phase, 'kubeconfig')),
    };
  }

  it('exports the secret id, "6/6" nodes ready and a healthy Cilium, and stores the kubeconfig without printing it', () => {
    const run = runReport({ nodes: nodes(NODE_COUNT), cilium: healthyCilium });
    expect(run.status, run.output).toBe(0);
    expect(run.exports).toEqual({
      KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig',
      NODES_READY: `${NODE_COUNT}/${NODE_COUNT}`,
      CILIUM_STATUS: 'OK',
    });
    const create = run.awsCalls.find((call) => call.startsWith('secretsmanager create-secret'));
    expect(create).toContain('--name slipway/acme/prod/kubeconfig');
    expect(create).toContain('--kms-key-id alias/slipway-secrets');
    expect(run.storedSecret).toBe(KUBECONFIG_CONTENT);
    expect(run.output).not.toContain('s3cr3t-test-token');
    expect(run.kubeconfigLeftBehind).toBe(false);
  });

  it('adds a new secret version when the secret already exists', () => {
    const run = runReport({ nodes: nodes(NODE_COUNT), cilium: healthyCilium, secretExists: true });
    expect(run.status, run.output).toBe(0);
    expect(run.awsCalls.some((call) => call.startsWith('secretsmanager put-secret-value'))).toBe(true);
    expect(run.awsCalls.some((call) => call.startsWith('secretsmanager create-secret'))).toBe(false);
    expect(run.storedSecret).toBe(KUBECONFIG_CONTENT);
  });

  it('fails without exporting anything when a node is not Ready', () => {
    const run = runReport({ nodes: nodes(NODE_COUNT - 1), cilium: healthyCilium });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/ERROR - only 5 of 6 nodes are Ready/);
    expect(run.exports.NODES_READY).toBe('');
    expect(run.storedSecret).toBeUndefined();
  });

  it('fails when fewer nodes registered than the inventory holds', () => {
    const run = runReport({ nodes: nodes(4, 4), cilium: healthyCilium });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/ERROR - 4 nodes registered, the inventory has 6/);
  });

  it('fails when a Cilium workload is short of ready pods or reports errors', () => {
    const degraded = {
      pod_state: { ...healthyCilium.pod_state, 'cilium-operator': { Desired: 2, Ready: 1 } },
      errors: { cilium: { 'cilium-abcde': { Errors: [{}], Warnings: [] } } },
    };
    const run = runReport({ nodes: nodes(NODE_COUNT), cilium: degraded });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(
      /ERROR - cilium is not healthy: cilium-operator: 1\/2 ready; cilium\/cilium-abcde/,
    );
    expect(run.exports.CILIUM_STATUS).toBe('');
  });

  it('reports nothing and touches no AWS API after a failed build', () => {
    const run = runReport({ nodes: nodes(NODE_COUNT), cilium: healthyCilium, succeeding: '0' });
    expect(run.status, run.output).toBe(0);
    expect(run.awsCalls).toEqual([]);
    expect(run.exports).toEqual({ KUBECONFIG_SECRET_ID: '', NODES_READY: '', CILIUM_STATUS: '' });
    expect(run.kubeconfigLeftBehind).toBe(false);
  });
  /*
   * Reviewers reproduced "OK" and "/" exports from garbage reports: bash had turned errexit off in
   * the checks' command substitutions. Malformed reports must fail the step, export nothing and
   * leave the kubeconfig unstored.
   */
  describe('fails on a malformed report instead of exporting made-up values', () => {
    it.each<[string, unknown]>([
      ['not JSON at all', 'Error from server (ServiceUnavailable): the server is currently unable'],
      ['empty', ''],
      ['truncated JSON', '{"items": [{"metadata": {"name": "ip-10-0-0-1"'],
      ['a JSON array', []],
      ['an object without items', { kind: 'Status', status: 'Failure' }],
      ['items that are not a list', { items: 6 }],
      ['nodes whose status is not an object', { items: [{ metadata: { name: 'x' }, status: 'Ready' }] }],
    ])('kubectl get nodes output that is %s', (_case, nodesReport) => {
      const run = runReport({ nodes: nodesReport, cilium: healthyCilium });
      expect(run.status).not.toBe(0);
      expect(run.output).toMatch(/ERROR - .*nodes\.json is not a node list/);
      expect(run.exports).toEqual({ KUBECONFIG_SECRET_ID: '', NODES_READY: '', CILIUM_STATUS: '' });
      expect(run.storedSecret).toBeUndefined();
      expect(run.awsCalls).toEqual([]);
      expect(run.kubeconfigLeftBehind).toBe(false);
    });

    it.each<[string, unknown]>([
      ['not JSON at all', 'Error: Unable to connect to Kubernetes'],
      ['empty', ''],
      ['a JSON string', 'OK'],
      ['an object without pod_state', { errors: {} }],
      ['pod_state without the cilium agent', { pod_state: { 'cilium-operator': { Desired: 2, Ready: 2 } } }],
      ['counts that are not numbers', { pod_state: { cilium: { Desired: '6', Ready: '6' } } }],
      ['errors that are not a map', { pod_state: healthyCilium.pod_state, errors: ['boom'] }],
    ])('cilium status output that is %s', (_case, ciliumReport) => {
      const run = runReport({ nodes: nodes(NODE_COUNT), cilium: ciliumReport });
      expect(run.status).not.toBe(0);
      expect(run.output).toMatch(/ERROR - .*cilium-status\.json is not a Cilium status report/);
      expect(run.exports).toEqual({ KUBECONFIG_SECRET_ID: '', NODES_READY: '', CILIUM_STATUS: '' });
      expect(run.storedSecret).toBeUndefined();
      expect(run.kubeconfigLeftBehind).toBe(false);
    });
  });
});

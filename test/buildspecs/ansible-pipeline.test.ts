import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { validSpec } from '../support/fixtures.js';
import { requireTool } from '../support/tools.js';
import { healthyCilium, NODE_COUNT, nodes } from './cluster-report-fixtures.js';
import { PHASE_EXPORTS } from './phase-exports.js';
import { REPO_ROOT } from './repo-files.js';

/*
 * buildspecs/ansible.yml run the way CodeBuild runs it: the pre_build, build and post_build
 * commands in one bash shell from the source root, a failed build still running post_build with
 * CODEBUILD_BUILD_SUCCEEDING=0. The nodes do not exist here, so the tools that would reach them
 * are STUBS (test/buildspecs/stubs-ansible, each labelled): `aws` (S3 and Secrets Manager),
 * `ansible-playbook` for site.yml, and `kubectl` and `cilium` on the "first control-plane node".
 * What is real: the buildspec, every phase script, jq, the inventory script, ansible-lint and
 * `ansible-playbook --syntax-check` (full-pipeline scenario), and cluster-report.yml itself, run
 * on this machine over a local connection against the kubectl and cilium stubs. The install phase
 * (pip, ansible-galaxy and the session-manager-plugin download) is not run.
 */

const STUBS = join(REPO_ROOT, 'test/buildspecs/stubs-ansible');
const LINT_STUB = join(STUBS, 'lint-skipped');
const OUTPUTS_FIXTURE = join(REPO_ROOT, 'test/gitops/ansible/fixtures/terraform-outputs.json');
const RUN_ID = 'acme.prod.000003.1a2b3c4d';
const ARTIFACT_BUCKET = 'slipway-artifacts-123456789012';
const OUTPUTS_KEY = `acme/prod/runs/${RUN_ID}/terraform-outputs.json`;
const SECRET_ID = 'slipway/acme/prod/kubeconfig';
const PHASES = ['pre_build', 'build', 'post_build'] as const;
const PLAYBOOKS = readdirSync(join(REPO_ROOT, 'gitops/ansible/playbooks'))
  .filter((name) => name.endsWith('.yml'))
  .sort();

/** What must never leave the kubeconfig file: its credentials. */
const TOKEN = 's3cr3t-kubeconfig-token-0f1e2d';
const CLIENT_KEY = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tc2VjcmV0LWtleS1kYXRh';
const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: acme-prod',
  '  cluster: {server: "https://acme-prod-api-0123456789abcdef.elb.eu-west-1.amazonaws.com:6443"}',
  'users:',
  `- name: kubernetes-admin`,
  `  user: {token: ${TOKEN}, client-key-data: ${CLIENT_KEY}}`,
  '',
].join('\n');

const SPEC = { ...validSpec(), kubernetesVersion: '1.31' };

const Buildspec = z.object({
  env: z.object({
    variables: z.record(z.string(), z.string()),
    'exported-variables': z.array(z.string()),
  }),
  phases: z.record(z.string(), z.object({ commands: z.array(z.string()) })),
});

interface Scenario {
  /** `kubectl get nodes --output=json` / `cilium status --output=json` answers: objects as JSON, strings as they are. */
  readonly nodes?: unknown;
  readonly cilium?: unknown;
  readonly siteStatus?: number;
  readonly kubectlStatus?: number;
  readonly previousOutputs?: Record<string, string>;
  /** Real ansible-lint and syntax checks (slow) or logged stand-ins. */
  readonly realChecks?: boolean;
  /** Project variables to change, or (undefined) to leave out. */
  readonly env?: Record<string, string | undefined>;
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every stub call, one per line, in order (arguments included). */
  readonly calls: string[];
  readonly exports: Record<string, string>;
  readonly src: string;
  readonly phaseDir: string;
  readonly secrets: string;
  /** Every byte the run wrote where a log or a later reader could see it. */
  readonly everythingVisible: string;
}

let workdir = '';
let realAnsiblePlaybook = '';

beforeAll(() => {
  requireTool('bash', 'apt-get install bash');
  requireTool('jq', 'apt-get install jq');
  requireTool('python3', 'install python3');
  requireTool('ansible-lint', 'apt-get install ansible-lint (6.13)');
  realAnsiblePlaybook = requireTool('ansible-playbook', 'apt-get install ansible (ansible-core 2.14)');
  workdir = mkdtempSync(join(tmpdir(), 'slipway-ansible-pipeline-'));
});

afterAll(() => {
  rmSync(workdir, { recursive: true, force: true });
});

const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The buildspec's commands as CodeBuild runs them: one shell, no errexit between commands; a
 * failed command ends its phase; a failed pre_build ends the build; post_build runs after a failed
 * build with CODEBUILD_BUILD_SUCCEEDING=0; the exported variables are read at the end.
 */
function codebuildScript(buildspec: z.infer<typeof Buildspec>, sandbox: string): string {
  const lines = ['set -o pipefail', 'export CODEBUILD_BUILD_SUCCEEDING=1', 'failed=""', 'post_failed=""'];
  for (const [key, value] of Object.entries(buildspec.env.variables)) {
    // Ansible's scratch paths (/tmp/...) move into the test's sandbox.
    const local = value.startsWith('/tmp/') ? join(sandbox, value.slice('/tmp/'.length)) : value;
    lines.push(`export ${key}=${JSON.stringify(local)}`);
  }
  for (const phase of PHASES) {
    const guard =
      phase === 'post_build' ? '[[ "$failed" != pre_build && -z "$post_failed" ]]' : '[[ -z "$failed" ]]';
    lines.push(`if [[ "$failed" != pre_build ]]; then printf 'PHASE ${phase}\\n'; fi`);
    for (const command of buildspec.phases[phase]?.commands ?? []) {
      const onFailure =
        phase === 'post_build' ? 'post_failed=1' : `failed=${phase}; export CODEBUILD_BUILD_SUCCEEDING=0`;
      lines.push(`if ${guard}; then ${command} || { ${onFailure}; }; fi`);
    }
  }
  lines.push(
    `for name in ${buildspec.env['exported-variables'].join(' ')}; do printf 'EXPORT %s=%s\\n' "$name" "${'$'}{!name-}"; done`,
    'if [[ -n "$failed" || -n "$post_failed" ]]; then exit 1; fi',
  );
  return lines.join('\n');
}

/** The environment with the scenario's changes; an undefined value leaves the variable out. */
function withOverrides(
  env: Record<string, string>,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...env, ...overrides };
  return Object.fromEntries(
    Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function runPipeline(name: string, scenario: Scenario = {}): Run {
  const base = mkdtempSync(join(workdir, `${name}-`));
  const src = join(base, 'src');
  // The CodeBuild source: buildspecs/ and gitops/ (docs/phase-contract.md); run-time files left out.
  cpSync(join(REPO_ROOT, 'buildspecs'), join(src, 'buildspecs'), { recursive: true });
  cpSync(join(REPO_ROOT, 'gitops/ansible'), join(src, 'gitops/ansible'), {
    recursive: true,
    filter: (path) => !/\/gitops\/ansible\/(\.phase|collections)(\/|$)/.test(path),
  });
  const s3 = join(base, 's3');
  mkdirSync(join(s3, ARTIFACT_BUCKET, OUTPUTS_KEY, '..'), { recursive: true });
  cpSync(OUTPUTS_FIXTURE, join(s3, ARTIFACT_BUCKET, OUTPUTS_KEY));
  const secrets = join(base, 'secrets');
  const sandbox = join(base, 'sandbox');
  mkdirSync(sandbox);
  const fixtures = {
    kubeconfig: join(base, 'kubeconfig.fixture'),
    nodes: join(base, 'nodes.fixture'),
    cilium: join(base, 'cilium.fixture'),
  };
  writeFileSync(fixtures.kubeconfig, KUBECONFIG);
  writeFileSync(fixtures.nodes, asText(scenario.nodes ?? nodes(NODE_COUNT)));
  writeFileSync(fixtures.cilium, asText(scenario.cilium ?? healthyCilium));
  const log = join(base, 'stub-calls.log');
  writeFileSync(log, '');

  const buildspec = Buildspec.parse(parseYaml(readFileSync(join(src, 'buildspecs/ansible.yml'), 'utf8')));
  const result = spawnSync('bash', ['-c', codebuildScript(buildspec, sandbox)], {
    cwd: src,
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
    env: withOverrides(
      {
        PATH: [...(scenario.realChecks ? [] : [LINT_STUB]), STUBS, process.env.PATH ?? ''].join(':'),
        HOME: sandbox,
        XDG_CACHE_HOME: join(sandbox, 'cache'),
        LANG: 'C.UTF-8',
        CODEBUILD_SRC_DIR: src,
        AWS_REGION: 'eu-west-1',
        // Workflow overrides (docs/phase-contract.md)
        SLIPWAY_ORGANIZATION: 'acme',
        SLIPWAY_ENVIRONMENT: 'prod',
        SLIPWAY_RUN_ID: RUN_ID,
        SLIPWAY_COMMIT: '',
        SLIPWAY_TRIGGER: 'api',
        SLIPWAY_SPEC: JSON.stringify(SPEC),
        SLIPWAY_PREVIOUS_OUTPUTS: JSON.stringify(
          scenario.previousOutputs ?? {
            TF_OUTPUTS_S3_KEY: OUTPUTS_KEY,
            TF_STATE_BACKUP_S3_KEY: '',
            CLUSTER_NAME: 'acme-prod',
            API_ENDPOINT: 'acme-prod-api-0123456789abcdef.elb.eu-west-1.amazonaws.com',
          },
        ),
        // Project variables
        SLIPWAY_ARTIFACT_BUCKET: ARTIFACT_BUCKET,
        SLIPWAY_PHASE: 'ansible',
        SLIPWAY_OIDC_ISSUER_URL: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
        SLIPWAY_OIDC_CLIENT_ID: '4a5b6c7d8e9f0a1b2c3d4e5f6a',
        SLIPWAY_SECRETS_KMS_KEY_ID:
          'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
        // Stub wiring
        STUB_LOG: log,
        STUB_S3: s3,
        STUB_SECRETS: secrets,
        STUB_KUBECONFIG: fixtures.kubeconfig,
        STUB_NODES: fixtures.nodes,
        STUB_CILIUM: fixtures.cilium,
        STUB_SITE_STATUS: String(scenario.siteStatus ?? 0),
        STUB_KUBECTL_STATUS: String(scenario.kubectlStatus ?? 0),
        STUB_SYNTAX_CHECK: scenario.realChecks ? 'real' : 'log',
        REAL_ANSIBLE_PLAYBOOK: realAnsiblePlaybook,
      },
      scenario.env,
    ),
  });
  const exports = Object.fromEntries(
    [...result.stdout.matchAll(/^EXPORT (\w+)=(.*)$/gm)].map(([, key = '', value = '']) => [key, value]),
  );
  const phaseDir = join(src, 'gitops/ansible/.phase');
  const calls = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  const phaseFiles = filesUnder(phaseDir).filter((file) => !file.endsWith('/kubeconfig'));
  const everythingVisible = [
    result.stdout,
    result.stderr,
    ...calls,
    ...phaseFiles.map((file) => readFileSync(file, 'utf8')),
  ].join('\n');
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    calls,
    exports,
    src,
    phaseDir,
    secrets,
    everythingVisible,
  };
}

const EMPTY_EXPORTS = { KUBECONFIG_SECRET_ID: '', NODES_READY: '', CILIUM_STATUS: '' };

/** The kubeconfig's credentials appear nowhere visible, and no copy of it is left on the build host. */
function expectNoKubeconfigLeak(run: Run): void {
  expect(run.everythingVisible).not.toContain(TOKEN);
  expect(run.everythingVisible).not.toContain(CLIENT_KEY);
  expect(existsSync(join(run.phaseDir, 'kubeconfig'))).toBe(false);
}

describe('buildspecs/ansible.yml, run command by command', () => {
  describe('the full pipeline: real lint, syntax checks and cluster report', () => {
    let run: Run;

    beforeAll(() => {
      run = runPipeline('full', { realChecks: true });
    }, 120_000);

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
      expect(`${run.stdout}${run.stderr}`).toMatch(/Passed with production profile: 0 failure/);
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

  describe('fails post_build, exporting nothing and storing no kubeconfig, on a malformed cluster report', () => {
    it.each<[string, Scenario, RegExp]>([
      [
        'kubectl get nodes answering garbage',
        { nodes: 'error: You must be logged in to the server (Unauthorized)' },
        /ERROR - .*nodes\.json is not a node list/,
      ],
      [
        'kubectl get nodes answering JSON of another shape',
        { nodes: { items: 'none' } },
        /ERROR - .*nodes\.json is not a node list/,
      ],
      [
        'cilium status answering garbage',
        { cilium: 'Error: Unable to determine status:  timeout' },
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
    const run = runPipeline('oidc-disabled', {
      env: { SLIPWAY_OIDC_ISSUER_URL: 'disabled', SLIPWAY_OIDC_CLIENT_ID: undefined },
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

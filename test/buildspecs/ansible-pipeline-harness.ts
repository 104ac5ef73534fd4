import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { validSpec } from '../support/fixtures.js';
import { requireTool } from '../support/tools.js';
import { healthyCilium, NODE_COUNT, nodes } from './cluster-report-fixtures.js';
import { REPO_ROOT } from './repo-files.js';

/*
 * The harness of test/buildspecs/ansible-pipeline*.test.ts: buildspecs/ansible.yml run the way CodeBuild runs it: the pre_build, build and post_build
 * commands in one bash shell from the source root, a failed build still running post_build with
 * CODEBUILD_BUILD_SUCCEEDING=0. The nodes do not exist here, so the tools that would reach them
 * are STUBS (test/buildspecs/stubs-ansible, each labelled): `aws` (S3 and Secrets Manager),
 * `ansible-playbook` for site.yml, and `kubectl` and `cilium` on the "first control-plane node".
 * What is real: the buildspec, every phase script, jq, the inventory script, ansible-lint and
 * `ansible-playbook --syntax-check` (full-pipeline scenario), and cluster-report.yml itself, run
 * on this machine over a local connection against the kubectl and cilium stubs (every scenario
 * but those that set `report: 'simulated'`, where the stub calls kubectl and cilium itself). The install phase
 * (pip, ansible-galaxy and the session-manager-plugin download) is not run.
 */

const STUBS = join(REPO_ROOT, 'test/buildspecs/stubs-ansible');
const LINT_STUB = join(STUBS, 'lint-skipped');
const OUTPUTS_FIXTURE = join(REPO_ROOT, 'test/gitops/ansible/fixtures/terraform-outputs.json');
const RUN_ID = 'acme.prod.000003.1a2b3c4d';
export const ARTIFACT_BUCKET = 'slipway-artifacts-123456789012';
export const OUTPUTS_KEY = `acme/prod/runs/${RUN_ID}/terraform-outputs.json`;
export const SECRET_ID = 'slipway/acme/prod/kubeconfig';
const PHASES = ['pre_build', 'build', 'post_build'] as const;
export const PLAYBOOKS = readdirSync(join(REPO_ROOT, 'gitops/ansible/playbooks'))
  .filter((name) => name.endsWith('.yml'))
  .sort();

/** What must never leave the kubeconfig file: its credentials. */
const TOKEN = 's3cr3t-kubeconfig-token-0f1e2d';
const CLIENT_KEY = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tc2VjcmV0LWtleS1kYXRh';
export const KUBECONFIG = [
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

export interface Scenario {
  /** `kubectl get nodes --output=json` / `cilium status --output=json` answers: objects as JSON, strings as they are. */
  readonly nodes?: unknown;
  readonly cilium?: unknown;
  readonly siteStatus?: number;
  readonly kubectlStatus?: number;
  readonly previousOutputs?: Record<string, string>;
  /** Real ansible-lint and syntax checks (slow) or logged stand-ins. */
  readonly realChecks?: boolean;
  /**
   * cluster-report.yml run for real by ansible-playbook (the default), or 'simulated': the stub
   * calls the kubectl and cilium stubs itself and writes their answers where the playbook would,
   * for scenarios that prove what report.sh and the buildspec do with those answers.
   */
  readonly report?: 'playbook' | 'simulated';
  /** Project variables to change, or (undefined) to leave out. */
  readonly env?: Record<string, string | undefined>;
}

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every stub call, one per line, in order (arguments included). */
  readonly calls: string[];
  readonly exports: Record<string, string>;
  readonly src: string;
  readonly phaseDir: string;
  readonly secrets: string;
  /** The kubectl and cilium answers the scenario gave, as the stubs print them. */
  readonly answers: { readonly nodes: string; readonly cilium: string };
  /** Every byte the run wrote where a log or a later reader could see it. */
  readonly everythingVisible: string;
}

let workdir = '';
let realAnsiblePlaybook = '';

/** Registers the file's hooks: the tools the pipeline needs, and one scratch folder for its runs. */
export function usePipelineWorkdir(): void {
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
}

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

export function runPipeline(name: string, scenario: Scenario = {}): Run {
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
  const answers = {
    nodes: asText(scenario.nodes ?? nodes(NODE_COUNT)),
    cilium: asText(scenario.cilium ?? healthyCilium),
  };
  writeFileSync(fixtures.nodes, answers.nodes);
  writeFileSync(fixtures.cilium, answers.cilium);
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
        STUB_CLUSTER_REPORT: scenario.report ?? 'playbook',
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
    answers,
    everythingVisible,
  };
}

export const EMPTY_EXPORTS = { KUBECONFIG_SECRET_ID: '', NODES_READY: '', CILIUM_STATUS: '' };

/** The kubeconfig's credentials appear nowhere visible, and no copy of it is left on the build host. */
export function expectNoKubeconfigLeak(run: Run): void {
  expect(run.everythingVisible).not.toContain(TOKEN);
  expect(run.everythingVisible).not.toContain(CLIENT_KEY);
  expect(existsSync(join(run.phaseDir, 'kubeconfig'))).toBe(false);
}

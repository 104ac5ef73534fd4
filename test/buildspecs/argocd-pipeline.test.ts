import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { bundleTenantRenderer } from '../../infra/constructs/gitops-source.js';
import { validSpec } from '../support/fixtures.js';
import { requireTool } from '../support/tools.js';
import { PHASE_EXPORTS } from './phase-exports.js';
import { REPO_ROOT } from './repo-files.js';

/*
 * Runs buildspecs/argocd-bootstrap.yml the way CodeBuild does - pre_build, build and post_build in one
 * bash shell from the source root, with the variables CodeBuild would set - against clearly labelled
 * STUBS of aws, kubectl and session-manager-plugin (test/buildspecs/stubs-argocd: no AWS account and
 * no cluster exist here; they log what would run and answer deterministically). What is real: the
 * buildspec, every phase script, jq, node with the bundled tenant renderer, `kubectl kustomize`, and
 * git against a bare repository on this machine (file://) standing in for the Slipway GitOps repository.
 * The install phase (downloads kubectl and the plugin) is not run.
 */

const STUBS = join(REPO_ROOT, 'test/buildspecs/stubs-argocd');
const RUN_ID = 'acme.prod.000007.5e6f7a8b';
const ARTIFACT_BUCKET = 'slipway-artifacts-123456789012';
const OUTPUTS_KEY = `acme/prod/runs/${RUN_ID}/terraform-outputs.json`;
const API_HOST = 'internal-acme-prod-api-0123456789.elb.eu-west-1.amazonaws.com';
const BRANCH = 'main';
/** Fresh per test process, so a match can only come from this run. */
const PUSH_TOKEN = `push-token-${randomBytes(8).toString('hex')}`;
const READ_TOKEN = `read-token-${randomBytes(8).toString('hex')}`;

const Buildspec = z.object({
  env: z.object({
    variables: z.record(z.string(), z.string()),
    'secrets-manager': z.record(z.string(), z.string()),
    'exported-variables': z.array(z.string()),
  }),
  phases: z.record(z.string(), z.object({ commands: z.array(z.string()) })),
});
type Buildspec = z.infer<typeof Buildspec>;

/** What CodeBuild resolves for each env.secrets-manager entry (secret id:json key). */
const ARGOCD_HOOK_KEY = `argocd-hook-key-${randomBytes(8).toString('hex')}`;
const ALERTMANAGER_HOOK_KEY = `alertmanager-hook-key-${randomBytes(8).toString('hex')}`;
const SECRET_VALUES: Record<string, string> = {
  'slipway/webhooks:argocd': ARGOCD_HOOK_KEY,
  'slipway/webhooks:alertmanager': ALERTMANAGER_HOOK_KEY,
  'slipway/gitops-credentials:username': 'slipway-pusher',
  'slipway/gitops-credentials:password': PUSH_TOKEN,
  'slipway/gitops-read-credentials:username': 'slipway-reader',
  'slipway/gitops-read-credentials:password': READ_TOKEN,
};

/** Two namespaces, so two Applications are expected. */
function spec() {
  const value = validSpec('prod');
  value.namespaces.push({ name: 'ledger', quota: { cpu: '1', memory: '1Gi', pods: 10 } });
  return value;
}

const TENANT_SECRETS_ROLE =
  'arn:aws:iam::123456789012:role/slipway/tenant-secrets/acme-prod/acme/slipway-secrets-0123456789abcdef0123';

const TERRAFORM_OUTPUTS = {
  cluster_name: { value: 'acme-prod', type: 'string', sensitive: false },
  api_endpoint: { value: `https://${API_HOST}:6443`, type: 'string', sensitive: false },
  control_plane_instance_ids: {
    value: ['i-0aaa', 'i-0bbb', 'i-0ccc'],
    type: ['list', 'string'],
    sensitive: false,
  },
  region: { value: 'eu-west-1', type: 'string', sensitive: false },
  vpc_id: { value: 'vpc-0123', type: 'string', sensitive: false },
  tenant_secrets_role_arns: {
    value: { acme: TENANT_SECRETS_ROLE },
    type: ['map', 'string'],
    sensitive: false,
  },
  log_groups: {
    value: {
      workloads: '/slipway/acme/prod/workloads',
      platform: '/slipway/acme/prod/platform',
      retention_days: 90,
      shared: false,
    },
    type: ['object', { workloads: 'string', platform: 'string', retention_days: 'number', shared: 'bool' }],
    sensitive: false,
  },
};

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: acme-prod
    cluster: {server: "https://${API_HOST}:6443"}
users:
  - name: admin
    user: {token: kubeconfig-token-stub}
contexts:
  - name: acme-prod
    context: {cluster: acme-prod, user: admin}
current-context: acme-prod
`;

let workdir = '';
let dist = '';
let realKubectl = '';
let buildspec: Buildspec;

beforeAll(() => {
  for (const tool of ['bash', 'jq', 'git', 'timeout']) requireTool(tool, `apt-get install ${tool}`);
  realKubectl = requireTool('kubectl', 'kubectl 1.32 with built-in kustomize is on the machine image');
  workdir = mkdtempSync(join(tmpdir(), 'slipway-argocd-buildspec-'));
  dist = join(workdir, 'dist');
  bundleTenantRenderer(dist);
  buildspec = Buildspec.parse(
    parseYaml(readFileSync(join(REPO_ROOT, 'buildspecs/argocd-bootstrap.yml'), 'utf8')),
  );
});

afterAll(() => rmSync(workdir, { recursive: true, force: true }));

function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: workdir, GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();
}

/** A bare repository with one commit on main: the Slipway GitOps repository before the run. */
function gitopsRemote(base: string): { url: string; bare: string; baseRevision: string } {
  const bare = join(base, 'gitops.git');
  const seed = join(base, 'seed');
  git(['init', '--quiet', '--bare', '--initial-branch', BRANCH, bare]);
  git(['init', '--quiet', '--initial-branch', BRANCH, seed]);
  writeFileSync(join(seed, 'README.md'), '# Slipway GitOps repository\n');
  git(['add', 'README.md'], seed);
  git(
    ['-c', 'user.name=seed', '-c', 'user.email=seed@example.invalid', 'commit', '--quiet', '-m', 'seed'],
    seed,
  );
  git(['push', '--quiet', `file://${bare}`, `HEAD:${BRANCH}`], seed);
  return { url: `file://${bare}`, bare, baseRevision: git(['rev-parse', 'HEAD'], seed) };
}

/**
 * CodeBuild's phase rules: a failed pre_build command ends the build; a failed build command fails
 * the build and post_build still runs (CODEBUILD_BUILD_SUCCEEDING=0); exported variables are read
 * at the end of post_build.
 */
function codebuildScript(): string {
  const commands = (phase: string) => buildspec.phases[phase]?.commands ?? [];
  return [
    'export CODEBUILD_BUILD_SUCCEEDING=1',
    ...commands('pre_build').map(
      (command) => `{ ${command}\n} || { echo "CODEBUILD - pre_build failed" >&2; exit 1; }`,
    ),
    ...commands('build').map(
      (command) =>
        `if [[ "$CODEBUILD_BUILD_SUCCEEDING" == 1 ]]; then { ${command}\n} || { echo "CODEBUILD - build failed" >&2; CODEBUILD_BUILD_SUCCEEDING=0; }; fi`,
    ),
    ...commands('post_build').map(
      (command) => `{ ${command}\n} || { echo "CODEBUILD - post_build failed" >&2; exit 1; }`,
    ),
    `for name in ${buildspec.env['exported-variables'].join(' ')}; do printf 'EXPORT %s=%s\\n' "$name" "\${!name-}"; done`,
    '[[ "$CODEBUILD_BUILD_SUCCEEDING" == 1 ]]',
  ].join('\n');
}

interface Options {
  readonly scenario: 'converges' | 'later' | 'stale';
  readonly spec?: unknown;
  readonly missingApps?: readonly string[];
  readonly overrides?: Record<string, string>;
  /** Secrets Manager secrets that exist before the run (id -> value). */
  readonly secrets?: Record<string, string>;
}

/** The cluster's hook token as the API will derive it: hex HMAC-SHA256(key, "<org>/<env>"). */
const clusterToken = (key: string) => createHmac('sha256', key).update('acme/prod').digest('hex');

interface Run {
  readonly status: number | null;
  readonly output: string;
  readonly stderr: string;
  readonly exports: Record<string, string>;
  readonly calls: string[];
  /** Every manifest `kubectl apply -f -` read, parsed. */
  readonly applied: {
    kind: string;
    metadata: { name: string; namespace?: string };
    stringData?: Record<string, string>;
  }[];
  readonly appliedText: string;
  readonly stubEnvironments: string;
  readonly seconds: number;
  readonly bare: string;
  readonly baseRevision: string;
  readonly phaseDir: string;
}

function runPhase(name: string, options: Options): Run {
  const base = mkdtempSync(join(workdir, `${name}-`));
  const src = join(base, 'src');
  cpSync(join(REPO_ROOT, 'buildspecs'), join(src, 'buildspecs'), { recursive: true });
  cpSync(join(REPO_ROOT, 'gitops/kubernetes'), join(src, 'gitops/kubernetes'), { recursive: true });
  cpSync(dist, join(src, 'dist'), { recursive: true });
  const s3 = join(base, 's3');
  mkdirSync(join(s3, ARTIFACT_BUCKET, 'acme/prod/runs', RUN_ID), { recursive: true });
  writeFileSync(join(s3, ARTIFACT_BUCKET, OUTPUTS_KEY), JSON.stringify(TERRAFORM_OUTPUTS));
  const stubDir = join(base, 'stub');
  mkdirSync(join(stubDir, 'secrets'), { recursive: true });
  for (const [id, value] of Object.entries(options.secrets ?? {}))
    writeFileSync(join(stubDir, 'secrets', id.replaceAll('/', '_')), value);
  const remote = gitopsRemote(base);
  const phaseDir = join(base, 'phase');
  const secrets = Object.fromEntries(
    Object.entries(buildspec.env['secrets-manager']).map(([variable, reference]) => {
      const value = SECRET_VALUES[reference];
      if (value === undefined) throw new Error(`no test value for the secret ${reference} (${variable})`);
      return [variable, value];
    }),
  );
  const log = join(base, 'calls.log');
  const started = Date.now();
  const result = spawnSync('bash', ['-c', codebuildScript()], {
    cwd: src,
    encoding: 'utf8',
    env: {
      PATH: `${STUBS}:${process.env.PATH ?? ''}`,
      HOME: base,
      GIT_CONFIG_NOSYSTEM: '1',
      // Project variables (CDK), then the buildspec's, then the workflow's overrides, which win.
      SLIPWAY_STATE_BUCKET: 'slipway-state-123456789012',
      SLIPWAY_ARTIFACT_BUCKET: ARTIFACT_BUCKET,
      SLIPWAY_PHASE: 'argocd-bootstrap',
      SLIPWAY_ARGOCD_WEBHOOK_URL: 'https://api.example.com/v1/hooks/argocd',
      SLIPWAY_ALERTMANAGER_WEBHOOK_URL: 'https://api.example.com/v1/hooks/alertmanager',
      SLIPWAY_GITOPS_REPOSITORY: remote.url,
      SLIPWAY_SECRETS_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/stub',
      ...buildspec.env.variables,
      ...secrets,
      CODEBUILD_SRC_DIR: src,
      ARGOCD_PHASE_DIR: phaseDir,
      SLIPWAY_ORGANIZATION: 'acme',
      SLIPWAY_ENVIRONMENT: 'prod',
      SLIPWAY_RUN_ID: RUN_ID,
      SLIPWAY_COMMIT: '',
      SLIPWAY_TRIGGER: 'api',
      SLIPWAY_SPEC: JSON.stringify(options.spec ?? spec()),
      SLIPWAY_PREVIOUS_OUTPUTS: JSON.stringify({
        TF_OUTPUTS_S3_KEY: OUTPUTS_KEY,
        KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig',
        NODES_READY: '6/6',
        CILIUM_STATUS: 'OK',
      }),
      SLIPWAY_KUBECONFIG: KUBECONFIG,
      ARGOCD_READYZ_DELAY: '1',
      ...options.overrides,
      STUB_LOG: log,
      STUB_DIR: stubDir,
      STUB_S3: s3,
      REAL_KUBECTL: realKubectl,
      STUB_ARGOCD_SCENARIO: options.scenario,
      STUB_BASE_REVISION: remote.baseRevision,
      STUB_MISSING_APPS: (options.missingApps ?? []).join(' '),
    },
    timeout: 120_000,
  });
  const seconds = (Date.now() - started) / 1000;
  const appliedDir = join(stubDir, 'applied');
  const appliedFiles = existsSync(appliedDir)
    ? readdirSync(appliedDir)
        .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
        .map((file) => readFileSync(join(appliedDir, file), 'utf8'))
    : [];
  return {
    status: result.status,
    output: `${result.stdout}${result.stderr}`,
    stderr: result.stderr,
    exports: Object.fromEntries(
      [...result.stdout.matchAll(/^EXPORT (\w+)=(.*)$/gm)].map(([, key = '', value = '']) => [key, value]),
    ),
    calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [],
    applied: appliedFiles.map((text) => JSON.parse(text)),
    appliedText: appliedFiles.join('\n'),
    stubEnvironments: existsSync(join(stubDir, 'env.log'))
      ? readFileSync(join(stubDir, 'env.log'), 'utf8')
      : '',
    seconds,
    bare: remote.bare,
    baseRevision: remote.baseRevision,
    phaseDir,
  };
}

/** A push-started run's commit of the environment's own repository (spec.gitops), and the one before it. */
const PUSHED_COMMIT = createHmac('sha256', 'pushed').update(RUN_ID).digest('hex').slice(0, 40);
const EARLIER_COMMIT = createHmac('sha256', 'earlier').update(RUN_ID).digest('hex').slice(0, 40);
const TENANT_APPS = ['acme-prod-payments', 'acme-prod-ledger'];
/**
 * An API server that fails its first two /readyz calls. ARGOCD_READYZ_DELAY takes fractions (the
 * pause is a timed `read`): 0.4 s here, not 5 s.
 */
const READYZ_LATE = { ARGOCD_READYZ_DELAY: '0.4', STUB_READYZ_FAILURES: '2' } as const;

const head = (run: Run) => git(['--git-dir', run.bare, 'rev-parse', BRANCH]);
const filesAt = (run: Run, revision: string, path: string) =>
  git(['--git-dir', run.bare, 'ls-tree', '-r', '--name-only', revision, '--', path])
    .split('\n')
    .filter(Boolean);
const kubectlApplies = (run: Run) => run.calls.filter((call) => /^kubectl .* apply /.test(call));

describe('buildspecs/argocd-bootstrap.yml', () => {
  it('reads the push credential and the read-only credential Argo CD gets from two different secrets', () => {
    expect(buildspec.env['secrets-manager']).toMatchObject({
      SLIPWAY_GITOPS_USERNAME: 'slipway/gitops-credentials:username',
      SLIPWAY_GITOPS_PASSWORD: 'slipway/gitops-credentials:password',
      SLIPWAY_GITOPS_READ_USERNAME: 'slipway/gitops-read-credentials:username',
      SLIPWAY_GITOPS_READ_PASSWORD: 'slipway/gitops-read-credentials:password',
    });
    expect(buildspec.env['exported-variables']).toEqual([...PHASE_EXPORTS['argocd-bootstrap']]);
  });

  describe('when Argo CD converges at the pushed commit', () => {
    let run: Run;
    beforeAll(() => {
      // A push-started run: the tenant Applications sit at the commit before the push until refreshed.
      // Its API server also answers /readyz only on the third attempt (one run for both claims).
      run = runPhase('converges', {
        scenario: 'converges',
        overrides: {
          SLIPWAY_COMMIT: PUSHED_COMMIT.toUpperCase(),
          SLIPWAY_TRIGGER: 'git-push',
          STUB_TENANT_REVISION: EARLIER_COMMIT,
          STUB_TENANT_HEAD: PUSHED_COMMIT,
          ...READYZ_LATE,
        },
      });
    });

    it('retries /readyz with a bounded delay between attempts until the API server answers', () => {
      expect(run.status, run.output).toBe(0);
      expect(run.output).toMatch(/^INFO - API server ready through the SSM tunnel \(attempt 3\)$/m);
      expect(run.output.match(/next attempt in 0\.4s$/gm)).toHaveLength(2);
      expect(run.calls.filter((call) => call.includes('get --raw /readyz'))).toHaveLength(3);
      expect(run.seconds).toBeGreaterThanOrEqual(0.8);
    });

    it("refreshes each Application of the environment's repository, waits for it at the pushed commit, and records the sync", () => {
      expect(run.status, run.output).toBe(0);
      for (const app of TENANT_APPS) {
        const refresh = run.calls.findIndex((call) =>
          new RegExp(`annotate application ${app} --overwrite argocd\\.argoproj\\.io/refresh=normal$`).test(
            call,
          ),
        );
        const revisionWait = run.calls.findIndex(
          (call) =>
            call.includes(`wait application/${app} --timeout`) &&
            call.endsWith(`--for jsonpath={.status.sync.revision}=${PUSHED_COMMIT}`),
        );
        const syncedWait = run.calls.findIndex((call) =>
          new RegExp(`wait application/${app} .*sync\\.status}=Synced`).test(call),
        );
        expect(refresh, app).toBeGreaterThanOrEqual(0);
        expect(revisionWait, app).toBeGreaterThan(refresh);
        expect(syncedWait, app).toBeGreaterThan(revisionWait);
        expect(run.output).toContain(`INFO - ${app}: at the pushed commit ${PUSHED_COMMIT}`);
      }
      // The platform add-ons come from the Slipway repository, not the pushed one.
      for (const app of ['kube-prometheus-stack', 'aws-ebs-csi-driver', 'external-secrets'])
        expect(run.calls.some((call) => call.includes(`annotate application ${app} `))).toBe(false);
      expect(run.exports).toMatchObject({
        GITOPS_COMMIT: PUSHED_COMMIT,
        GITOPS_SYNC_RESULT: 'Synced',
        GITOPS_SYNCED_REVISION: PUSHED_COMMIT,
      });
    });

    it('succeeds and commits the rendered bundle under slipway-managed/acme/prod/, exporting that commit', () => {
      expect(run.status, run.output).toBe(0);
      const revision = head(run);
      expect(revision).not.toBe(run.baseRevision);
      expect(run.exports.TENANT_MANIFESTS_REVISION).toBe(revision);
      expect(git(['--git-dir', run.bare, 'log', '-1', '--format=%s', revision])).toBe(
        `slipway: acme/prod run ${RUN_ID}`,
      );
      const files = filesAt(run, revision, 'slipway-managed/acme/prod');
      expect(files).toEqual(
        expect.arrayContaining([
          'slipway-managed/acme/prod/kustomization.yaml',
          'slipway-managed/acme/prod/platform/monitoring.yaml',
          'slipway-managed/acme/prod/tenants/kustomization.yaml',
          'slipway-managed/acme/prod/tenants/argocd-acme.yaml',
          'slipway-managed/acme/prod/tenants/namespace-acme-prod-payments.yaml',
          'slipway-managed/acme/prod/tenants/namespace-acme-prod-ledger.yaml',
        ]),
      );
      // Only the bundle changed: nothing else in the repository, and the expected list is not in it.
      expect(
        git(['--git-dir', run.bare, 'diff', '--name-only', run.baseRevision, revision]).split('\n'),
      ).toEqual(files);
      expect(files.some((file) => file.endsWith('expected-applications.json'))).toBe(false);
      const namespace = git([
        '--git-dir',
        run.bare,
        'show',
        `${revision}:slipway-managed/acme/prod/tenants/namespace-acme-prod-ledger.yaml`,
      ]);
      expect(namespace).toContain('pod-security.kubernetes.io/enforce: restricted');
    });

    it('applies nothing of the bundle: only Argo CD, its bootstrap Application and the secrets it needs', () => {
      const targets = kubectlApplies(run).map((call) => {
        const kustomization = / -k (\S+)/.exec(call)?.[1];
        return kustomization
          ? kustomization.replace(run.phaseDir, '<phase>')
          : / -f -$/.test(call)
            ? 'stdin'
            : call;
      });
      expect(targets).toEqual([
        '<phase>/kubernetes/argocd/install',
        'stdin',
        'stdin',
        'stdin',
        'stdin',
        'stdin',
        '<phase>/kubernetes/argocd/bootstrap',
      ]);
      // The install and the Secrets have different field managers: a re-run of the install (whose
      // upstream manifest carries an empty argocd-notifications-secret) cannot strip the token.
      const managers = kubectlApplies(run).map((call) => / --field-manager (\S+)/.exec(call)?.[1]);
      expect(managers).toEqual([
        'slipway-argocd-install',
        ...Array(5).fill('slipway-bootstrap-secrets'),
        'slipway-bootstrap',
      ]);
      expect(
        run.applied.map(
          (object) => `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`,
        ),
      ).toEqual([
        'Secret argocd/argocd-notifications-secret',
        'Namespace /monitoring',
        'Secret monitoring/slipway-alertmanager',
        'Secret argocd/slipway-gitops-repository',
        'Secret argocd/cluster-acme-prod',
      ]);
      expect(kubectlApplies(run).some((call) => call.includes('/bundle'))).toBe(false);
      // The bundle was built (kubectl kustomize, offline) in pre_build - and only built.
      expect(run.calls.some((call) => call.endsWith(`kustomize ${run.phaseDir}/bundle`))).toBe(true);
    });

    it('gives Argo CD the read-only credential; the push credential reaches no stub, no cluster object and no log', () => {
      const repository = run.applied.find((object) => object.metadata.name === 'slipway-gitops-repository');
      expect(repository?.stringData).toMatchObject({
        type: 'git',
        username: 'slipway-reader',
        password: READ_TOKEN,
      });
      expect(run.stubEnvironments).toContain('STUB_LOG=');
      for (const [where, text] of [
        ['stub arguments', run.calls.join('\n')],
        ['stub stdin (applied objects)', run.appliedText],
        ['stub environments', run.stubEnvironments],
        ['build output', run.output],
      ] as const) {
        expect(text.includes(PUSH_TOKEN), `push token in ${where}`).toBe(false);
      }
      expect(run.stubEnvironments).not.toMatch(/^SLIPWAY_GITOPS_(USERNAME|PASSWORD)=/m);
    });

    it("gives this cluster its own hook tokens, HMAC-SHA256 of acme/prod under each source's key, and never the keys", () => {
      const secret = (name: string) =>
        run.applied.find((object) => object.metadata.name === name)?.stringData;
      expect(secret('argocd-notifications-secret')).toEqual({
        'slipway-token': clusterToken(ARGOCD_HOOK_KEY),
      });
      expect(secret('slipway-alertmanager')).toEqual({ token: clusterToken(ALERTMANAGER_HOOK_KEY) });
      expect(clusterToken(ARGOCD_HOOK_KEY)).toMatch(/^[0-9a-f]{64}$/);
      for (const [where, text] of [
        ['stub arguments', run.calls.join('\n')],
        ['stub stdin (applied objects)', run.appliedText],
        ['stub environments', run.stubEnvironments],
        ['build output', run.output],
      ] as const) {
        for (const key of [ARGOCD_HOOK_KEY, ALERTMANAGER_HOOK_KEY])
          expect(text.includes(key), `hook key in ${where}`).toBe(false);
        if (where !== 'stub stdin (applied objects)')
          expect(text.includes(clusterToken(ARGOCD_HOOK_KEY)), `cluster token in ${where}`).toBe(false);
      }
    });

    it("points Argo CD and Alertmanager at this cluster's hooks and names the cluster in what they send", () => {
      const revision = head(run);
      const monitoring = parseYaml(
        git([
          '--git-dir',
          run.bare,
          'show',
          `${revision}:slipway-managed/acme/prod/platform/monitoring.yaml`,
        ]),
      ) as { spec: { source: { helm: { parameters: { name: string; value: string }[] } } } };
      expect(monitoring.spec.source.helm.parameters).toEqual([
        {
          name: 'slipway.alertmanagerWebhookUrl',
          value: 'https://api.example.com/v1/hooks/alertmanager/acme/prod',
          forceString: true,
        },
        { name: 'prometheus.prometheusSpec.externalLabels.organization', value: 'acme', forceString: true },
        { name: 'prometheus.prometheusSpec.externalLabels.environment', value: 'prod', forceString: true },
      ]);
      const built = execFileSync(
        realKubectl,
        ['kustomize', join(run.phaseDir, 'kubernetes/argocd/offline')],
        {
          encoding: 'utf8',
        },
      );
      const notifications = built
        .split(/^---$/m)
        .map(
          (document) => parseYaml(document) as { metadata: { name: string }; data: Record<string, string> },
        )
        .find((object) => object.metadata.name === 'argocd-notifications-cm');
      expect(parseYaml(notifications?.data['service.webhook.slipway'] ?? '')).toMatchObject({
        url: 'https://api.example.com/v1/hooks/argocd/acme/prod',
      });
      expect(parseYaml(notifications?.data.context ?? '')).toMatchObject({
        organization: 'acme',
        environment: 'prod',
      });
      expect(filesAt(run, revision, 'slipway-managed/acme/prod/platform')).toContain(
        'slipway-managed/acme/prod/platform/storage.yaml',
      );
    });

    it("commits External Secrets and one SecretStore per tenant namespace through the organization's role", () => {
      const revision = head(run);
      expect(filesAt(run, revision, 'slipway-managed/acme/prod/platform')).toContain(
        'slipway-managed/acme/prod/platform/secrets.yaml',
      );
      const stores = filesAt(run, revision, 'slipway-managed/acme/prod/tenants')
        .filter((file) => file.includes('/namespace-'))
        .flatMap((file) =>
          git(['--git-dir', run.bare, 'show', `${revision}:${file}`])
            .split(/^---$/m)
            .map(
              (document) =>
                parseYaml(document) as { kind?: string; metadata: { namespace: string }; spec: unknown },
            )
            .filter((object) => object?.kind === 'SecretStore'),
        );
      expect(stores.map((store) => store.metadata.namespace).sort()).toEqual([
        'acme-prod-ledger',
        'acme-prod-payments',
      ]);
      for (const store of stores)
        expect(store.spec).toMatchObject({
          provider: {
            aws: { role: TENANT_SECRETS_ROLE, prefix: 'slipway-tenants/acme/', region: 'eu-west-1' },
          },
        });
    });

    it('tags every EBS volume with the cluster (k8sTagClusterId) and gives the driver the region from the Terraform outputs', () => {
      const storage = git([
        '--git-dir',
        run.bare,
        'show',
        `${head(run)}:slipway-managed/acme/prod/platform/storage.yaml`,
      ])
        .split(/^---$/m)
        .map((document) => parseYaml(document) as { kind?: string; spec?: unknown })
        .find((object) => object?.kind === 'Application') as {
        spec: { source: { helm: { parameters: { name: string; value: string }[] } } };
      };
      // The node role may only touch volumes tagged kubernetes.io/cluster/<cluster name> = owned,
      // which the driver writes from --k8s-tag-cluster-id: the two must name the same cluster.
      expect(storage.spec.source.helm.parameters).toEqual([
        { name: 'controller.k8sTagClusterId', value: 'acme-prod', forceString: true },
        { name: 'controller.region', value: 'eu-west-1', forceString: true },
      ]);
    });

    it("ships logs to the environment's groups from the Terraform outputs, and the tenant namespaces' events to its workloads group", () => {
      const logging = git([
        '--git-dir',
        run.bare,
        'show',
        `${head(run)}:slipway-managed/acme/prod/platform/logging.yaml`,
      ])
        .split(/^---$/m)
        .map(
          (document) => parseYaml(document) as { kind?: string; metadata?: { name: string }; spec?: unknown },
        )
        .filter((object) => object?.kind === 'Application') as {
        metadata: { name: string };
        spec: { source: { helm: { valuesObject: { env: { name: string; value: string }[] } } } };
      }[];
      const env = Object.fromEntries(
        logging.map((app) => [
          app.metadata.name,
          Object.fromEntries(app.spec.source.helm.valuesObject.env.map((entry) => [entry.name, entry.value])),
        ]),
      );
      expect(env).toEqual({
        'fluent-bit': {
          SLIPWAY_REGION: 'eu-west-1',
          SLIPWAY_PLATFORM_LOG_GROUP: '/slipway/acme/prod/platform',
          SLIPWAY_CREATE_TENANT_GROUPS: 'false',
          SLIPWAY_LOG_RETENTION_DAYS: '90',
        },
        'fluent-bit-events': {
          SLIPWAY_REGION: 'eu-west-1',
          SLIPWAY_WORKLOADS_LOG_GROUP: '/slipway/acme/prod/workloads',
          SLIPWAY_PLATFORM_LOG_GROUP: '/slipway/acme/prod/platform',
          SLIPWAY_TENANT_EVENT_NAMESPACES: '^(acme-prod-payments|acme-prod-ledger)$',
        },
      });
      expect(
        git(['--git-dir', run.bare, 'show', `${head(run)}:slipway-managed/acme/prod/kustomization.yaml`]),
      ).toContain('  - platform/logging.yaml');
    });

    it('reads the tenant repository as public when slipway/acme/gitops-read-credentials does not exist', () => {
      expect(run.calls).toContainEqual(
        expect.stringMatching(
          /^aws secretsmanager get-secret-value --secret-id slipway\/acme\/gitops-read-credentials /,
        ),
      );
      expect(run.output).toMatch(/^INFO - no slipway\/acme\/gitops-read-credentials: .* public repository$/m);
      expect(run.applied.some((object) => object.metadata.name === 'tenant-repository-acme')).toBe(false);
    });

    it('opens the SSM session only after pre_build, and closes it at the end', () => {
      const session = run.calls.findIndex((call) => call.startsWith('aws ssm start-session'));
      const download = run.calls.findIndex((call) => call.startsWith('aws s3 cp'));
      expect(download).toBeGreaterThanOrEqual(0);
      expect(session).toBeGreaterThan(download);
      expect(run.calls[session]).toContain('--document-name AWS-StartPortForwardingSessionToRemoteHost');
      expect(run.calls[session]).toContain(`host=${API_HOST},portNumber=6443,localPortNumber=16443`);
      expect(run.output).toMatch(/^INFO - SSM session closed/m);
    });

    it('waits for slipway-managed, then for each Application the spec implies, and exports Synced and Healthy', () => {
      const waits = run.calls
        .filter((call) => / wait application\//.test(call))
        .map((call) => call.replace(/^.* wait /, ''));
      const created = waits.filter((call) => call.includes('--for=create')).map((call) => call.split(' ')[0]);
      expect(created).toEqual([
        'application/kube-prometheus-stack',
        'application/aws-ebs-csi-driver',
        'application/external-secrets',
        'application/fluent-bit',
        'application/fluent-bit-events',
        'application/acme-prod-payments',
        'application/acme-prod-ledger',
      ]);
      for (const app of ['acme-prod-payments', 'acme-prod-ledger']) {
        expect(waits).toContainEqual(
          expect.stringMatching(new RegExp(`^application/${app} .*sync\\.status}=Synced`)),
        );
        expect(waits).toContainEqual(
          expect.stringMatching(new RegExp(`^application/${app} .*health\\.status}=Healthy`)),
        );
      }
      expect(run.calls.some((call) => call.includes('get applications -l'))).toBe(false);
      // A dedicated environment's certificates and records are its Terraform's: none here.
      expect(run.calls.filter((call) => /^aws (acm|route53|elbv2) /.test(call))).toEqual([]);
      expect(run.exports).toMatchObject({ ARGOCD_SYNC_STATUS: 'Synced', ARGOCD_HEALTH_STATUS: 'Healthy' });
      expect(run.output).toMatch(
        new RegExp(`^INFO - slipway-managed: Synced at ${head(run)}, which includes ${head(run)}$`, 'm'),
      );
    });
  });

  it('accepts slipway-managed Synced at a later commit of another environment that includes ours', () => {
    const run = runPhase('later', {
      scenario: 'later',
      overrides: { ARGOCD_SYNC_TIMEOUT: '30', ARGOCD_WAIT_SLICE: '1' },
    });
    expect(run.status, run.output).toBe(0);
    const ours = run.exports.TENANT_MANIFESTS_REVISION ?? '';
    const theirs = head(run);
    expect(theirs).not.toBe(ours);
    expect(git(['--git-dir', run.bare, 'rev-parse', `${theirs}^`])).toBe(ours);
    expect(filesAt(run, theirs, 'slipway-managed/globex/dev')).toEqual([
      'slipway-managed/globex/dev/kustomization.yaml',
    ]);
    expect(run.output).toMatch(
      new RegExp(`^INFO - slipway-managed: Synced at ${theirs}, which includes ${ours}$`, 'm'),
    );
    expect(run.exports).toMatchObject({ ARGOCD_SYNC_STATUS: 'Synced', ARGOCD_HEALTH_STATUS: 'Healthy' });
    // No SLIPWAY_COMMIT (an API run): no refresh of the tenant Applications, no revision wait.
    expect(run.calls.some((call) => / annotate application acme-prod-/.test(call))).toBe(false);
    expect(run.calls.some((call) => /sync\.revision}=/.test(call) && !call.includes('slipway-managed'))).toBe(
      false,
    );
    expect(run.exports).toMatchObject({
      GITOPS_COMMIT: '',
      GITOPS_SYNC_RESULT: '',
      GITOPS_SYNCED_REVISION: '',
    });
  });

  it('fails after ARGOCD_SYNC_TIMEOUT when slipway-managed never syncs a revision that includes ours, still reporting and closing the tunnel', () => {
    const run = runPhase('stale', {
      scenario: 'stale',
      overrides: { ARGOCD_SYNC_TIMEOUT: '4', ARGOCD_WAIT_SLICE: '2' },
    });
    expect(run.status).not.toBe(0);
    const ours = run.exports.TENANT_MANIFESTS_REVISION ?? '';
    expect(ours).toBe(head(run));
    expect(run.stderr).toMatch(
      new RegExp(
        `^ERROR - ARGOCD_SYNC_TIMEOUT \\(4s\\) ran out waiting for slipway-managed to sync a revision that includes ${ours} \\(it is Synced at ${run.baseRevision}\\)$`,
        'm',
      ),
    );
    // Bounded: each pass blocked in one kubectl wait of at most ARGOCD_WAIT_SLICE seconds.
    const passes = run.calls.filter((call) => call.includes('wait application/slipway-managed'));
    expect(passes.length).toBeGreaterThanOrEqual(2);
    expect(passes.length).toBeLessThanOrEqual(3);
    expect(passes.every((call) => /--timeout [12]s/.test(call))).toBe(true);
    expect(run.seconds).toBeGreaterThanOrEqual(4);
    expect(run.seconds).toBeLessThan(60);
    expect(run.calls.some((call) => call.includes('--for=create'))).toBe(false);
    expect(run.exports.ARGOCD_SYNC_STATUS).toBe('Synced');
    expect(run.output).toMatch(
      new RegExp(`^INFO - slipway-managed: sync Synced at ${run.baseRevision}, health Healthy$`, 'm'),
    );
    expect(run.output).toMatch(/^INFO - SSM session closed/m);
  });

  it('fails naming the Application and the directory it needs when the ApplicationSet never generates it', () => {
    const run = runPhase('missing-app', {
      scenario: 'converges',
      missingApps: ['acme-prod-ledger'],
      // Room for the waits before it (slipway-managed, three platform add-ons, payments) on a busy
      // machine; the missing one then uses up the rest.
      overrides: { ARGOCD_SYNC_TIMEOUT: '10' },
    });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/^INFO - acme-prod-payments: Synced and Healthy$/m);
    expect(run.stderr).toMatch(
      /^ERROR - Application acme-prod-ledger was not created within 10s; it comes from the ApplicationSet acme-prod, once https:\/\/github\.com\/acme\/platform-gitops\.git has tenants\/acme\/prod\/ledger\/overlays\/prod on main$/m,
    );
    expect(run.exports.ARGOCD_SYNC_STATUS).toBe('Synced');
  });

  it('fails in pre_build on a bad spec, before any SSM session, kubectl apply or push', () => {
    const bad = spec();
    bad.network.podCidr = '10.20.0.0/16';
    const run = runPhase('bad-spec', { scenario: 'converges', spec: bad });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^ERROR - network\.podCidr: /m);
    expect(run.stderr).toMatch(/^CODEBUILD - pre_build failed$/m);
    expect(run.calls.some((call) => call.startsWith('aws s3 cp'))).toBe(true);
    expect(run.calls.some((call) => call.startsWith('aws ssm start-session'))).toBe(false);
    expect(run.calls.some((call) => call.startsWith('session-manager-plugin'))).toBe(false);
    expect(kubectlApplies(run)).toEqual([]);
    expect(head(run)).toBe(run.baseRevision);
  });

  describe('with a private tenant repository, a superseded short commit and single sign-on', () => {
    const tenantToken = `tenant-read-${randomBytes(8).toString('hex')}`;
    const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example';
    let run: Run;
    beforeAll(() => {
      run = runPhase('private-repo', {
        scenario: 'converges',
        // A short commit id, deployed and since superseded by a later push (in the history); and
        // the OIDC issuer kube-apiserver trusts (one run for the three claims).
        overrides: {
          SLIPWAY_COMMIT: EARLIER_COMMIT.slice(0, 7),
          STUB_TENANT_REVISION: PUSHED_COMMIT,
          STUB_TENANT_HISTORY: `${EARLIER_COMMIT} ${PUSHED_COMMIT}`,
          SLIPWAY_OIDC_ISSUER_URL: issuer,
          SLIPWAY_OIDC_CLIENT_ID: 'argocd-client',
        },
        secrets: {
          'slipway/acme/gitops-read-credentials': JSON.stringify({
            username: 'acme-reader',
            password: tenantToken,
          }),
        },
      });
    });

    it("gives Argo CD the organization's read credential for its private repository, scoped to its AppProject", () => {
      expect(run.status, run.output).toBe(0);
      const repository = run.applied.find((object) => object.metadata.name === 'tenant-repository-acme') as
        | { metadata: { labels: Record<string, string> }; stringData: Record<string, string> }
        | undefined;
      expect(repository?.metadata.labels).toMatchObject({ 'argocd.argoproj.io/secret-type': 'repository' });
      expect(repository?.stringData).toEqual({
        type: 'git',
        url: 'https://github.com/acme/platform-gitops.git',
        project: 'acme',
        username: 'acme-reader',
        password: tenantToken,
      });
      expect(run.output.includes(tenantToken)).toBe(false);
      expect(run.calls.join('\n').includes(tenantToken)).toBe(false);
      expect(existsSync(join(run.phaseDir, 'tenant-repository-credentials.json'))).toBe(false);
      expect(run.exports).toMatchObject({
        GITOPS_COMMIT: EARLIER_COMMIT.slice(0, 7),
        GITOPS_SYNC_RESULT: 'Superseded',
        GITOPS_SYNCED_REVISION: PUSHED_COMMIT,
      });
      expect(run.output).toContain(
        `INFO - acme-prod-ledger: deployed ${EARLIER_COMMIT.slice(0, 7)}, since superseded by ${PUSHED_COMMIT}`,
      );
    });

    it('configures Argo CD single sign-on from the OIDC issuer kube-apiserver trusts', () => {
      expect(run.status, run.output).toBe(0);
      const built = execFileSync(
        realKubectl,
        ['kustomize', join(run.phaseDir, 'kubernetes/argocd/offline')],
        {
          encoding: 'utf8',
        },
      );
      const configMaps = built
        .split(/^---$/m)
        .map(
          (document) => parseYaml(document) as { metadata: { name: string }; data?: Record<string, string> },
        );
      const cm = configMaps.find((object) => object.metadata.name === 'argocd-cm')?.data ?? {};
      expect(parseYaml(cm['oidc.config'] ?? '')).toEqual({
        name: 'Slipway',
        issuer,
        clientID: 'argocd-client',
        enablePKCEAuthentication: true,
        requestedScopes: ['openid', 'profile', 'email'],
      });
      expect(cm.url).toBe('https://localhost:8080');
      expect(configMaps.find((object) => object.metadata.name === 'argocd-rbac-cm')?.data?.scopes).toBe(
        '[cognito:groups]',
      );
    });
  });

  it('refuses a SLIPWAY_COMMIT that is not a 7-40 hex commit id in pre_build, before any session or command uses it', () => {
    for (const commit of ['main; touch /tmp/x', 'abc12', 'g'.repeat(40), 'a'.repeat(41)]) {
      const result = spawnSync('bash', ['-c', 'source buildspecs/scripts/argocd/lib.sh; pushed_commit'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', SLIPWAY_COMMIT: commit },
      });
      expect(result.status, commit).not.toBe(0);
      expect(result.stdout, commit).toBe('');
      expect(result.stderr).toMatch(
        /^ERROR - SLIPWAY_COMMIT must be a commit id of 7 to 40 hex characters, not /m,
      );
    }
    // Through the buildspec: pre_build fails before the tunnel, any kubectl apply or push.
    const run = runPhase('bad-commit', { scenario: 'converges', overrides: { SLIPWAY_COMMIT: '$(id)' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /^ERROR - SLIPWAY_COMMIT must be a commit id of 7 to 40 hex characters, not '\$\(id\)'$/m,
    );
    expect(run.stderr).toMatch(/^CODEBUILD - pre_build failed$/m);
    expect(run.calls.some((call) => call.startsWith('aws ssm start-session'))).toBe(false);
    expect(run.calls.some((call) => call.includes('annotate'))).toBe(false);
    expect(head(run)).toBe(run.baseRevision);
  });

  it('refuses a tenant credential secret that is not {username, password}, naming the secret', () => {
    const run = runPhase('bad-tenant-secret', {
      scenario: 'converges',
      secrets: { 'slipway/acme/gitops-read-credentials': 'ghp_just-a-token' },
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /^ERROR - slipway\/acme\/gitops-read-credentials must hold \{"username": \.\.\., "password": \.\.\.\}$/m,
    );
    expect(run.stderr.includes('ghp_just-a-token')).toBe(false);
    expect(head(run)).toBe(run.baseRevision);
  });

  it('keeps the production waits the tests shorten: 6 /readyz attempts 5 s apart, 30 s wait slices, 900 s in all', () => {
    const script = (name: string) => readFileSync(join(REPO_ROOT, 'buildspecs/scripts/argocd', name), 'utf8');
    /** The default of a `NAME="$` + `{VARIABLE:-default}"` line. */
    const defaultOf = (text: string, variable: string) =>
      new RegExp(`="\\$\\{${variable}:-([^}]*)\\}"$`, 'm').exec(text)?.[1];
    expect(defaultOf(script('tunnel.sh'), 'ARGOCD_READYZ_ATTEMPTS')).toBe('6');
    expect(defaultOf(script('tunnel.sh'), 'ARGOCD_READYZ_DELAY')).toBe('5');
    expect(defaultOf(script('bootstrap.sh'), 'ARGOCD_WAIT_SLICE')).toBe('30');
    expect(defaultOf(script('bootstrap.sh'), 'ARGOCD_SYNC_TIMEOUT')).toBe('900');
    expect(buildspec.env.variables).toMatchObject({ ARGOCD_SYNC_TIMEOUT: '900', ARGOCD_WAIT_SLICE: '30' });
    expect(buildspec.env.variables).not.toHaveProperty('ARGOCD_READYZ_DELAY');
  });

  it('gives up on /readyz after the last attempt, applying nothing', () => {
    // The retries that end in an answer: the converging run above (READYZ_LATE).
    const never = runPhase('readyz-never', {
      scenario: 'converges',
      overrides: {
        ARGOCD_READYZ_DELAY: READYZ_LATE.ARGOCD_READYZ_DELAY,
        STUB_READYZ_FAILURES: '100',
        ARGOCD_READYZ_ATTEMPTS: '3',
      },
    });
    expect(never.status).not.toBe(0);
    expect(never.calls.filter((call) => call.includes('get --raw /readyz'))).toHaveLength(3);
    expect(never.stderr).toMatch(
      /^ERROR - the API server did not answer \/readyz through the tunnel after 3 attempts$/m,
    );
    expect(kubectlApplies(never)).toEqual([]);
  });

  it('refuses an OIDC issuer that is not https in pre_build', () => {
    const bad = runPhase('oidc-bad', {
      scenario: 'converges',
      overrides: {
        SLIPWAY_OIDC_ISSUER_URL: 'http://issuer.example.com',
        SLIPWAY_OIDC_CLIENT_ID: 'argocd-client',
      },
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/^ERROR - SLIPWAY_OIDC_ISSUER_URL must be an https:\/\/ issuer URL/m);
    expect(bad.stderr).toMatch(/^CODEBUILD - pre_build failed$/m);
  });

  it('refuses a read credential equal to the push credential, before any SSM session', () => {
    const run = runPhase('same-credential', {
      scenario: 'converges',
      overrides: { SLIPWAY_GITOPS_READ_PASSWORD: PUSH_TOKEN },
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /^ERROR - slipway\/gitops-read-credentials holds the push token of slipway\/gitops-credentials/m,
    );
    expect(run.calls.some((call) => call.startsWith('aws ssm start-session'))).toBe(false);
    expect(kubectlApplies(run)).toEqual([]);
    expect(head(run)).toBe(run.baseRevision);
  });

  describe("a shared cluster's tenant with ingress: its organization's certificate and alias (tenant-ingress.sh)", () => {
    const LISTENER =
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/ing-0123/0123456789abcdef/fedcba9876543210';
    const LB_DNS = 'ing-0123-0123456789abcdef.elb.eu-west-1.amazonaws.com';
    const ingress = { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };
    const tenantSpec = { ...validSpec('prod'), sharedCluster: 'shared-eu', ingress };
    const clusterOutputs = {
      region: { value: 'eu-west-1', type: 'string', sensitive: false },
      ingress_dns_name: { value: LB_DNS, type: 'string', sensitive: false },
      ingress_zone_id: { value: 'Z215JYRZR1TBD5', type: 'string', sensitive: false },
      ingress_tls_listener_arn: { value: LISTENER, type: 'string', sensitive: false },
    };

    /** The build's step alone (real bash, jq and the phase's scripts, the aws stub): seconds, not a whole phase. */
    function runStep(
      name: string,
      state: string,
      env: Record<string, string> = {},
      specValue: unknown = tenantSpec,
    ) {
      const base = mkdtempSync(join(workdir, `${name}-`));
      const phaseDir = join(base, 'phase');
      mkdirSync(phaseDir, { recursive: true });
      writeFileSync(join(phaseDir, 'terraform-outputs.json'), JSON.stringify(clusterOutputs));
      const log = join(base, 'calls.log');
      const result = spawnSync('bash', [join(REPO_ROOT, 'buildspecs/scripts/argocd/tenant-ingress.sh')], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: {
          PATH: `${STUBS}:${process.env.PATH ?? ''}`,
          HOME: base,
          ARGOCD_PHASE_DIR: phaseDir,
          SLIPWAY_ORGANIZATION: 'acme',
          SLIPWAY_ENVIRONMENT: 'prod',
          SLIPWAY_SPEC: JSON.stringify(specValue),
          ARGOCD_CERTIFICATE_TIMEOUT: '3',
          ARGOCD_CERTIFICATE_POLL_SECONDS: '0',
          STUB_LOG: log,
          STUB_DIR: base,
          STUB_INGRESS_DIR: state,
          ...env,
        },
        timeout: 30_000,
      });
      return {
        status: result.status,
        output: `${result.stdout}${result.stderr}`,
        calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [],
        changes: existsSync(join(state, 'changes.log'))
          ? readFileSync(join(state, 'changes.log'), 'utf8')
              .trim()
              .split('\n')
              .map((line) => JSON.parse(line))
          : [],
      };
    }

    it('requests, validates, attaches and aliases *.acme.apps.example.com once; a second run requests nothing new', () => {
      const state = mkdtempSync(join(workdir, 'ingress-state-'));
      const first = runStep('ingress-first', state);
      expect(first.status, first.output).toBe(0);
      const requests = first.calls.filter((call) => call.startsWith('aws acm request-certificate'));
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatch(
        /--domain-name \*\.acme\.apps\.example\.com --validation-method DNS --idempotency-token [0-9a-f]{32} --tags Key=managed-by,Value=slipway Key=slipway-cluster,Value=shared-eu Key=slipway-org,Value=acme /,
      );
      const certificate = /INFO - requested ACM certificate (\S+) /.exec(first.output)?.[1] ?? '';
      expect(certificate).toMatch(/^arn:aws:acm:eu-west-1:123456789012:certificate\//);
      // The validation CNAME, then (ISSUED) the listener, then the alias to the load balancer.
      expect(first.changes.map((change) => change.Changes[0])).toEqual([
        {
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: '_validation.acme.apps.example.com.',
            Type: 'CNAME',
            TTL: 300,
            ResourceRecords: [{ Value: '_stub.acm-validations.aws.' }],
          },
        },
        {
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: '*.acme.apps.example.com',
            Type: 'A',
            AliasTarget: { HostedZoneId: 'Z215JYRZR1TBD5', DNSName: LB_DNS, EvaluateTargetHealth: true },
          },
        },
      ]);
      expect(first.calls).toContain(
        `aws elbv2 add-listener-certificates --region eu-west-1 --listener-arn ${LISTENER} --certificates CertificateArn=${certificate} --output json`,
      );
      expect(
        first.calls.every((call) => !/^aws route53 .*--hosted-zone-id (?!Z0123456789ABCDEFGHIJ )/.test(call)),
      ).toBe(true);
      expect(readFileSync(join(state, 'listener.txt'), 'utf8').trim()).toBe(certificate);

      const second = runStep('ingress-second', state);
      expect(second.status, second.output).toBe(0);
      expect(second.calls.some((call) => call.startsWith('aws acm request-certificate'))).toBe(false);
      expect(second.output).toContain(
        `INFO - reusing ACM certificate ${certificate} for *.acme.apps.example.com`,
      );
      expect(readFileSync(join(state, 'listener.txt'), 'utf8').trim()).toBe(certificate);
      expect(readdirSync(join(state, 'certs'))).toHaveLength(1);
    });

    it('fails naming the certificate when ACM never issues it within ARGOCD_CERTIFICATE_TIMEOUT, attaching and aliasing nothing', () => {
      const state = mkdtempSync(join(workdir, 'ingress-never-'));
      const run = runStep('ingress-never', state, { STUB_ACM_NEVER_VALIDATES: '1' });
      expect(run.status).not.toBe(0);
      expect(run.output).toMatch(
        /^ERROR - ACM certificate arn:aws:acm:eu-west-1:123456789012:certificate\/[0-9a-f-]{36} \(\*\.acme\.apps\.example\.com\) is not ISSUED after 3 checks \(ARGOCD_CERTIFICATE_TIMEOUT 3s\): its validation record _validation\.acme\.apps\.example\.com\. is in Z0123456789ABCDEFGHIJ$/m,
      );
      expect(run.calls.filter((call) => call.startsWith('aws acm describe-certificate'))).toHaveLength(3);
      expect(run.calls.some((call) => call.startsWith('aws elbv2'))).toBe(false);
      expect(run.changes.map((change) => change.Changes[0].ResourceRecordSet.Type)).toEqual(['CNAME']);
    });

    it("refuses a malformed organization or Terraform output before any aws call, and does nothing for a dedicated environment's spec with ingress", () => {
      const state = mkdtempSync(join(workdir, 'ingress-bad-'));
      const bad = runStep('ingress-bad-org', state, { SLIPWAY_ORGANIZATION: 'acme,Value=x Key=managed-by' });
      expect(bad.status).not.toBe(0);
      expect(bad.output).toMatch(/^ERROR - SLIPWAY_ORGANIZATION is not valid here: /m);
      expect(bad.calls).toEqual([]);
      const dedicated = runStep('ingress-dedicated', state, {}, { ...spec(), ingress });
      expect(dedicated.status, dedicated.output).toBe(0);
      expect(dedicated.calls).toEqual([]);
    });
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validSpec } from '../support/fixtures.js';
import { requireTool } from '../support/tools.js';
import { REPO_ROOT } from './repo-files.js';
import {
  codebuildScript,
  exportsOf,
  loadTeardownBuildspec,
  positionsOf,
  TEARDOWN_STUBS,
  type TeardownBuildspec,
  teardownOverrides,
} from './teardown-codebuild.js';
import { TEARDOWN_EXPORTS } from './teardown-exports.js';

/*
 * Runs buildspecs/teardown/argocd-bootstrap.yml the way CodeBuild does (pre_build, build and
 * post_build in one bash shell from the source root) against clearly labelled STUBS of aws, kubectl
 * and session-manager-plugin (test/buildspecs/stubs-teardown: no AWS account, no cluster here; the
 * kubectl stub models the Argo CD objects and the cascade of slipway-managed). What is real: the
 * buildspec, every teardown script and the provisioning phase's tunnel.sh, gitops.sh and lib.sh it
 * sources, jq, kubectl's `config` on the kubeconfig, and git against a bare repository on this
 * machine (file://) standing in for the Slipway GitOps repository. The install phase is not run.
 */

const RUN_ID = 'acme.prod.000009.9a8b7c6d';
const ARTIFACT_BUCKET = 'slipway-artifacts-123456789012';
const OUTPUTS_KEY = 'acme/prod/runs/acme.prod.000003.1a2b3c4d/terraform-outputs.json';
const API_HOST = 'internal-acme-prod-api-0123456789.elb.eu-west-1.amazonaws.com';
const BRANCH = 'main';
/** Fresh per test process, so a match can only come from this run. */
const PUSH_TOKEN = `push-token-${randomBytes(8).toString('hex')}`;
const KUBECONFIG_TOKEN = `kubeconfig-token-${randomBytes(8).toString('hex')}`;

const TERRAFORM_OUTPUTS = {
  cluster_name: { value: 'acme-prod', type: 'string', sensitive: false },
  api_endpoint: { value: `https://${API_HOST}:6443`, type: 'string', sensitive: false },
  control_plane_instance_ids: {
    value: ['i-0aaa', 'i-0bbb', 'i-0ccc'],
    type: ['list', 'string'],
    sensitive: false,
  },
  region: { value: 'eu-west-1', type: 'string', sensitive: false },
  // A shared cluster's ingress (read only by a tenant's teardown whose spec has ingress).
  ingress_dns_name: {
    value: 'ing-0123-0123456789abcdef.elb.eu-west-1.amazonaws.com',
    type: 'string',
    sensitive: false,
  },
  ingress_zone_id: { value: 'Z215JYRZR1TBD5', type: 'string', sensitive: false },
  ingress_tls_listener_arn: {
    value:
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/ing-0123/0123456789abcdef/fedcba9876543210',
    type: 'string',
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
    user: {token: ${KUBECONFIG_TOKEN}}
contexts:
  - name: acme-prod
    context: {cluster: acme-prod, user: admin}
current-context: acme-prod
`;

/** The outputs the workflow hands on from the provisioning phases that last succeeded. */
const PROVISIONED = {
  TF_OUTPUTS_S3_KEY: OUTPUTS_KEY,
  TF_STATE_BACKUP_S3_KEY: 'acme/prod/state-backups/acme.prod.000003.1a2b3c4d.tfstate',
  CLUSTER_NAME: 'acme-prod',
  API_ENDPOINT: API_HOST,
  KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig',
  NODES_READY: '6/6',
  CILIUM_STATUS: 'OK',
  ARGOCD_SYNC_STATUS: 'Synced',
  ARGOCD_HEALTH_STATUS: 'Healthy',
  TENANT_MANIFESTS_REVISION: '0123456789abcdef0123456789abcdef01234567',
};

const SLIPWAY = { 'app.kubernetes.io/managed-by': 'slipway' };
/** The Argo CD objects of a bootstrapped environment, as the kubectl stub keeps them. */
const CLUSTER_OBJECTS: Record<string, ClusterObject> = {
  'applications.argoproj.io/slipway-managed': { labels: SLIPWAY },
  'appprojects.argoproj.io/slipway-platform': { labels: SLIPWAY },
  'applications.argoproj.io/kube-prometheus-stack': { labels: SLIPWAY, parent: 'slipway-managed' },
  'appprojects.argoproj.io/acme': { labels: SLIPWAY, parent: 'slipway-managed' },
  'applicationsets.argoproj.io/acme-prod': { labels: SLIPWAY, parent: 'slipway-managed' },
  'applications.argoproj.io/acme-prod-payments': {
    labels: SLIPWAY,
    parent: 'applicationsets.argoproj.io/acme-prod',
  },
  'applications.argoproj.io/acme-prod-ledger': {
    labels: SLIPWAY,
    parent: 'applicationsets.argoproj.io/acme-prod',
  },
  // Not Slipway's: Argo CD's own default project and an Application someone made by hand.
  'appprojects.argoproj.io/default': { labels: {} },
  'applications.argoproj.io/hand-made': { labels: {} },
};

/** Secrets Manager before the teardown: the environment's three secrets and others that must stay. */
const SECRETS: Record<string, string> = {
  'slipway/acme/prod/kubeconfig': KUBECONFIG,
  'slipway/acme/prod/argocd-admin': '{"username":"admin","password":"admin-password-stub"}',
  'slipway/acme/prod/tenant-hooks': '{"token":"tenant-hook-stub"}',
  'slipway/acme/prod-eu/kubeconfig': 'other environment',
  'slipway/Acme/prod/kubeconfig': 'matched by the case-insensitive filter only',
  'slipway/webhooks': '{"argocd":"a","alertmanager":"b"}',
};

let workdir = '';
let realKubectl = '';
let buildspec: TeardownBuildspec;

beforeAll(() => {
  for (const tool of ['bash', 'jq', 'git', 'timeout']) requireTool(tool, `apt-get install ${tool}`);
  realKubectl = requireTool('kubectl', 'kubectl 1.32 is on the machine image');
  workdir = mkdtempSync(join(tmpdir(), 'slipway-teardown-argocd-'));
  buildspec = loadTeardownBuildspec('argocd-bootstrap');
});

afterAll(() => rmSync(workdir, { recursive: true, force: true }));

function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: workdir, GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();
}

/** What outlives one build: the GitOps repository, the cluster's objects, S3 and Secrets Manager. */
interface World {
  readonly base: string;
  readonly bare: string;
  readonly url: string;
  readonly baseRevision: string;
  readonly stubDir: string;
  readonly s3: string;
  readonly secrets: string;
}

interface WorldOptions {
  readonly published?: boolean;
  /** The cluster's Argo CD objects and namespaces (default: a dedicated environment's). */
  readonly objects?: Record<string, ClusterObject>;
  /** The GitOps repository's files beside README.md (default: slipway-managed/ of two environments). */
  readonly files?: Record<string, string>;
}

type ClusterObject = { labels: Record<string, string>; parent?: string };

function world(name: string, options: WorldOptions = {}): World {
  const base = mkdtempSync(join(workdir, `${name}-`));
  const bare = join(base, 'gitops.git');
  const seed = join(base, 'seed');
  git(['init', '--quiet', '--bare', '--initial-branch', BRANCH, bare]);
  git(['init', '--quiet', '--initial-branch', BRANCH, seed]);
  const files: Record<string, string> = {
    'README.md': '# Slipway GitOps repository\n',
    ...(options.files ?? {
      'slipway-managed/globex/dev/kustomization.yaml': '# globex/dev\n',
      ...(options.published === false
        ? {}
        : {
            'slipway-managed/acme/prod/kustomization.yaml': '# acme/prod\n',
            'slipway-managed/acme/prod/tenants/namespace-acme-prod-payments.yaml': 'kind: Namespace\n',
            'slipway-managed/acme/prod/platform/monitoring.yaml': 'kind: Application\n',
          }),
    }),
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, file)), { recursive: true });
    writeFileSync(join(seed, file), content);
  }
  git(['add', '--all'], seed);
  git(
    ['-c', 'user.name=seed', '-c', 'user.email=seed@example.invalid', 'commit', '--quiet', '-m', 'seed'],
    seed,
  );
  git(['push', '--quiet', `file://${bare}`, `HEAD:${BRANCH}`], seed);
  const stubDir = join(base, 'stub');
  for (const [object, value] of Object.entries(options.objects ?? CLUSTER_OBJECTS)) {
    mkdirSync(join(stubDir, 'cluster', dirname(object)), { recursive: true });
    writeFileSync(join(stubDir, 'cluster', object), JSON.stringify({ finalizers: [], ...value }));
  }
  const s3 = join(base, 's3');
  mkdirSync(join(s3, ARTIFACT_BUCKET, dirname(OUTPUTS_KEY)), { recursive: true });
  writeFileSync(join(s3, ARTIFACT_BUCKET, OUTPUTS_KEY), JSON.stringify(TERRAFORM_OUTPUTS));
  const secrets = join(base, 'secrets');
  for (const [id, value] of Object.entries(SECRETS)) {
    mkdirSync(dirname(join(secrets, id)), { recursive: true });
    writeFileSync(join(secrets, id), value);
  }
  return {
    base,
    bare,
    url: `file://${bare}`,
    baseRevision: git(['rev-parse', 'HEAD'], seed),
    stubDir,
    s3,
    secrets,
  };
}

interface Options {
  readonly spec?: unknown;
  readonly previousOutputs?: Record<string, string>;
  /** The tenant's objects are still there for this many looks (kubectl stub). */
  readonly tenantPruneAfter?: number;
  /** Project, buildspec or workflow variables to change; undefined leaves one out. */
  readonly overrides?: Record<string, string | undefined>;
  readonly argocdInstalled?: boolean;
  readonly prune?: 'cascades' | 'stuck';
  readonly listedGone?: readonly string[];
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly output: string;
  readonly exports: Record<string, string>;
  readonly calls: string[];
  readonly stubEnvironments: string;
  readonly phaseDir: string;
}

function runTeardown(w: World, options: Options = {}): Run {
  const src = mkdtempSync(join(w.base, 'src-'));
  cpSync(join(REPO_ROOT, 'buildspecs'), join(src, 'buildspecs'), { recursive: true });
  const phaseDir = join(src, '..', `phase-${relative(w.base, src)}`);
  const log = join(w.stubDir, 'calls.log');
  writeFileSync(log, '');
  mkdirSync(w.stubDir, { recursive: true });
  const secretVariables = Object.fromEntries(
    Object.entries(buildspec.env['secrets-manager'] ?? {}).map(([variable, reference]) => [
      variable,
      reference.endsWith(':password') ? PUSH_TOKEN : 'slipway-pusher',
    ]),
  );
  const environment: Record<string, string | undefined> = {
    PATH: `${TEARDOWN_STUBS}:${process.env.PATH ?? ''}`,
    HOME: w.base,
    GIT_CONFIG_NOSYSTEM: '1',
    // Project variables (CDK), then the buildspec's, then the workflow's overrides.
    SLIPWAY_STATE_BUCKET: 'slipway-state-123456789012',
    SLIPWAY_ARTIFACT_BUCKET: ARTIFACT_BUCKET,
    SLIPWAY_PHASE: 'argocd-bootstrap',
    SLIPWAY_ARGOCD_WEBHOOK_URL: 'https://api.example.com/v1/hooks/argocd',
    SLIPWAY_ALERTMANAGER_WEBHOOK_URL: 'https://api.example.com/v1/hooks/alertmanager',
    SLIPWAY_GITOPS_REPOSITORY: w.url,
    SLIPWAY_SECRETS_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/stub',
    ...buildspec.env.variables,
    ...secretVariables,
    CODEBUILD_SRC_DIR: src,
    ARGOCD_PHASE_DIR: phaseDir,
    ...teardownOverrides(RUN_ID, options.spec ?? validSpec('prod'), options.previousOutputs ?? PROVISIONED),
    SLIPWAY_KUBECONFIG: KUBECONFIG,
    ...options.overrides,
    STUB_LOG: log,
    STUB_DIR: w.stubDir,
    STUB_S3: w.s3,
    STUB_SECRETS: w.secrets,
    STUB_ARGOCD_INSTALLED: options.argocdInstalled === false ? '0' : '1',
    STUB_PRUNE: options.prune ?? 'cascades',
    STUB_LISTED_GONE: (options.listedGone ?? []).join(' '),
    ...(options.tenantPruneAfter === undefined
      ? {}
      : { STUB_TENANT_PRUNE_AFTER: String(options.tenantPruneAfter) }),
    REAL_KUBECTL: realKubectl,
  };
  const result = spawnSync('bash', ['-c', codebuildScript(buildspec)], {
    cwd: src,
    encoding: 'utf8',
    env: Object.fromEntries(
      Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    timeout: 120_000,
  });
  const envLog = join(w.stubDir, 'env.log');
  return {
    status: result.status,
    stdout: result.stdout,
    output: `${result.stdout}${result.stderr}`,
    exports: exportsOf(result.stdout),
    calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean),
    stubEnvironments: existsSync(envLog) ? readFileSync(envLog, 'utf8') : '',
    phaseDir,
  };
}

const head = (w: World) => git(['--git-dir', w.bare, 'rev-parse', BRANCH]);
const filesAt = (w: World, revision: string) =>
  git(['--git-dir', w.bare, 'ls-tree', '-r', '--name-only', revision]).split('\n').filter(Boolean);
const clusterObjects = (w: World) =>
  readdirSync(join(w.stubDir, 'cluster'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `${relative(join(w.stubDir, 'cluster'), entry.parentPath)}/${entry.name}`)
    .sort();
const secretNames = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
        .sort()
    : [];
const kubectlCalls = (run: Run) => run.calls.filter((call) => call.startsWith('kubectl '));
const NOT_SLIPWAYS = ['applications.argoproj.io/hand-made', 'appprojects.argoproj.io/default'];
const OTHER_SECRETS = ['slipway/Acme/prod/kubeconfig', 'slipway/acme/prod-eu/kubeconfig', 'slipway/webhooks'];
const ENVIRONMENT_SECRETS = [
  'slipway/acme/prod/argocd-admin',
  'slipway/acme/prod/kubeconfig',
  'slipway/acme/prod/tenant-hooks',
];

/** Neither the push credential nor the kubeconfig's token reaches a log, a stub's arguments or environment. */
function expectNoSecretLeak(run: Run): void {
  for (const [where, text] of [
    ['stub arguments', run.calls.join('\n')],
    ['stub environments', run.stubEnvironments],
    ['build output', run.output],
  ] as const) {
    expect(text.includes(PUSH_TOKEN), `push token in ${where}`).toBe(false);
    expect(text.includes(KUBECONFIG_TOKEN), `kubeconfig token in ${where}`).toBe(false);
  }
  expect(run.stubEnvironments).not.toMatch(/^SLIPWAY_GITOPS_(USERNAME|PASSWORD)=/m);
  expect(existsSync(join(run.phaseDir, 'kubeconfig'))).toBe(false);
}

describe('buildspecs/teardown/argocd-bootstrap.yml', () => {
  it('reads only the push credential, and exports what the teardown contract lists', () => {
    expect(buildspec.env['secrets-manager']).toEqual({
      SLIPWAY_GITOPS_USERNAME: 'slipway/gitops-credentials:username',
      SLIPWAY_GITOPS_PASSWORD: 'slipway/gitops-credentials:password',
    });
    expect(buildspec.env['exported-variables']).toEqual([...TEARDOWN_EXPORTS['argocd-bootstrap']]);
  });

  describe('on a fully provisioned environment', () => {
    let w: World;
    let run: Run;
    let again: Run;
    beforeAll(() => {
      w = world('provisioned');
      run = runTeardown(w);
      again = runTeardown(w);
    });

    it('succeeds and exports the Applications pruned, the removal commit and the secrets deleted', () => {
      expect(run.status, run.output).toBe(0);
      expect(run.exports).toEqual({
        TEARDOWN_STATUS: 'DONE',
        TEARDOWN_SKIPPED: '',
        APPLICATIONS_PRUNED: '4',
        TENANT_MANIFESTS_REMOVED_REVISION: head(w),
        SECRETS_DELETED: '3',
      });
    });

    it('deletes slipway-managed with the cascade finalizer, waits for every Slipway object, then deletes slipway-platform', () => {
      const calls = kubectlCalls(run).map((call) => call.replace(/^kubectl --kubeconfig \S+ /, ''));
      const steps = [
        'get crd applications.argoproj.io',
        'get applications.argoproj.io,applicationsets.argoproj.io,appprojects.argoproj.io -l app.kubernetes.io/managed-by=slipway -o json',
        '-n argocd patch application slipway-managed --type merge -p {"metadata":{"finalizers":["resources-finalizer.argocd.argoproj.io"]}}',
        '-n argocd delete application slipway-managed --wait=false',
        'wait --for=delete applications.argoproj.io/slipway-managed',
        'delete appproject slipway-platform --ignore-not-found --wait --timeout',
      ];
      const positions = positionsOf(calls, steps);
      expect(
        steps.filter((_, index) => (positions[index] ?? -1) < 0),
        calls.join('\n'),
      ).toEqual([]);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      const waited = calls
        .filter((call) => call.includes('wait --for=delete'))
        .map((call) => /wait --for=delete (\S+)/.exec(call)?.[1]);
      expect(waited.toSorted()).toEqual(
        Object.keys(CLUSTER_OBJECTS)
          .filter(
            (object) =>
              !NOT_SLIPWAYS.includes(object) && object !== 'appprojects.argoproj.io/slipway-platform',
          )
          .sort(),
      );
      // Everything Slipway's is gone; what is not Slipway's is left alone.
      expect(clusterObjects(w)).toEqual(NOT_SLIPWAYS.toSorted());
    });

    it('goes through the SSM tunnel to the API load balancer, opened after pre_build and closed at the end', () => {
      const download = run.calls.findIndex((call) =>
        call.startsWith(`aws s3 cp s3://${ARTIFACT_BUCKET}/${OUTPUTS_KEY}`),
      );
      const session = run.calls.findIndex((call) => call.startsWith('aws ssm start-session'));
      expect(download).toBeGreaterThanOrEqual(0);
      expect(session).toBeGreaterThan(download);
      expect(run.calls[session]).toContain('--document-name AWS-StartPortForwardingSessionToRemoteHost');
      expect(run.calls[session]).toContain(`host=${API_HOST},portNumber=6443,localPortNumber=16443`);
      expect(
        kubectlCalls(run).every((call) =>
          call.startsWith(`kubectl --kubeconfig ${run.phaseDir}/kubeconfig `),
        ),
      ).toBe(true);
      expect(run.output).toMatch(/^INFO - SSM session closed/m);
    });

    it('removes slipway-managed/acme/prod/ from the GitOps repository in one commit, after the prune', () => {
      const removal = head(w);
      expect(git(['--git-dir', w.bare, 'rev-parse', `${removal}^`])).toBe(w.baseRevision);
      expect(git(['--git-dir', w.bare, 'log', '-1', '--format=%s', removal])).toBe(
        `slipway: tear down acme/prod run ${RUN_ID}`,
      );
      expect(
        git(['--git-dir', w.bare, 'diff', '--name-status', w.baseRevision, removal]).split('\n'),
      ).toEqual([
        'D\tslipway-managed/acme/prod/kustomization.yaml',
        'D\tslipway-managed/acme/prod/platform/monitoring.yaml',
        'D\tslipway-managed/acme/prod/tenants/namespace-acme-prod-payments.yaml',
      ]);
      expect(filesAt(w, head(w))).toContain('slipway-managed/globex/dev/kustomization.yaml');
      const order = positionsOf(run.stdout.split('\n'), [
        'INFO - Argo CD pruned 4 Applications',
        `INFO - removed slipway-managed/acme/prod from ${BRANCH} at ${removal}`,
        'INFO - secret slipway/acme/prod/',
      ]);
      expect(
        order.every((position) => position >= 0),
        run.stdout,
      ).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    it('schedules the deletion of every slipway/acme/prod/ secret with a 7-day recovery window, and nothing else', () => {
      const deletes = run.calls.filter((call) => call.startsWith('aws secretsmanager delete-secret'));
      expect(deletes.map((call) => /--secret-id (\S+)/.exec(call)?.[1]).sort()).toEqual(ENVIRONMENT_SECRETS);
      expect(deletes.every((call) => call.includes('--recovery-window-in-days 7'))).toBe(true);
      expect(run.calls.some((call) => call.includes('force-delete-without-recovery'))).toBe(false);
      expect(run.calls.find((call) => call.startsWith('aws secretsmanager list-secrets'))).toContain(
        '--filters Key=name,Values=slipway/acme/prod/',
      );
      expect(secretNames(`${w.secrets}.deleted`)).toEqual(ENVIRONMENT_SECRETS);
      // The filter is a case-insensitive prefix: slipway/Acme/prod/ was listed, and kept.
      expect(secretNames(w.secrets)).toEqual(OTHER_SECRETS);
    });

    it("logs each deletion date as the CLI's stdout gave it, with what it said on stderr kept out of the line", () => {
      for (const secret of ENVIRONMENT_SECRETS) {
        expect(run.stdout).toContain(
          `INFO - secret ${secret} is scheduled for deletion on 2026-12-08T20:00:00+00:00 (restorable until then)\n`,
        );
        expect(run.output).toContain(`[stub] aws secretsmanager delete-secret ${secret}\n`);
      }
      expect(run.stdout).not.toMatch(/scheduled for deletion on \[stub\]/);
    });

    it('never puts the push credential or the kubeconfig in a log, an argument or a stub environment', () => {
      expectNoSecretLeak(run);
      expectNoSecretLeak(again);
    });

    it('succeeds again on the torn-down environment: nothing left to prune, remove or delete', () => {
      expect(again.status, again.output).toBe(0);
      expect(again.exports).toEqual({
        TEARDOWN_STATUS: 'DONE',
        TEARDOWN_SKIPPED: '',
        APPLICATIONS_PRUNED: '0',
        TENANT_MANIFESTS_REMOVED_REVISION: '',
        SECRETS_DELETED: '0',
      });
      expect(again.output).toMatch(/^INFO - Application slipway-managed is already deleted$/m);
      expect(again.output).toMatch(/^INFO - slipway-managed\/acme\/prod is not in main/m);
      expect(again.output).toMatch(/^INFO - no secret under slipway\/acme\/prod\//m);
      expect(again.calls.some((call) => call.includes(' patch '))).toBe(false);
      expect(again.calls.some((call) => call.startsWith('aws secretsmanager delete-secret'))).toBe(false);
      // The second run added no commit.
      expect(git(['--git-dir', w.bare, 'rev-list', '--count', BRANCH])).toBe('2');
    });
  });

  describe('with no SLIPWAY_KUBECONFIG from the workflow, and a secret that vanishes after the listing', () => {
    // One successful teardown for the two claims: each changes what a different step reads.
    let run: Run;
    beforeAll(() => {
      const w = world('kubeconfig-by-id');
      run = runTeardown(w, {
        listedGone: ['slipway/acme/prod/vanished'],
        overrides: { SLIPWAY_KUBECONFIG: undefined },
      });
    });

    it('treats a secret deleted between the listing and its deletion as deleted', () => {
      expect(run.status, run.output).toBe(0);
      expect(run.output).toMatch(/^INFO - secret slipway\/acme\/prod\/vanished is already deleted$/m);
      expect(run.exports.SECRETS_DELETED).toBe('4');
    });

    it('reads the kubeconfig by id when the workflow passes no SLIPWAY_KUBECONFIG', () => {
      expect(run.status, run.output).toBe(0);
      expect(run.calls).toContain(
        'aws secretsmanager get-secret-value --secret-id slipway/acme/prod/kubeconfig --query SecretString --output text',
      );
      expect(run.exports.APPLICATIONS_PRUNED).toBe('4');
      expectNoSecretLeak(run);
    });
  });

  it('skips the prune, saying why, when the terraform phase never succeeded; still cleans Git and the secrets', () => {
    const w = world('never-provisioned', { published: false });
    const run = runTeardown(w, { previousOutputs: {}, overrides: { SLIPWAY_KUBECONFIG: undefined } });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(
      /^INFO - skipping prune-applications: SLIPWAY_PREVIOUS_OUTPUTS has no TF_OUTPUTS_S3_KEY: the terraform phase never succeeded/m,
    );
    expect(run.calls.filter((call) => /^(kubectl|session-manager-plugin|aws s3|aws ssm)/.test(call))).toEqual(
      [],
    );
    expect(run.output).toMatch(/^INFO - slipway-managed\/acme\/prod is not in main/m);
    expect(head(w)).toBe(w.baseRevision);
    expect(run.exports).toMatchObject({
      TEARDOWN_STATUS: 'DONE',
      TEARDOWN_SKIPPED: 'prune-applications',
      SECRETS_DELETED: '3',
    });
  });

  it('skips the prune, saying why, when the ansible phase never stored a kubeconfig', () => {
    const w = world('no-kubeconfig', { published: false });
    const { KUBECONFIG_SECRET_ID: _none, ...terraformOnly } = PROVISIONED;
    const run = runTeardown(w, {
      previousOutputs: terraformOnly,
      overrides: { SLIPWAY_KUBECONFIG: undefined },
    });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(
      /^INFO - skipping prune-applications: no SLIPWAY_KUBECONFIG and no KUBECONFIG_SECRET_ID in SLIPWAY_PREVIOUS_OUTPUTS: the ansible phase never succeeded/m,
    );
    expect(run.calls.some((call) => call.startsWith('aws ssm start-session'))).toBe(false);
    expect(kubectlCalls(run)).toEqual([]);
    expect(run.exports.TEARDOWN_SKIPPED).toBe('prune-applications');
  });

  it('skips the prune, saying why, when the cluster has no Argo CD, closing the tunnel', () => {
    const w = world('no-argocd');
    const run = runTeardown(w, { argocdInstalled: false });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(
      /^INFO - skipping prune-applications: the cluster has no Argo CD \(no applications\.argoproj\.io CRD\)/m,
    );
    expect(kubectlCalls(run).some((call) => / (patch|delete|wait) /.test(call))).toBe(false);
    expect(run.output).toMatch(/^INFO - SSM session closed/m);
    expect(run.exports).toMatchObject({ TEARDOWN_SKIPPED: 'prune-applications', APPLICATIONS_PRUNED: '0' });
  });

  it('fails after ARGOCD_PRUNE_TIMEOUT when Argo CD never prunes, touching neither Git nor the secrets', () => {
    const w = world('stuck');
    const started = Date.now();
    const run = runTeardown(w, { prune: 'stuck', overrides: { ARGOCD_PRUNE_TIMEOUT: '3' } });
    const seconds = (Date.now() - started) / 1000;
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(
      /^ERROR - ARGOCD_PRUNE_TIMEOUT \(3s\) ran out waiting for Argo CD to prune applications\.argoproj\.io\/slipway-managed: deleting=true/m,
    );
    expect(run.output).toMatch(/^CODEBUILD - build failed$/m);
    expect(seconds).toBeGreaterThanOrEqual(3);
    expect(seconds).toBeLessThan(60);
    expect(run.output).toMatch(/^INFO - SSM session closed/m);
    expect(head(w)).toBe(w.baseRevision);
    expect(run.calls.some((call) => call.startsWith('aws secretsmanager'))).toBe(false);
    expect(run.exports).toMatchObject({ TEARDOWN_STATUS: '', APPLICATIONS_PRUNED: '0' });
    expectNoSecretLeak(run);
  });

  describe("a shared cluster's tenant", () => {
    const TENANT_DIR = 'slipway-managed/cluster/shared-eu/tenants/acme.prod';
    const ACME = { ...SLIPWAY, 'slipway.io/organization': 'acme', 'slipway.io/environment': 'prod' };
    const GLOBEX = { ...SLIPWAY, 'slipway.io/organization': 'globex', 'slipway.io/environment': 'prod' };
    const TENANT = 'tenant-directory';
    /** The shared cluster: the platform's objects, acme/prod's (to be pruned) and globex/prod's (to stay). */
    const SHARED_OBJECTS: Record<string, ClusterObject> = {
      'applications.argoproj.io/slipway-managed': { labels: SLIPWAY },
      'appprojects.argoproj.io/slipway-platform': { labels: SLIPWAY },
      'applicationsets.argoproj.io/slipway-tenants': { labels: SLIPWAY },
      'applications.argoproj.io/tenant-acme.prod': { labels: SLIPWAY, parent: TENANT },
      'appprojects.argoproj.io/acme': { labels: ACME, parent: TENANT },
      'applicationsets.argoproj.io/acme-prod': { labels: ACME, parent: TENANT },
      'applications.argoproj.io/acme-prod-web': { labels: ACME, parent: TENANT },
      'namespaces/acme-prod-web': { labels: ACME, parent: TENANT },
      'namespaces/acme-prod-api': { labels: ACME, parent: TENANT },
      'applications.argoproj.io/tenant-globex.prod': { labels: SLIPWAY },
      'appprojects.argoproj.io/globex': { labels: GLOBEX },
      'namespaces/globex-prod-shop': { labels: GLOBEX },
    };
    const STAYING = Object.entries(SHARED_OBJECTS)
      .filter(([, object]) => object.parent !== TENANT)
      .map(([name]) => name)
      .sort();
    const tenantSpec = { ...validSpec('prod'), sharedCluster: 'shared-eu' };
    const tenantWorld = (name: string) =>
      world(name, {
        objects: SHARED_OBJECTS,
        files: {
          [`${TENANT_DIR}/kustomization.yaml`]: '# acme/prod\n',
          'slipway-managed/cluster/shared-eu/tenants/globex.prod/kustomization.yaml': '# globex/prod\n',
        },
      });
    // No real sleep: checks 0 s apart (ARGOCD_PRUNE_POLL_SECONDS), the stub counting looks.
    const fast = { ARGOCD_PRUNE_POLL_SECONDS: '0' };

    it('removes its directory, then waits until its Application, AppProject and namespaces are gone, then reports DONE', () => {
      const w = tenantWorld('tenant');
      const run = runTeardown(w, { spec: tenantSpec, tenantPruneAfter: 2, overrides: fast });
      expect(run.status, run.output).toBe(0);
      expect(run.exports).toEqual({
        TEARDOWN_STATUS: 'DONE',
        TEARDOWN_SKIPPED: '',
        APPLICATIONS_PRUNED: '2',
        TENANT_MANIFESTS_REMOVED_REVISION: head(w),
        SECRETS_DELETED: '3',
      });
      expect(filesAt(w, head(w))).toEqual([
        'README.md',
        'slipway-managed/cluster/shared-eu/tenants/globex.prod/kustomization.yaml',
      ]);
      // Still there at the first two looks, gone at the third; the other tenant and the platform untouched.
      expect(run.output).toMatch(
        /^INFO - waiting up to 600s for Argo CD to prune tenant-acme\.prod: 6 objects left$/m,
      );
      expect(run.output).toMatch(/^INFO - Argo CD pruned tenant-acme\.prod: .* \(3 checks\)$/m);
      expect(clusterObjects(w)).toEqual(STAYING);
      // The tenant deletes nothing itself on the shared cluster: Argo CD prunes, it only looks.
      expect(kubectlCalls(run).filter((call) => / (patch|delete|wait) /.test(call))).toEqual([]);
      const order = positionsOf(run.stdout.split('\n'), [
        `INFO - removed ${TENANT_DIR} from ${BRANCH}`,
        'INFO - waiting up to 600s for Argo CD to prune tenant-acme.prod',
        'INFO - Argo CD pruned tenant-acme.prod',
        'INFO - secret slipway/acme/prod/',
      ]);
      expect(
        order.every((position) => position >= 0),
        run.stdout,
      ).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(run.output).toMatch(/^INFO - SSM session closed/m);
      expectNoSecretLeak(run);
    });

    it('on a cluster with ingress: takes its certificate off the TLS listener, deletes its alias and its certificate only; a second pass finds them gone', () => {
      const w = tenantWorld('tenant-ingress');
      const ingressDir = join(w.stubDir, 'ingress');
      const certificate = (id: string, cluster: string) => ({
        arn: `arn:aws:acm:eu-west-1:123456789012:certificate/${id}`,
        domain: '*.acme.apps.example.com',
        status: 'ISSUED',
        tags: [
          { Key: 'managed-by', Value: 'slipway' },
          { Key: 'slipway-cluster', Value: cluster },
          { Key: 'slipway-org', Value: 'acme' },
        ],
      });
      const ours = certificate('11111111-2222-3333-4444-555555555555', 'shared-eu');
      // Same name, another cluster's (same zone): never this teardown's.
      const theirs = certificate('66666666-7777-8888-9999-000000000000', 'shared-us');
      mkdirSync(join(ingressDir, 'certs'), { recursive: true });
      mkdirSync(join(ingressDir, 'records'), { recursive: true });
      for (const cert of [ours, theirs])
        writeFileSync(join(ingressDir, 'certs', `${cert.arn.split('/')[1]}.json`), JSON.stringify(cert));
      writeFileSync(join(ingressDir, 'listener.txt'), `${ours.arn}\n${theirs.arn}\n`);
      writeFileSync(join(ingressDir, 'records', 'A__.acme.apps.example.com'), '{}');
      const ingressSpec = {
        ...tenantSpec,
        ingress: { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      };
      const run = runTeardown(w, { spec: ingressSpec, overrides: fast });
      expect(run.status, run.output).toBe(0);
      expect(readFileSync(join(ingressDir, 'listener.txt'), 'utf8').trim()).toBe(theirs.arn);
      expect(readdirSync(join(ingressDir, 'certs'))).toEqual([`${theirs.arn.split('/')[1]}.json`]);
      expect(readdirSync(join(ingressDir, 'records'))).toEqual([]);
      const ingressCalls = run.calls.filter((call) => /^aws (acm|elbv2|route53) /.test(call));
      const removal = ingressCalls.findIndex((call) =>
        call.startsWith('aws elbv2 remove-listener-certificates'),
      );
      const deletion = ingressCalls.findIndex((call) => call.startsWith('aws acm delete-certificate'));
      expect(removal).toBeGreaterThanOrEqual(0);
      expect(deletion).toBeGreaterThan(removal);
      expect(ingressCalls.filter((call) => call.includes(theirs.arn) && !call.includes('list-tags'))).toEqual(
        [],
      );
      expect(run.output).toMatch(
        /^INFO - shared-cluster tenant ingress of acme on shared-eu removed \(1 certificates\)$/m,
      );

      const again = runTeardown(w, { spec: ingressSpec, overrides: fast });
      expect(again.status, again.output).toBe(0);
      expect(again.output).toMatch(
        /^INFO - no alias \*\.acme\.apps\.example\.com in Z0123456789ABCDEFGHIJ$/m,
      );
      expect(again.output).toMatch(/removed \(0 certificates\)$/m);
    });

    it('fails the teardown, naming what is left, when Argo CD has not pruned it within ARGOCD_PRUNE_TIMEOUT; the secrets stay', () => {
      const w = tenantWorld('tenant-stuck');
      const run = runTeardown(w, {
        spec: tenantSpec,
        prune: 'stuck',
        overrides: { ...fast, ARGOCD_PRUNE_TIMEOUT: '0' },
      });
      expect(run.status).not.toBe(0);
      expect(run.output).toMatch(
        /^ERROR - ARGOCD_PRUNE_TIMEOUT \(0s\) ran out after 1 checks waiting for Argo CD to prune tenant-acme\.prod; still there: applications\.argoproj\.io\/acme-prod-web .*namespace\/acme-prod-api namespace\/acme-prod-web$/m,
      );
      expect(run.output).not.toMatch(/still there: .*globex/m);
      expect(run.output).toMatch(/^CODEBUILD - build failed$/m);
      expect(run.calls.some((call) => call.startsWith('aws secretsmanager'))).toBe(false);
      expect(run.exports).toMatchObject({ TEARDOWN_STATUS: '', APPLICATIONS_PRUNED: '0' });
      expect(run.output).toMatch(/^INFO - SSM session closed/m);
      expectNoSecretLeak(run);
    });
  });

  it.each<[string, Options, RegExp]>([
    [
      'no GitOps repository on the project',
      { overrides: { SLIPWAY_GITOPS_REPOSITORY: undefined } },
      /^ERROR - required environment variable SLIPWAY_GITOPS_REPOSITORY is not set$/m,
    ],
    [
      'SLIPWAY_PREVIOUS_OUTPUTS that is not JSON',
      { overrides: { SLIPWAY_PREVIOUS_OUTPUTS: 'TF_OUTPUTS_S3_KEY=x' } },
      /^ERROR - SLIPWAY_PREVIOUS_OUTPUTS is not a JSON object$/m,
    ],
    [
      'Terraform outputs missing from S3',
      {
        previousOutputs: { ...PROVISIONED, TF_OUTPUTS_S3_KEY: 'acme/prod/runs/gone/terraform-outputs.json' },
      },
      /HeadObject operation: Key "slipway-artifacts-123456789012\/acme\/prod\/runs\/gone\/terraform-outputs\.json" does not exist/,
    ],
  ])('fails in pre_build, touching nothing, on %s', (name, options, message) => {
    const w = world(name.replace(/\W+/g, '-'));
    const run = runTeardown(w, options);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(message);
    expect(run.output).toMatch(/^CODEBUILD - pre_build failed$/m);
    expect(run.stdout).not.toMatch(/^PHASE build$/m);
    expect(kubectlCalls(run)).toEqual([]);
    expect(head(w)).toBe(w.baseRevision);
    expect(run.calls.some((call) => call.startsWith('aws secretsmanager'))).toBe(false);
  });
});

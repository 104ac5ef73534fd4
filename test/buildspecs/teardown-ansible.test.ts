import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
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
 * Runs buildspecs/teardown/ansible.yml the way CodeBuild does (pre_build, build and post_build in
 * one bash shell from the source root) against labelled STUBS (test/buildspecs/stubs-teardown): `aws`
 * (S3, SSM's instance list) and `ansible-playbook`, which hands cluster-reset.yml to the REAL
 * ansible-playbook over a local connection, each inventory host being a FAKE NODE - a directory
 * with the node's files and stub tools (stubs-teardown/node: kubeadm, ip, iptables-save/-restore)
 * the playbook's path variables point at. What is real: the buildspec, the teardown scripts, the
 * provisioning phase's prepare.sh with the inventory script, jq and cluster-reset.yml itself.
 * ansible-lint and the syntax checks are logged stand-ins here: the real ones run over every playbook,
 * cluster-reset.yml included, in test/gitops/ansible/playbooks.test.ts and
 * test/buildspecs/ansible-pipeline.test.ts. The install phase is not run.
 */

const RUN_ID = 'acme.prod.000009.9a8b7c6d';
const ARTIFACT_BUCKET = 'slipway-artifacts-123456789012';
const OUTPUTS_KEY = 'acme/prod/runs/acme.prod.000003.1a2b3c4d/terraform-outputs.json';
const CONTROL_PLANE = 'i-0aaa1111bbbb2222c';
const WORKER = 'i-0ccc3333dddd4444e';
/** In the inventory, no longer online in SSM (terminated). */
const GONE = 'i-0ccc3333dddd4444f';
const NODES = [CONTROL_PLANE, WORKER, GONE];
const PLAYBOOKS = readdirSync(join(REPO_ROOT, 'gitops/ansible/playbooks'))
  .filter((name) => name.endsWith('.yml'))
  .sort();

/** A kubeadm node with Cilium, as the provisioning phase leaves it. */
const DIRTY_FILES = [
  'etc/kubernetes/kubelet.conf',
  'etc/kubernetes/admin.conf',
  'etc/kubernetes/kubeadm-join.yaml',
  'etc/kubernetes/manifests/kube-apiserver.yaml',
  'etc/kubernetes/pki/ca.crt',
  'var/lib/etcd/member/snap/db',
  'etc/cni/net.d/05-cilium.conflist',
  'sys/fs/bpf/tc/globals/cilium_lb4_services_v2',
  'sys/fs/bpf/cilium/devices/ens5/links/cil_from_netdev',
  'run/cilium/state/globals/node_config.h',
  'opt/cni/bin/cilium-cni',
  'root/.kube/config',
];
/** Files that are not Kubernetes' or Cilium's: they stay. */
const KEPT_FILES = ['opt/cni/bin/loopback', 'sys/fs/bpf/tc/globals/other_program_map', 'etc/hostname'];
const DIRTY_LINKS = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536',
  '2: ens5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001',
  '3: cilium_net@cilium_host: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 9001',
  '4: cilium_host@cilium_net: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 9001',
  '5: cilium_vxlan: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 8951',
  '9: lxc6f1b2c3d4e5f@if8: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001',
];
const DIRTY_RULES = [
  '*filter',
  ':INPUT ACCEPT [0:0]',
  ':CILIUM_INPUT - [0:0]',
  ':KUBE-FIREWALL - [0:0]',
  '-A INPUT -m comment --comment "cilium-feeder: CILIUM_INPUT" -j CILIUM_INPUT',
  '-A INPUT -j KUBE-FIREWALL',
  '-A INPUT -p tcp -m tcp --dport 9100 -j ACCEPT',
  'COMMIT',
  '*nat',
  ':POSTROUTING ACCEPT [0:0]',
  ':CILIUM_POST_nat - [0:0]',
  '-A POSTROUTING -m comment --comment "cilium-feeder: CILIUM_POST_nat" -j CILIUM_POST_nat',
  'COMMIT',
];
const CLEAN_RULES = [
  '*filter',
  ':INPUT ACCEPT [0:0]',
  '-A INPUT -p tcp -m tcp --dport 9100 -j ACCEPT',
  'COMMIT',
  '*nat',
  ':POSTROUTING ACCEPT [0:0]',
  'COMMIT',
];

let workdir = '';
let realAnsiblePlaybook = '';
let buildspec: TeardownBuildspec;
let terraformOutputs: Record<string, { value: unknown }> = {};

beforeAll(() => {
  requireTool('bash', 'apt-get install bash');
  requireTool('jq', 'apt-get install jq');
  requireTool('python3', 'install python3');
  requireTool('ansible-lint', 'apt-get install ansible-lint (6.13)');
  realAnsiblePlaybook = requireTool('ansible-playbook', 'apt-get install ansible (ansible-core 2.14)');
  workdir = mkdtempSync(join(tmpdir(), 'slipway-teardown-ansible-'));
  buildspec = loadTeardownBuildspec('ansible');
  // The provisioning tests' outputs, cut down to three nodes (the playbook runs for real on each).
  const fixture = JSON.parse(
    readFileSync(join(REPO_ROOT, 'test/gitops/ansible/fixtures/terraform-outputs.json'), 'utf8'),
  );
  terraformOutputs = {
    ...fixture,
    control_plane_instance_ids: { ...fixture.control_plane_instance_ids, value: [CONTROL_PLANE] },
    worker_instance_ids: { ...fixture.worker_instance_ids, value: [WORKER, GONE] },
    ansible_inventory: {
      ...fixture.ansible_inventory,
      value: { control_plane: [CONTROL_PLANE], workers: [WORKER, GONE] },
    },
  };
});

afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** The S3 bucket and the fake nodes: what outlives one build. */
interface World {
  readonly base: string;
  readonly s3: string;
  readonly nodes: string;
  readonly nodeVars: string;
}

const nodeRoot = (w: World, node: string) => join(w.nodes, node);

function fakeNode(root: string, dirty: boolean): void {
  for (const dir of [
    'usr/bin',
    'usr/sbin',
    'etc/kubernetes/manifests',
    'etc/cni/net.d',
    'sys/fs/bpf/tc/globals',
  ]) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  symlinkSync(join(TEARDOWN_STUBS, 'node/kubeadm'), join(root, 'usr/bin/kubeadm'));
  symlinkSync(join(TEARDOWN_STUBS, 'node/ip'), join(root, 'usr/sbin/ip'));
  for (const tool of ['iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore']) {
    symlinkSync(join(TEARDOWN_STUBS, 'node/iptables-save'), join(root, 'usr/sbin', tool));
  }
  for (const file of [...KEPT_FILES, ...(dirty ? DIRTY_FILES : [])]) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), `${file}\n`);
  }
  writeFileSync(join(root, 'links'), `${(dirty ? DIRTY_LINKS : DIRTY_LINKS.slice(0, 2)).join('\n')}\n`);
  writeFileSync(join(root, 'iptables.rules'), `${(dirty ? DIRTY_RULES : CLEAN_RULES).join('\n')}\n`);
  writeFileSync(join(root, 'ip6tables.rules'), '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n');
  writeFileSync(join(root, 'calls.log'), '');
}

function world(name: string, options: { dirty?: boolean } = {}): World {
  const base = mkdtempSync(join(workdir, `${name}-`));
  const s3 = join(base, 's3');
  mkdirSync(join(s3, ARTIFACT_BUCKET, dirname(OUTPUTS_KEY)), { recursive: true });
  writeFileSync(join(s3, ARTIFACT_BUCKET, OUTPUTS_KEY), JSON.stringify(terraformOutputs));
  const nodes = join(base, 'nodes');
  for (const node of NODES) fakeNode(join(nodes, node), options.dirty ?? true);
  // Every path and tool of cluster-reset.yml, moved under the host's fake node.
  const root = `${nodes}/{{ inventory_hostname }}`;
  const nodeVars = join(base, 'node-vars.json');
  writeFileSync(
    nodeVars,
    JSON.stringify({
      ansible_connection: 'local',
      ansible_become: false,
      // The Python ansible-core runs on: `python3` on PATH may be a version manager's shim (pyenv
      // here), which costs a chain of shell scripts on every module run.
      ansible_python_interpreter: '{{ ansible_playbook_python }}',
      cluster_reset_kubeadm: `${root}/usr/bin/kubeadm`,
      cluster_reset_kubernetes_dir: `${root}/etc/kubernetes`,
      cluster_reset_etcd_dir: `${root}/var/lib/etcd`,
      cluster_reset_cni_config_dir: `${root}/etc/cni/net.d`,
      cluster_reset_cilium_cgroup_mount: `${root}/run/cilium/cgroupv2`,
      cluster_reset_bpf_globals_dir: `${root}/sys/fs/bpf/tc/globals`,
      cluster_reset_sbin_dir: `${root}/usr/sbin`,
      cluster_reset_ip: `${root}/usr/sbin/ip`,
      cluster_reset_leftovers: [
        `${root}/etc/kubernetes/kubeadm-init.yaml`,
        `${root}/etc/kubernetes/kubeadm-join.yaml`,
        `${root}/run/cilium`,
        `${root}/sys/fs/bpf/cilium`,
        `${root}/opt/cni/bin/cilium-cni`,
        `${root}/root/.kube/config`,
      ],
    }),
  );
  return { base, s3, nodes, nodeVars };
}

interface Options {
  readonly previousOutputs?: Record<string, string>;
  readonly overrides?: Record<string, string | undefined>;
  readonly online?: readonly string[];
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly output: string;
  readonly exports: Record<string, string>;
  readonly calls: string[];
  readonly src: string;
  readonly phaseDir: string;
}

function runTeardown(w: World, options: Options = {}): Run {
  const src = mkdtempSync(join(w.base, 'src-'));
  cpSync(join(REPO_ROOT, 'buildspecs'), join(src, 'buildspecs'), { recursive: true });
  cpSync(join(REPO_ROOT, 'gitops/ansible'), join(src, 'gitops/ansible'), {
    recursive: true,
    filter: (path) => !/\/gitops\/ansible\/(\.phase|collections)(\/|$)/.test(path),
  });
  const sandbox = join(src, '..', `sandbox-${relative(w.base, src)}`);
  mkdirSync(sandbox);
  const log = join(w.base, 'calls.log');
  writeFileSync(log, '');
  const variables = Object.fromEntries(
    Object.entries(buildspec.env.variables).map(([key, value]) => [
      key,
      value.startsWith('/tmp/') ? join(sandbox, value.slice('/tmp/'.length)) : value,
    ]),
  );
  const environment: Record<string, string | undefined> = {
    PATH: [join(TEARDOWN_STUBS, 'lint-skipped'), TEARDOWN_STUBS, process.env.PATH ?? ''].join(':'),
    HOME: sandbox,
    XDG_CACHE_HOME: join(sandbox, 'cache'),
    LANG: 'C.UTF-8',
    CODEBUILD_SRC_DIR: src,
    AWS_REGION: 'eu-west-1',
    SLIPWAY_ARTIFACT_BUCKET: ARTIFACT_BUCKET,
    SLIPWAY_PHASE: 'ansible',
    SLIPWAY_SECRETS_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/stub',
    // The ansible project's OIDC variables, which the provisioning phase's prepare.sh requires.
    SLIPWAY_OIDC_ISSUER_URL: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Stub12345',
    SLIPWAY_OIDC_CLIENT_ID: 'stub-app-client-id',
    ...variables,
    ...teardownOverrides(
      RUN_ID,
      validSpec('prod'),
      options.previousOutputs ?? { TF_OUTPUTS_S3_KEY: OUTPUTS_KEY },
    ),
    ...options.overrides,
    STUB_LOG: log,
    STUB_DIR: w.base,
    STUB_S3: w.s3,
    STUB_SSM_ONLINE: (options.online ?? [CONTROL_PLANE, WORKER]).join(' '),
    STUB_NODE_VARS: w.nodeVars,
    STUB_SYNTAX_CHECK: 'log',
    REAL_ANSIBLE_PLAYBOOK: realAnsiblePlaybook,
  };
  const result = spawnSync('bash', ['-c', codebuildScript(buildspec)], {
    cwd: src,
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
    env: Object.fromEntries(
      Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    timeout: 280_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    output: `${result.stdout}${result.stderr}`,
    exports: exportsOf(result.stdout),
    calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean),
    src,
    phaseDir: join(src, 'gitops/ansible/.phase'),
  };
}

const nodeCalls = (w: World, node: string) =>
  readFileSync(join(nodeRoot(w, node), 'calls.log'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean);
const nodeFiles = (w: World, node: string) =>
  readdirSync(nodeRoot(w, node), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.isSymbolicLink())
    .map((entry) => relative(nodeRoot(w, node), join(entry.parentPath, entry.name)))
    .filter((file) => !['calls.log', 'links', 'iptables.rules', 'ip6tables.rules'].includes(file))
    .sort();
const recapOf = (run: Run, node: string) =>
  new RegExp(`^${node} +: ok=\\d+ +changed=(\\d+) +unreachable=0 +failed=0`, 'm').exec(run.stdout)?.[1];
const resetRuns = (run: Run) =>
  run.calls.filter(
    (call) => call.includes('/playbooks/cluster-reset.yml') && !call.includes('--syntax-check'),
  );

describe('buildspecs/teardown/ansible.yml', () => {
  it('exports what the teardown contract lists', () => {
    expect(buildspec.env['exported-variables']).toEqual([...TEARDOWN_EXPORTS.ansible]);
  });

  describe('on a provisioned cluster with one node gone', () => {
    let w: World;
    let run: Run;
    let again: Run;
    beforeAll(() => {
      w = world('provisioned');
      run = runTeardown(w);
      again = runTeardown(w);
    }, 600_000);

    it('succeeds and exports DONE and the nodes reset out of the inventory', () => {
      expect(run.status, run.output).toBe(0);
      expect(run.exports).toEqual({ TEARDOWN_STATUS: 'DONE', TEARDOWN_SKIPPED: '', NODES_RESET: '2/3' });
    });

    it('fetches the outputs, lints and syntax-checks every playbook, asks SSM which nodes are online, then resets those', () => {
      const phasePlaybook = `ansible-playbook --inventory ${join(run.phaseDir, 'inventory.json')} --extra-vars @${join(run.phaseDir, 'extra-vars.json')}`;
      const playbook = (name: string) => join(run.src, 'gitops/ansible/playbooks', name);
      const steps = [
        `aws s3 cp s3://${ARTIFACT_BUCKET}/${OUTPUTS_KEY} `,
        ...PLAYBOOKS.map((name) => `${phasePlaybook} --syntax-check ${playbook(name)}`),
        `aws ssm describe-instance-information --region eu-west-1 --filters Key=InstanceIds,Values=${NODES.join(',')}`,
        `${phasePlaybook} ${playbook('cluster-reset.yml')} --limit ${CONTROL_PLANE},${WORKER}`,
      ];
      const positions = positionsOf(run.calls, steps);
      expect(
        steps.filter((_, index) => (positions[index] ?? -1) < 0),
        run.calls.join('\n'),
      ).toEqual([]);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(PLAYBOOKS).toContain('cluster-reset.yml');
      // ansible-lint (a logged stand-in here; the real one runs over every playbook, this one
      // included, in test/buildspecs/ansible-pipeline.test.ts) before any syntax check or reset.
      const lint = run.calls.findIndex((call) => call.startsWith('ansible-lint --offline'));
      expect(lint).toBeGreaterThanOrEqual(0);
      expect(lint).toBeLessThan(positions[1] ?? -1);
      expect(run.output).toMatch(
        new RegExp(
          `^INFO - node ${GONE} is not online in SSM \\(terminated, stopped or agent down\\): nothing to reset there$`,
          'm',
        ),
      );
      expect(resetRuns(run)).toHaveLength(1);
    });

    it.each([CONTROL_PLANE, WORKER])(
      'resets %s: kubeadm reset, Cilium and CNI state gone, only the Kubernetes and Cilium rules removed',
      (node) => {
        expect(nodeCalls(w, node)).toContain(
          'kubeadm reset --force --skip-phases=remove-etcd-member --cleanup-tmp-dir',
        );
        expect(nodeFiles(w, node)).toEqual(KEPT_FILES.toSorted());
        expect(
          readFileSync(join(nodeRoot(w, node), 'links'), 'utf8')
            .trim()
            .split('\n'),
        ).toEqual(DIRTY_LINKS.slice(0, 2));
        expect(
          readFileSync(join(nodeRoot(w, node), 'iptables.rules'), 'utf8')
            .trim()
            .split('\n'),
        ).toEqual(CLEAN_RULES);
        // Nothing to remove in ip6tables: it was read, never rewritten.
        expect(nodeCalls(w, node)).toContain('ip6tables-save ');
        expect(nodeCalls(w, node)).not.toContain('ip6tables-restore ');
        expect(recapOf(run, node)).not.toBe('0');
      },
    );

    it('leaves the node that is gone alone', () => {
      expect(nodeCalls(w, GONE)).toEqual([]);
      expect(nodeFiles(w, GONE)).toEqual([...DIRTY_FILES, ...KEPT_FILES].sort());
      expect(run.stdout).not.toContain(`[${GONE}]`);
    });

    it('succeeds again on the reset nodes, changing nothing', () => {
      expect(again.status, again.output).toBe(0);
      expect(again.exports).toEqual({ TEARDOWN_STATUS: 'DONE', TEARDOWN_SKIPPED: '', NODES_RESET: '2/3' });
      expect(recapOf(again, CONTROL_PLANE)).toBe('0');
      expect(recapOf(again, WORKER)).toBe('0');
      for (const node of [CONTROL_PLANE, WORKER]) {
        expect(nodeCalls(w, node).filter((call) => call.startsWith('kubeadm'))).toHaveLength(1);
      }
    });

    it('calls no Secrets Manager API and starts no SSM session of its own', () => {
      for (const each of [run, again]) {
        expect(each.calls.some((call) => call.startsWith('aws secretsmanager'))).toBe(false);
        expect(each.calls.some((call) => call.startsWith('aws ssm start-session'))).toBe(false);
      }
    });
  });

  it('skips the reset, saying why, when the terraform phase never succeeded', () => {
    const w = world('never-provisioned');
    const run = runTeardown(w, { previousOutputs: {} });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(
      /^INFO - skipping cluster-reset: SLIPWAY_PREVIOUS_OUTPUTS has no TF_OUTPUTS_S3_KEY: the terraform phase never succeeded, so there are no nodes to reset$/m,
    );
    expect(run.calls).toEqual([]);
    expect(run.exports).toEqual({
      TEARDOWN_STATUS: 'SKIPPED',
      TEARDOWN_SKIPPED: 'cluster-reset',
      NODES_RESET: '',
    });
  });

  it('skips the reset, naming every node, when no node is online in SSM', () => {
    const w = world('all-gone');
    const run = runTeardown(w, { online: [] });
    expect(run.status, run.output).toBe(0);
    for (const node of NODES) {
      expect(run.output).toMatch(new RegExp(`^INFO - node ${node} is not online in SSM`, 'm'));
    }
    expect(run.output).toMatch(
      /^INFO - skipping cluster-reset: none of the 3 nodes of the inventory is online in SSM$/m,
    );
    expect(resetRuns(run)).toEqual([]);
    expect(run.exports).toEqual({
      TEARDOWN_STATUS: 'SKIPPED',
      TEARDOWN_SKIPPED: 'cluster-reset',
      NODES_RESET: '0/3',
    });
  });

  it('fails the build when a node cannot be reset, exporting no DONE', () => {
    const w = world('broken-node');
    writeFileSync(join(nodeRoot(w, WORKER), 'kubeadm-fails'), '');
    const run = runTeardown(w);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/unable to stop the kubelet \(stub\)/);
    expect(run.output).toMatch(/^CODEBUILD - build failed$/m);
    expect(run.exports).toEqual({ TEARDOWN_STATUS: '', TEARDOWN_SKIPPED: '', NODES_RESET: '0/3' });
  }, 300_000);

  it.each<[string, Options, RegExp]>([
    [
      'SLIPWAY_PREVIOUS_OUTPUTS that is not JSON',
      { overrides: { SLIPWAY_PREVIOUS_OUTPUTS: 'not json' } },
      /^ERROR - SLIPWAY_PREVIOUS_OUTPUTS is not a JSON object$/m,
    ],
    [
      'no SLIPWAY_SPEC',
      { overrides: { SLIPWAY_SPEC: undefined } },
      /^ERROR - required environment variable SLIPWAY_SPEC is not set$/m,
    ],
    [
      'Terraform outputs missing from S3',
      { previousOutputs: { TF_OUTPUTS_S3_KEY: 'acme/prod/runs/gone/terraform-outputs.json' } },
      /HeadObject operation: Key "slipway-artifacts-123456789012\/acme\/prod\/runs\/gone\/terraform-outputs\.json" does not exist/,
    ],
  ])('fails in pre_build, resetting nothing, on %s', (name, options, message) => {
    const w = world(name.replace(/\W+/g, '-'));
    const run = runTeardown(w, options);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(message);
    expect(run.output).toMatch(/^CODEBUILD - pre_build failed$/m);
    expect(resetRuns(run)).toEqual([]);
    expect(existsSync(join(nodeRoot(w, CONTROL_PLANE), 'etc/kubernetes/kubelet.conf'))).toBe(true);
  });
});

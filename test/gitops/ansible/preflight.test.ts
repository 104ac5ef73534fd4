import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { requireTool } from '../../support/tools.js';
import { ANSIBLE_DIR, createSandbox, type RunResult, run, type Sandbox } from './ansible-run.js';

const PREFLIGHT = join(ANSIBLE_DIR, 'playbooks/preflight-check.yml');
const CAPACITY_FAILURE = /a\s+control-plane\s+node\s+needs\s+\d+\s+vCPUs\s+and\s+\d+\s+MB/;

/** kubeadm's control-plane minimums, as the k8s-control-plane role declares them. */
const MINIMUMS = z
  .object({
    _k8s_control_plane_min_vcpus: z.number().int(),
    _k8s_control_plane_min_memory_mb: z.number().int(),
  })
  .parse(parse(readFileSync(join(ANSIBLE_DIR, 'roles/k8s-control-plane/vars/main.yml'), 'utf8')));

interface Capacity {
  readonly vcpus: number;
  readonly memoryMb: number;
}

/** This machine as Ansible sees it: the facts the role's capacity assertion reads. */
function hostCapacity(sandbox: Sandbox): Capacity {
  const tree = mkdtempSync(join(sandbox.dir, 'facts-'));
  const result = run(
    'ansible',
    [
      '--inventory',
      'localhost,',
      '--connection',
      'local',
      'localhost',
      '--module-name',
      'ansible.builtin.setup',
      '--args',
      'gather_subset=!all,!min,hardware filter=ansible_processor_vcpus,ansible_memtotal_mb',
      '--tree',
      tree,
    ],
    sandbox,
  );
  if (result.status !== 0) throw new Error(`cannot read this machine's facts:\n${result.output}`);
  const facts = z
    .object({
      ansible_facts: z.object({
        ansible_processor_vcpus: z.number().int(),
        ansible_memtotal_mb: z.number().int(),
      }),
    })
    .parse(JSON.parse(readFileSync(join(tree, 'localhost'), 'utf8'))).ansible_facts;
  return { vcpus: facts.ansible_processor_vcpus, memoryMb: facts.ansible_memtotal_mb };
}

const OIDC_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';

/** The role's minimums replaced (extra vars beat role vars) by the given capacity. */
function minimumsOf(capacity: Capacity): Record<string, number> {
  return {
    _k8s_control_plane_min_vcpus: capacity.vcpus,
    _k8s_control_plane_min_memory_mb: capacity.memoryMb,
  };
}

const BASE_VARS = {
  slipway_api_endpoint: 'acme-prod-api-0123456789abcdef.elb.eu-west-1.amazonaws.com',
  slipway_cluster_name: 'acme-prod',
  // Outside a cluster inventory the controller itself stands in for the init node.
  k8s_control_plane_init_host: 'localhost',
  slipway_oidc_issuer_url: OIDC_ISSUER,
  slipway_oidc_client_id: '4a5b6c7d8e9f0a1b2c3d4e5f6a',
};

/** Runs preflight-check.yml against this machine in check mode with the given extra variables. */
function preflight(sandbox: Sandbox, overrides: Record<string, string | number> = {}): RunResult {
  return run(
    'ansible-playbook',
    [
      '--inventory',
      'localhost,',
      '--connection',
      'local',
      '--check',
      '--extra-vars',
      JSON.stringify({ ...BASE_VARS, ...overrides }),
      PREFLIGHT,
    ],
    sandbox,
  );
}

/**
 * One preflight-check.yml run for many cases: each case is an inventory host (this machine, over a
 * local connection, standing in for its own init node) whose host variables carry the base inputs
 * plus the case's own; host variables beat the playbook's group_vars, as the extra vars of
 * preflight() do. `extraVars` (the role's minimums, which only extra vars beat) apply to every case.
 * ansible.cfg's any_errors_fatal would stop every host at the first failure: here each host is
 * judged on its own (ANSIBLE_ANY_ERRORS_FATAL=False), which is the point of one host per case.
 */
function preflightCases(
  sandbox: Sandbox,
  cases: Record<string, Record<string, string | number>>,
  extraVars: Record<string, number>,
): RunResult {
  const hosts = Object.fromEntries(
    Object.entries(cases).map(([host, overrides]) => [
      host,
      {
        ansible_connection: 'local',
        ansible_python_interpreter: '{{ ansible_playbook_python }}',
        ...BASE_VARS,
        k8s_control_plane_init_host: host,
        ...overrides,
      },
    ]),
  );
  const inventory = join(sandbox.dir, 'preflight-cases.json');
  writeFileSync(inventory, JSON.stringify({ all: { hosts } }));
  return run(
    'ansible-playbook',
    ['--inventory', inventory, '--check', '--extra-vars', JSON.stringify(extraVars), PREFLIGHT],
    { ...sandbox, env: { ...sandbox.env, ANSIBLE_ANY_ERRORS_FATAL: 'False' } },
  );
}

/** What the run printed about one host: its failures, and its PLAY RECAP line. */
function hostReport(result: RunResult, host: string): { failures: string; recap: string } {
  // The default callback prints each host's result as one block, starting at column 0.
  const blocks = result.stdout.split(/\n(?=\S)/);
  const failures = blocks.filter((block) => block.startsWith(`fatal: [${host}]`)).join('\n');
  const recap = blocks.find((block) => new RegExp(`^${host}\\s+: ok=`).test(block)) ?? '';
  return { failures, recap };
}

describe('playbooks/preflight-check.yml on localhost in check mode', () => {
  let sandbox: Sandbox;
  let host: Capacity;

  beforeAll(() => {
    requireTool('ansible-playbook', 'apt-get install ansible (ansible-core 2.14)');
    sandbox = createSandbox();
    host = hostCapacity(sandbox);
  });
  afterAll(() => sandbox.remove());

  it("passes the default spec exactly when this machine meets the role's control-plane minimums", () => {
    // The role's own minimums, unchanged: the expectation follows this machine, whatever it is.
    const meets =
      host.vcpus >= MINIMUMS._k8s_control_plane_min_vcpus &&
      host.memoryMb >= MINIMUMS._k8s_control_plane_min_memory_mb;
    const result = preflight(sandbox);
    if (meets) {
      expect(result.status, result.output).toBe(0);
      expect(result.stdout).toMatch(/localhost\s+: ok=\d+ .*failed=0/);
    } else {
      expect(result.status, result.output).not.toBe(0);
      expect(result.stdout).toMatch(CAPACITY_FAILURE);
      expect(result.stdout).toContain(`this one has ${host.vcpus} and ${host.memoryMb} MB`);
    }
  });

  it.each([
    ['one vCPU', { vcpus: 1, memoryMb: 0 }],
    ['one MB of memory', { vcpus: 0, memoryMb: 1 }],
  ])('fails on a node %s short of the minimums', (_case, shortBy) => {
    const result = preflight(
      sandbox,
      minimumsOf({ vcpus: host.vcpus + shortBy.vcpus, memoryMb: host.memoryMb + shortBy.memoryMb }),
    );
    expect(result.status, result.output).not.toBe(0);
    expect(result.stdout).toMatch(/failed=1/);
    expect(result.stdout).toMatch(CAPACITY_FAILURE);
  });

  // Every case at this machine's minimums, so the case's own input is the only thing wrong;
  // plus one host with nothing wrong, which passes and reaches the sysctl and swap dry run.
  const INPUT_CASES: [string, Record<string, string>, RegExp][] = [
    [
      'a pod CIDR that is not a CIDR',
      { slipway_pod_cidr: 'not-a-cidr' },
      /pod\s+network\s+'not-a-cidr'\s+must\s+be\s+an\s+IPv4\s+network/,
    ],
    [
      'a pod CIDR with an impossible prefix',
      { slipway_pod_cidr: '10.244.0.0/33' },
      /pod\s+network\s+'10\.244\.0\.0\/33'/,
    ],
    [
      'a pod CIDR with host bits set',
      { slipway_pod_cidr: '10.244.1.0/16' },
      /pod\s+network\s+'10\.244\.1\.0\/16'/,
    ],
    ['a pod CIDR overlapping the service CIDR', { slipway_pod_cidr: '10.96.0.0/16' }, /overlap/],
    [
      'a service CIDR larger than /12',
      { slipway_service_cidr: '10.0.0.0/8' },
      /service\s+network\s+'10\.0\.0\.0\/8'/,
    ],
    [
      'an unsupported Kubernetes release',
      { slipway_kubernetes_version: '1.27' },
      /k8s_common_kubernetes_version\s+'1\.27'/,
    ],
    ['an unsupported Cilium release', { slipway_cilium_version: '1.12' }, /cilium_version\s+'1\.12'/],
    [
      'an API endpoint that is a URL',
      { slipway_api_endpoint: 'https://nlb:6443' },
      /k8s_control_plane_endpoint\s+must\s+be/,
    ],
  ];

  describe('one run, one inventory host per case', () => {
    let result: RunResult;
    const hostOf = (index: number) => `case-${index}`;

    beforeAll(() => {
      result = preflightCases(
        sandbox,
        {
          'at-minimums': {},
          ...Object.fromEntries(INPUT_CASES.map(([, overrides], index) => [hostOf(index), overrides])),
        },
        minimumsOf(host),
      );
    });

    it('passes every role preflight and dry-runs the sysctl and swap settings on a node at exactly the minimums', () => {
      const report = hostReport(result, 'at-minimums');
      expect(report.failures, result.output).toBe('');
      expect(report.recap, result.output).toMatch(/failed=0/);
      const sysctl = result.stdout
        .split(/\n(?=TASK \[)/)
        .find((block) =>
          block.startsWith('TASK [k8s-common : Set the kernel parameters Kubernetes networking needs]'),
        );
      expect(sysctl, result.output).toMatch(/^(ok|changed): \[at-minimums\]/m);
    });

    it.each(INPUT_CASES.map(([name, , message], index) => [name, index, message] as const))(
      'fails on %s',
      (_case, index, message) => {
        // The yaml callback folds long messages over several lines: the patterns match any whitespace.
        expect(result.status).not.toBe(0);
        const report = hostReport(result, hostOf(index));
        expect(report.recap, result.output).toMatch(/failed=1/);
        expect(report.failures, result.output).toMatch(message);
      },
    );
  });
});

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../support/tools.js';
import { ANSIBLE_DIR, createSandbox, type RunResult, run, type Sandbox } from './ansible-run.js';

const PREFLIGHT = join(ANSIBLE_DIR, 'playbooks/preflight-check.yml');

/** Runs preflight-check.yml against this machine in check mode with the given extra variables. */
function preflight(sandbox: Sandbox, overrides: Record<string, string> = {}): RunResult {
  const extraVars = {
    slipway_api_endpoint: 'acme-prod-api-0123456789abcdef.elb.eu-west-1.amazonaws.com',
    slipway_cluster_name: 'acme-prod',
    // Outside a cluster inventory the controller itself stands in for the init node.
    k8s_control_plane_init_host: 'localhost',
    ...overrides,
  };
  return run(
    'ansible-playbook',
    [
      '--inventory',
      'localhost,',
      '--connection',
      'local',
      '--check',
      '--extra-vars',
      JSON.stringify(extraVars),
      PREFLIGHT,
    ],
    sandbox,
  );
}

describe('playbooks/preflight-check.yml on localhost in check mode', () => {
  let sandbox: Sandbox;

  beforeAll(() => {
    requireTool('ansible-playbook', 'apt-get install ansible (ansible-core 2.14)');
    sandbox = createSandbox();
  });
  afterAll(() => sandbox.remove());

  it('passes every role preflight and dry-runs the sysctl and swap settings for the default spec', () => {
    const result = preflight(sandbox);
    expect(result.status, result.output).toBe(0);
    expect(result.stdout).toMatch(/localhost\s+: ok=\d+ .*failed=0/);
    expect(result.stdout).toMatch(
      /TASK \[k8s-common : Set the kernel parameters Kubernetes networking needs\]/,
    );
  });

  it.each([
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
  ])('fails on %s', (_case, overrides, message) => {
    // The yaml callback folds long messages over several lines: the patterns match any whitespace.
    const result = preflight(sandbox, overrides);
    expect(result.status, result.output).not.toBe(0);
    expect(result.stdout).toMatch(/failed=1/);
    expect(result.stdout).toMatch(message);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { BuildResult } from '../../../local/builds/build-record.js';
import { prepareBuildSource, REPO_ROOT } from '../../../local/builds/build-source.js';
import { LOCAL_BUCKETS, localProjectVariables } from '../../../local/builds/project-variables.js';
import { LocalBuildRunner } from '../../../local/builds/runner.js';
import { findTerraformProviderMirror } from '../../../local/builds/tools.js';
import { TERRAFORM_GC_ENV } from '../../gitops/terraform/terraform-env.js';
import { requireTool } from '../../support/tools.js';
import { logOf, plain } from './harness.js';

/**
 * The REAL buildspecs/terraform.yml and its scripts, run by the local build runner with the
 * simulators on PATH: fmt, init (provider mirror, no backend), validate and a plan+apply of the
 * whole root against mock_provider "aws" (`terraform test`) run on the real terraform; the state
 * and the ids only AWS assigns are simulated. Checks the phase contract's exports
 * (docs/phase-contract.md) over two runs of one environment: the first with the real tools, the
 * second fully simulated (SLIPWAY_LOCAL_REAL_TOOLS=none). The first run's validate is the suite's
 * one real `terraform validate` of the environment root (test/gitops/terraform/terraform-test.test.ts
 * relies on it and does not run its own).
 */
const SPEC = {
  tier: 'prod',
  region: 'eu-west-1',
  kubernetesVersion: '1.30',
  ciliumVersion: '1.16',
  cluster: {
    controlPlane: { count: 3, instanceType: 'm6i.large' },
    workers: { count: 2, instanceType: 'm6i.xlarge' },
  },
  network: { vpcCidr: '10.20.0.0/16', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
  namespaces: [],
  gitops: {
    repository: 'https://github.com/acme/platform-gitops.git',
    branch: 'main',
    path: 'tenants/acme/prod',
  },
};

let root = '';
let first: BuildResult;
let second: BuildResult;

beforeAll(async () => {
  requireTool('terraform', 'terraform >= 1.11 from releases.hashicorp.com');
  requireTool('jq', 'apt-get install jq');
  const mirror = findTerraformProviderMirror();
  if (!mirror) {
    throw new Error('no filesystem mirror of the hashicorp/aws provider found (set SLIPWAY_TF_PLUGIN_DIR)');
  }
  root = mkdtempSync(join(tmpdir(), 'slipway-local-terraform-'));
  const dataDir = join(root, 'data');
  const options = {
    dataDir,
    sourceDir: await prepareBuildSource(dataDir, { bundleRenderer: false }),
    projectVariables: localProjectVariables({ dataDir }),
    terraformProviderMirror: mirror,
    // The machine image's setting for the Go tools (see terraform-env.ts): less CPU, same plan.
    imageVariables: TERRAFORM_GC_ENV,
  };
  // Two runs of one environment: the second finds the state the first left and backs it up. The
  // first runs fmt/init/validate and the mock-provider plan+apply on the real terraform; the
  // second, fully simulated, is faster.
  first = await run(new LocalBuildRunner(options), 'acme.prod.000001.1a2b3c4d');
  second = await run(new LocalBuildRunner({ ...options, realTools: 'none' }), 'acme.prod.000002.5e6f7a8b');
}, 420_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

function outputsPath(runId: string): string {
  return join(root, 'data', 's3', LOCAL_BUCKETS.artifacts, `acme/prod/runs/${runId}/terraform-outputs.json`);
}

/** What a run published for the next phases (`terraform output -json`). */
function publishedOutputs(runId: string): Record<string, { value: unknown; type: unknown }> {
  return JSON.parse(readFileSync(outputsPath(runId), 'utf8')) as Record<
    string,
    { value: unknown; type: unknown }
  >;
}

function run(runner: LocalBuildRunner, runId: string): Promise<BuildResult> {
  return runner.build('terraform', {
    ProjectName: 'PhaseProjectsterraform',
    EnvironmentVariablesOverride: [
      plain('SLIPWAY_ORGANIZATION', 'acme'),
      plain('SLIPWAY_ENVIRONMENT', 'prod'),
      plain('SLIPWAY_RUN_ID', runId),
      plain('SLIPWAY_COMMIT', ''),
      plain('SLIPWAY_TRIGGER', 'api'),
      plain('SLIPWAY_SPEC', JSON.stringify(SPEC)),
      plain('SLIPWAY_PREVIOUS_OUTPUTS', '{}'),
    ],
  });
}

describe('buildspecs/terraform.yml in the local build runner', () => {
  it('exports the phase contract: outputs key, state backup key (from the second run on), cluster name, API endpoint', () => {
    const exported = (build: BuildResult['Build']) =>
      Object.fromEntries(build.ExportedEnvironmentVariables.map(({ Name, Value }) => [Name, Value]));
    expect(exported(first.Build)).toEqual({
      TF_OUTPUTS_S3_KEY: 'acme/prod/runs/acme.prod.000001.1a2b3c4d/terraform-outputs.json',
      // A first run has no state to back up.
      TF_STATE_BACKUP_S3_KEY: '',
      CLUSTER_NAME: 'acme-prod',
      API_ENDPOINT: expect.stringMatching(
        /^internal-acme-prod-api-[0-9a-f]{16}\.elb\.eu-west-1\.amazonaws\.com$/,
      ),
    });
    expect(exported(second.Build)).toEqual({
      ...exported(first.Build),
      TF_OUTPUTS_S3_KEY: 'acme/prod/runs/acme.prod.000002.5e6f7a8b/terraform-outputs.json',
      TF_STATE_BACKUP_S3_KEY: 'acme/prod/state-backups/acme.prod.000002.5e6f7a8b.tfstate',
    });

    const log = logOf(first.Build);
    // Real terraform ran what works offline (the committed lock file checked against the mirror);
    // the rest says it is simulated.
    expect(log).toContain('Success! The configuration is valid.');
    expect(log).toContain('the real terraform plans and applies the root against mock_provider "aws"');
    expect(log).toMatch(/"local_apply"\.\.\. pass/);
    expect(log).toMatch(
      /Saved the plan to: tfplan \((\d{2,}) resources planned and applied against mock_provider "aws"\)/,
    );
    expect(log).toContain('[simulated] terraform apply');
    expect(log).toContain('[simulated] aws s3 cp');
    expect(logOf(second.Build)).toContain('[simulated] terraform validate: not run');
  });

  it('publishes the outputs the mock-provider run computed from the real graph, with distinct ids', () => {
    const outputs = publishedOutputs('acme.prod.000001.1a2b3c4d');
    const values = Object.fromEntries(Object.entries(outputs).map(([name, { value }]) => [name, value]));
    // Every output of outputs.tf, each as the real graph typed it.
    const declared = [
      ...readFileSync(join(REPO_ROOT, 'gitops/terraform/environment/outputs.tf'), 'utf8').matchAll(
        /^output "([^"]+)"/gm,
      ),
    ].map((match) => match[1]);
    expect(Object.keys(outputs).sort()).toEqual(declared.sort());
    expect(outputs.control_plane_instance_ids?.type).toEqual(['tuple', ['string', 'string', 'string']]);
    // prod: one NAT gateway in each of 3 zones (tiers.tf) — a count only the evaluated graph
    // knows (the fully simulated apply reports a single address).
    const ipv4 = z.string().regex(/^203\.0\.113\.\d{1,3}$/);
    expect(z.array(ipv4).length(3).parse(values.nat_public_ips)).toHaveLength(3);
    expect(z.array(z.string().startsWith('subnet-')).length(3).parse(values.private_subnet_ids)).toHaveLength(
      3,
    );
    // The mock provider gives every instance one id; the published ones are distinct and shaped.
    const instances = z.array(z.string().regex(/^i-[0-9a-f]{17}$/));
    const nodes = [
      ...instances.length(3).parse(values.control_plane_instance_ids),
      ...instances.length(2).parse(values.worker_instance_ids),
    ];
    expect(new Set(nodes).size).toBe(5);
    expect(values).toMatchObject({
      cluster_name: 'acme-prod',
      region: 'eu-west-1',
      kubernetes_version: '1.30',
      cilium_version: '1.16',
      pod_cidr: '10.244.0.0/16',
      service_cidr: '10.96.0.0/12',
      api_port: 6443,
      ansible_inventory: { control_plane: nodes.slice(0, 3), workers: nodes.slice(3) },
    });
    expect(values.node_role_name).toMatch(/^acme-prod-node-[0-9a-f]{26}$/);
    // The organization's tenant-secrets role on its own path: the ArgoCD phase's renderer refuses any other.
    expect(values.tenant_secrets_role_arns).toEqual({
      acme: expect.stringMatching(
        /^arn:aws:iam::\d{12}:role\/slipway\/tenant-secrets\/acme-prod\/acme\/[\w+=,.@-]+$/,
      ),
    });
    // Fluent Bit's groups (modules/logs), the default retention: the ArgoCD phase's logging parameters.
    const logGroups = {
      workloads: '/slipway/acme/prod/workloads',
      platform: '/slipway/acme/prod/platform',
      retention_days: 30,
      shared: false,
    };
    expect(values.log_groups).toEqual(logGroups);
    // The ids are the simulator's deterministic ones: the fully simulated second run has the same.
    const simulated = publishedOutputs('acme.prod.000002.5e6f7a8b');
    expect(simulated.control_plane_instance_ids?.value).toEqual(values.control_plane_instance_ids);
    expect(simulated.vpc_id?.value).toEqual(values.vpc_id);
    expect(simulated.log_groups?.value).toEqual(logGroups);
  });

  it('publishes outputs the ansible phase can build its inventory from', () => {
    const outputsFile = outputsPath('acme.prod.000002.5e6f7a8b');
    const outputs = publishedOutputs('acme.prod.000002.5e6f7a8b');
    const contract = JSON.parse(
      readFileSync(join(REPO_ROOT, 'gitops/terraform/ansible-outputs.json'), 'utf8'),
    ) as {
      outputs: string[];
    };
    for (const name of contract.outputs) expect(outputs).toHaveProperty(name);

    const inventory = join(root, 'inventory.json');
    execFileSync(
      requireTool('python3', 'apt-get install python3'),
      [
        join(REPO_ROOT, 'gitops/ansible/inventory/from-terraform.py'),
        '--outputs',
        outputsFile,
        '--inventory',
        inventory,
      ],
      { stdio: 'pipe' },
    );
    const hosts = JSON.stringify(JSON.parse(readFileSync(inventory, 'utf8')));
    const controlPlane = z.array(z.string()).min(1).parse(outputs.control_plane_instance_ids?.value);
    for (const id of controlPlane) expect(hosts).toContain(id);
  });
});

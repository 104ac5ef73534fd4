import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvironmentSpec } from '../../../functions/domain/environment-spec.js';
import { requireTool } from '../../support/tools.js';
import { environmentDir, loadConfig, moduleDir, REPO_ROOT, requiredVariables } from './terraform-config.js';

const SCRIPTS = join(REPO_ROOT, 'buildspecs/scripts/terraform');

/** The environment spec of DESIGN.md ("Domain"), as the API stores it. */
const SPEC = {
  tier: 'prod',
  region: 'eu-west-1',
  kubernetesVersion: '1.30',
  ciliumVersion: '1.16',
  cluster: {
    controlPlane: { count: 3, instanceType: 'm6i.large' },
    workers: { count: 3, instanceType: 'm6i.xlarge' },
  },
  network: { vpcCidr: '10.20.0.0/16', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
  namespaces: [{ name: 'payments', quota: { cpu: '4', memory: '8Gi', pods: 40 } }],
  gitops: {
    repository: 'https://github.com/acme/platform-gitops.git',
    branch: 'main',
    path: 'tenants/acme/prod',
  },
};
type Spec = typeof SPEC;

const ROOT_OF_TIER = { dev: 'dev', staging: 'prod', prod: 'prod' } as const;

let terraform = '';
let workdir = '';

beforeAll(() => {
  requireTool('jq', 'apt-get install jq');
  requireTool('bash', 'apt-get install bash');
  terraform = requireTool(
    'terraform',
    'terraform >= 1.11 from releases.hashicorp.com (present on the machine image)',
  );
  workdir = mkdtempSync(join(tmpdir(), 'slipway-tfvars-'));
});

afterAll(() => {
  rmSync(workdir, { recursive: true, force: true });
});

function specFor(tier: string, change: (spec: Spec) => void = () => {}): Spec {
  const spec: Spec = structuredClone(SPEC);
  spec.tier = tier;
  change(spec);
  return spec;
}

function render(spec: unknown, out: string) {
  return spawnSync('bash', [join(SCRIPTS, 'render-tfvars.sh')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      SLIPWAY_SPEC: JSON.stringify(spec),
      SLIPWAY_ORGANIZATION: 'acme',
      SLIPWAY_ENVIRONMENT: 'prod',
      SLIPWAY_ARTIFACT_BUCKET: 'slipway-artifacts-123456789012',
      TFVARS_OUT: out,
    },
  });
}

function envDirOf(tier: string) {
  return spawnSync('bash', ['-c', `source ${join(SCRIPTS, 'lib.sh')} && terraform_env_dir`], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, SLIPWAY_SPEC: JSON.stringify(specFor(tier)) },
  });
}

/**
 * Runs the root's real variable declarations (types and validations) against the tfvars file,
 * together with the root's call of modules/cluster (main.tf: locals and that call only) into the
 * cluster module's real variable declarations, where the checks relating values to each other
 * live. Neither needs a provider: the resources stay out.
 */
function planVariables(root: string, tfvars: string, name: string) {
  const tree = mkdtempSync(join(workdir, `${name}-`));
  const dir = join(tree, 'environments', root);
  const cluster = join(tree, 'modules', 'cluster');
  mkdirSync(dir, { recursive: true });
  mkdirSync(cluster, { recursive: true });
  for (const file of ['variables.tf', 'main.tf'])
    copyFileSync(join(environmentDir(root), file), join(dir, file));
  copyFileSync(join(moduleDir('cluster'), 'variables.tf'), join(cluster, 'variables.tf'));
  copyFileSync(tfvars, join(dir, 'slipway.auto.tfvars.json'));
  const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
  const init = spawnSync(terraform, ['init', '-backend=false', '-input=false', '-no-color'], {
    cwd: dir,
    encoding: 'utf8',
    env,
  });
  expect(init.status, init.stderr).toBe(0);
  return spawnSync(terraform, ['plan', '-input=false', '-no-color'], { cwd: dir, encoding: 'utf8', env });
}

describe('render-tfvars.sh', () => {
  it('reads a spec the API accepts (functions/domain/environment-spec.ts), for every tier', () => {
    for (const tier of Object.keys(ROOT_OF_TIER)) {
      const parsed = EnvironmentSpec.safeParse(specFor(tier));
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    }
  });

  it.each(Object.entries(ROOT_OF_TIER))('sends tier %s to environments/%s', (tier, root) => {
    const result = envDirOf(tier);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`gitops/terraform/environments/${root}`);
  });

  it('refuses a tier it has no root configuration for', () => {
    const result = envDirOf('qa');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^ERROR - .*tier 'qa'/m);
  });

  it.each(Object.entries(ROOT_OF_TIER))(
    'writes exactly the variables of the %s root (environments/%s), every required one included',
    async (tier, root) => {
      const out = join(workdir, `${tier}.auto.tfvars.json`);
      const result = render(specFor(tier), out);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^INFO - wrote /m);

      const tfvars = z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(out, 'utf8')));
      const config = await loadConfig(environmentDir(root));
      const undeclared = Object.keys(tfvars).filter((key) => !config.variables.has(key));
      const missing = requiredVariables(config).filter((name) => !(name in tfvars));
      expect(undeclared).toEqual([]);
      expect(missing).toEqual([]);
      expect(tfvars).toMatchObject({
        organization: 'acme',
        environment: 'prod',
        tier,
        vpc_cidr: SPEC.network.vpcCidr,
        workers: { count: 3, instance_type: 'm6i.xlarge' },
        ssm_transfer_bucket: 'slipway-artifacts-123456789012',
      });
    },
  );

  it.each(Object.entries(ROOT_OF_TIER))(
    'produces values the %s root accepts (terraform plan over environments/%s and the cluster module variables)',
    (tier, root) => {
      const out = join(workdir, `plan-${tier}.auto.tfvars.json`);
      expect(render(specFor(tier), out).status).toBe(0);
      const plan = planVariables(root, out, tier);
      expect(plan.status, plan.stderr).toBe(0);
    },
  );

  it('names the missing spec field and writes nothing when the spec is incomplete', () => {
    const out = join(workdir, 'incomplete.auto.tfvars.json');
    const spec = specFor('prod', (value) => {
      Reflect.deleteProperty(value.network, 'podCidr');
    });
    const result = render(spec, out);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('SLIPWAY_SPEC has no .network.podCidr');
    expect(result.stderr).toMatch(/^ERROR - /m);
    expect(() => readFileSync(out)).toThrow();
  });

  it('leads terraform to refuse overlapping pod and VPC CIDRs', () => {
    const out = join(workdir, 'overlap.auto.tfvars.json');
    const spec = specFor('prod', (value) => {
      value.network.podCidr = '10.20.128.0/17';
    });
    expect(render(spec, out).status).toBe(0);
    const plan = planVariables('prod', out, 'overlap');
    expect(plan.status).not.toBe(0);
    expect(plan.stderr).toContain('pod_cidr must not overlap vpc_cidr');
  });

  it('leads terraform to refuse a prod environment with a single control-plane node', () => {
    const out = join(workdir, 'single.auto.tfvars.json');
    expect(
      render(
        specFor('prod', (value) => {
          value.cluster.controlPlane.count = 1;
        }),
        out,
      ).status,
    ).toBe(0);
    const plan = planVariables('prod', out, 'single');
    expect(plan.status).not.toBe(0);
    expect(plan.stderr).toContain('at least 3 control-plane nodes');
  });

  it('lets staging run a single control-plane node on the prod shape', () => {
    const out = join(workdir, 'staging-single.auto.tfvars.json');
    expect(
      render(
        specFor('staging', (value) => {
          value.cluster.controlPlane.count = 1;
        }),
        out,
      ).status,
    ).toBe(0);
    const plan = planVariables('prod', out, 'staging-single');
    expect(plan.status, plan.stderr).toBe(0);
  });

  it('writes JSON that is an object even for odd spec strings (no shell interpolation)', () => {
    const out = join(workdir, 'quoted.auto.tfvars.json');
    writeFileSync(out, '');
    const spec = specFor('dev', (value) => {
      value.region = 'eu-west-1"; echo pwned; "';
    });
    expect(render(spec, out).status).toBe(0);
    const tfvars = z.object({ region: z.string() }).parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(tfvars.region).toBe('eu-west-1"; echo pwned; "');
  });
});

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvironmentSpec, validateEnvironmentSpec } from '../../../functions/domain/environment-spec.js';
import { validSpec } from '../../support/fixtures.js';
import { requireTool } from '../../support/tools.js';
import { environmentDir, loadConfig, moduleDir, REPO_ROOT, requiredVariables } from './terraform-config.js';

const SCRIPTS = join(REPO_ROOT, 'buildspecs/scripts/terraform');

/** The sample environment spec (docs/api.md), as the API stores it. */
const SPEC = validSpec();
/** A spec whose tier may be one the validator refuses (some tests need exactly that). */
type Spec = Omit<EnvironmentSpec, 'tier'> & { tier: string };

/** Every tier the API knows; all of them go to the one environment root. */
const TIERS = ['dev', 'staging', 'prod'] as const;

/** The node permissions boundary CDK puts on the terraform project (SLIPWAY_NODE_PERMISSIONS_BOUNDARY). */
const BOUNDARY = 'arn:aws:iam::123456789012:policy/SlipwayStack-PhaseProjectsNodeBoundary1A2B3C-4D5E6F7G8H9I';

/** The variables CodeBuild gives render-tfvars.sh; a test may change or (with undefined) drop one. */
type RenderEnv = Record<string, string | undefined>;
const RENDER_ENV: RenderEnv = {
  SLIPWAY_ORGANIZATION: 'acme',
  SLIPWAY_ENVIRONMENT: 'prod',
  SLIPWAY_ARTIFACT_BUCKET: 'slipway-artifacts-123456789012',
  SLIPWAY_NODE_PERMISSIONS_BOUNDARY: BOUNDARY,
};

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
  const spec: Spec = validSpec();
  spec.tier = tier;
  change(spec);
  return spec;
}

function render(spec: unknown, out: string, overrides: RenderEnv = {}) {
  const variables = Object.entries({ ...RENDER_ENV, ...overrides }).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  return spawnSync('bash', [join(SCRIPTS, 'render-tfvars.sh')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      SLIPWAY_SPEC: JSON.stringify(spec),
      TFVARS_OUT: out,
      ...Object.fromEntries(variables),
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
function planVariables(tfvars: string, name: string) {
  const tree = mkdtempSync(join(workdir, `${name}-`));
  const dir = join(tree, 'environment');
  mkdirSync(dir, { recursive: true });
  for (const file of ['variables.tf', 'main.tf', 'tiers.tf'])
    copyFileSync(join(environmentDir(), file), join(dir, file));
  // Every module main.tf calls, by its variable declarations alone.
  for (const module of ['cluster', 'tenant-secrets', 'ingress', 'logs']) {
    mkdirSync(join(tree, 'modules', module), { recursive: true });
    copyFileSync(join(moduleDir(module), 'variables.tf'), join(tree, 'modules', module, 'variables.tf'));
  }
  // The outputs of the cluster module that main.tf passes on (to tenant_secrets, ingress and logs), as
  // constants: the module's real outputs need its resources, which stay out.
  const stubs = {
    node_role_arn: '"arn:aws:iam::123456789012:role/slipway/stub-node"',
    node_role_name: '"stub-node"',
    vpc_id: '"vpc-0123456789abcdef0"',
    public_subnet_ids: '["subnet-0123456789abcdef0"]',
    node_security_group_id: '"sg-0123456789abcdef0"',
    worker_instance_ids: '["i-0123456789abcdef0"]',
    control_plane_instance_ids: '["i-0123456789abcdef1"]',
  };
  writeFileSync(
    join(tree, 'modules', 'cluster', 'outputs.tf'),
    Object.entries(stubs)
      .map(([name, value]) => `output "${name}" {\n  value = ${value}\n}\n`)
      .join('\n'),
  );
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
    for (const tier of TIERS) {
      const parsed = EnvironmentSpec.safeParse(specFor(tier));
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    }
  });

  it.each(TIERS)('sends tier %s to the one environment root', (tier) => {
    const result = envDirOf(tier);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('gitops/terraform/environment');
  });

  it('refuses a tier it has no root configuration for', () => {
    const result = envDirOf('qa');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^ERROR - .*tier 'qa'/m);
  });

  it.each(TIERS)(
    'writes exactly the variables of the environment root for tier %s, every required one included',
    async (tier) => {
      const out = join(workdir, `${tier}.auto.tfvars.json`);
      const result = render(specFor(tier), out);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^INFO - wrote /m);

      const tfvars = z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(out, 'utf8')));
      const config = await loadConfig(environmentDir());
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
        permissions_boundary_arn: BOUNDARY,
      });
    },
  );

  it.each(TIERS)(
    'produces values the root accepts for tier %s (terraform plan over the root and the cluster module variables)',
    (tier) => {
      const out = join(workdir, `plan-${tier}.auto.tfvars.json`);
      expect(render(specFor(tier), out).status).toBe(0);
      const plan = planVariables(out, tier);
      expect(plan.status, plan.stderr).toBe(0);
    },
  );

  it('passes spec.ingress on as the ingress variable (null without it), which the root and the ingress module accept', () => {
    const without = join(workdir, 'no-ingress.auto.tfvars.json');
    expect(render(specFor('prod'), without).status).toBe(0);
    expect(JSON.parse(readFileSync(without, 'utf8')).ingress).toBeNull();
    const out = join(workdir, 'ingress.auto.tfvars.json');
    const spec = specFor('prod', (value) => {
      Object.assign(value, {
        ingress: { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      });
    });
    expect(EnvironmentSpec.safeParse(spec).success).toBe(true);
    expect(render(spec, out).status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).ingress).toEqual({
      domain: 'apps.example.com',
      hosted_zone_id: 'Z0123456789ABCDEFGHIJ',
    });
    const plan = planVariables(out, 'ingress');
    expect(plan.status, plan.stderr).toBe(0);
  });

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
    const plan = planVariables(out, 'overlap');
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
    const plan = planVariables(out, 'single');
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
    const plan = planVariables(out, 'staging-single');
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
  it('refuses to render without SLIPWAY_NODE_PERMISSIONS_BOUNDARY, naming the variable', () => {
    const out = join(workdir, 'no-boundary.auto.tfvars.json');
    const result = render(specFor('prod'), out, { SLIPWAY_NODE_PERMISSIONS_BOUNDARY: undefined });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(
      /^ERROR - required environment variable SLIPWAY_NODE_PERMISSIONS_BOUNDARY is not set$/m,
    );
    expect(() => readFileSync(out)).toThrow();
  });

  it.each([
    ['a role ARN', 'arn:aws:iam::123456789012:role/slipway/node'],
    ['an AWS-managed policy', 'arn:aws:iam::aws:policy/AdministratorAccess'],
    ['no ARN at all', 'SlipwayNodeBoundary'],
  ])('leads terraform to refuse a permissions boundary that is %s', (_case, arn) => {
    const out = join(workdir, `boundary-${arn.replace(/\W+/g, '-')}.auto.tfvars.json`);
    expect(render(specFor('dev'), out, { SLIPWAY_NODE_PERMISSIONS_BOUNDARY: arn }).status).toBe(0);
    const plan = planVariables(out, 'boundary');
    expect(plan.status).not.toBe(0);
    expect(plan.stderr).toContain(
      'permissions_boundary_arn must be the ARN of a customer-managed IAM policy',
    );
  });

  it('passes a boundary policy ARN with a path and a GovCloud partition', () => {
    const out = join(workdir, 'boundary-path.auto.tfvars.json');
    const arn = 'arn:aws-us-gov:iam::123456789012:policy/slipway/boundaries/SlipwayNodeBoundary';
    expect(render(specFor('prod'), out, { SLIPWAY_NODE_PERMISSIONS_BOUNDARY: arn }).status).toBe(0);
    const plan = planVariables(out, 'boundary-path');
    expect(plan.status, plan.stderr).toBe(0);
  });

  /*
   * The API's validator and Terraform must agree: a spec the API accepts must plan, and a spec
   * Terraform refuses must already be refused at the API (with the same organization/environment).
   */
  describe('agrees with the API validator (functions/domain/environment-spec.ts)', () => {
    function verdicts(name: string, spec: Spec, context = { organization: 'acme', environment: 'prod' }) {
      const out = join(workdir, `${name}.auto.tfvars.json`);
      const rendered = render(spec, out, {
        SLIPWAY_ORGANIZATION: context.organization,
        SLIPWAY_ENVIRONMENT: context.environment,
      });
      expect(rendered.status, rendered.stderr).toBe(0);
      const plan = planVariables(out, name);
      return { api: validateEnvironmentSpec(spec, context), plan };
    }

    it.each(['10.20.0.0/25', '10.20.0.0/28'])('both refuse VPC CIDR %s', (vpcCidr) => {
      const { api, plan } = verdicts(
        'vpc-small',
        specFor('dev', (value) => {
          value.network.vpcCidr = vpcCidr;
        }),
      );
      expect(api.ok).toBe(false);
      expect(plan.status).not.toBe(0);
      expect(plan.stderr).toContain('prefix length between /16 and /24');
    });

    it('both accept a /24 VPC', () => {
      const { api, plan } = verdicts(
        'vpc-24',
        specFor('dev', (value) => {
          value.network.vpcCidr = '10.20.0.0/24';
        }),
      );
      expect(api.ok).toBe(true);
      expect(plan.status, plan.stderr).toBe(0);
    });

    it('both refuse a cluster name <organization>-<environment> of 41 characters', () => {
      const { api, plan } = verdicts('long-name', specFor('dev'), {
        organization: 'o'.repeat(20),
        environment: 'e'.repeat(20),
      });
      expect(api.ok).toBe(false);
      if (!api.ok) expect(api.issues.map((found) => found.field)).toContain('environment');
      expect(plan.status).not.toBe(0);
      expect(plan.stderr).toContain('must be at most 40 characters');
    });

    it('both accept a cluster name of exactly 40 characters', () => {
      const { api, plan } = verdicts('name-40', specFor('dev'), {
        organization: 'o'.repeat(20),
        environment: 'e'.repeat(19),
      });
      expect(api.ok).toBe(true);
      expect(plan.status, plan.stderr).toBe(0);
    });

    it.each(['m7i.metal-24xl', 'm7i-flex.large', 'u7i-12tb.224xlarge'])(
      'both accept instance type %s',
      (type) => {
        const { api, plan } = verdicts(
          `type-${type}`,
          specFor('prod', (value) => {
            value.cluster.controlPlane.instanceType = type;
            value.cluster.workers.instanceType = type;
          }),
        );
        expect(api.ok).toBe(true);
        expect(plan.status, plan.stderr).toBe(0);
      },
    );

    it.each(['m6i..large', 'm6i.large-', 'M6i.large'])('both refuse instance type %j', (type) => {
      const { api, plan } = verdicts(
        `bad-type-${type}`,
        specFor('prod', (value) => {
          value.cluster.workers.instanceType = type;
        }),
      );
      expect(api.ok).toBe(false);
      expect(plan.status).not.toBe(0);
      expect(plan.stderr).toContain('workers.instance_type must be an EC2 instance type');
    });
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CLUSTER_NAME_MAX,
  INSTANCE_TYPE,
  VPC_PREFIX_MAX,
  VPC_PREFIX_MIN,
} from '../../../functions/domain/environment-spec.js';
import { requireTool } from '../../support/tools.js';
import { environmentDir, loadConfig, MODULES, moduleDir, type TerraformConfig } from './terraform-config.js';

/**
 * The API's validator (functions/domain/spec/aws.ts) and the Terraform variables that receive the
 * same values must draw the same line: a spec the API accepts has to plan. The instance-type
 * pattern is compared character for character and, through `terraform console`, by what Terraform's
 * RE2 engine and JavaScript's engine each make of the same inputs.
 */

const INSTANCE_TYPES = [
  'm6i.large',
  't4g.nano',
  'c7gn.16xlarge',
  'm7i.metal-24xl',
  'm7i-flex.large',
  'u-6tb1.metal',
  'u7i-12tb.224xlarge',
  'mac2-m2pro.metal',
  'large',
  'm6i.',
  '.large',
  'M6i.large',
  'm6i..large',
  'm6i.large.x',
  'm6i.large-',
  '-m6i.large',
  'm6i-.large',
  '6i.large',
  'm6i.metal--24xl',
  'm6i.lar ge',
  'm6i.large\n',
];

const configs = new Map<string, TerraformConfig>();
let terraform = '';
let workdir = '';

beforeAll(async () => {
  terraform = requireTool('terraform', 'terraform >= 1.11 from releases.hashicorp.com');
  workdir = mkdtempSync(join(tmpdir(), 'slipway-spec-parity-'));
  for (const name of MODULES) configs.set(`modules/${name}`, await loadConfig(moduleDir(name)));
  configs.set('environment', await loadConfig(environmentDir()));
});

afterAll(() => {
  rmSync(workdir, { recursive: true, force: true });
});

/** Every validation condition of every variable, with where it is declared. */
function conditions(): Array<{ where: string; condition: string }> {
  return [...configs].flatMap(([key, config]) =>
    [...config.variables].flatMap(([name, body]) =>
      z
        .array(z.object({ condition: z.string() }))
        .parse(body.validation ?? [])
        .map(({ condition }) => ({ where: `${key} var.${name}`, condition })),
    ),
  );
}

/** The HCL string literals (quotes and escapes as written) of `regex("...", <...>instance_type)`. */
function instanceTypePatterns(): Array<{ where: string; literal: string }> {
  return conditions().flatMap(({ where, condition }) =>
    [...condition.matchAll(/regex\(("(?:[^"\\]|\\.)*"),\s*[\w.]*instance_type\)/g)].map((match) => ({
      where,
      literal: match[1] ?? '',
    })),
  );
}

/** What Terraform's regex() makes of each input, evaluated by `terraform console`. */
function terraformMatches(literal: string, inputs: readonly string[]): boolean[] {
  const expression = `jsonencode([for t in ${JSON.stringify(inputs)} : can(regex(${literal}, t))])`;
  const result = spawnSync(terraform, ['console'], {
    cwd: workdir,
    input: `${expression}\n`,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  expect(result.status, result.stderr).toBe(0);
  return z.array(z.boolean()).parse(JSON.parse(z.string().parse(JSON.parse(result.stdout.trim()))));
}

describe('the API validator and the Terraform variables', () => {
  it('check instance types with one pattern, written identically everywhere', () => {
    const patterns = instanceTypePatterns();
    // compute (control_plane, workers), cluster (nodes), dev and prod roots (control_plane, workers)
    expect(patterns.map(({ where }) => where).sort()).toEqual(
      [
        'environment var.control_plane',
        'environment var.workers',
        'modules/cluster var.nodes',
        'modules/compute var.control_plane',
        'modules/compute var.workers',
      ].sort(),
    );
    for (const { where, literal } of patterns) {
      expect(JSON.parse(literal), where).toBe(INSTANCE_TYPE.source);
    }
  });

  it('accept and refuse exactly the same instance types', () => {
    const [first] = instanceTypePatterns();
    if (!first) throw new Error('no instance type pattern found');
    const expected = INSTANCE_TYPES.map((type) => INSTANCE_TYPE.test(type));
    expect(expected.filter(Boolean).length).toBe(8);
    const actual = terraformMatches(first.literal, INSTANCE_TYPES);
    expect(Object.fromEntries(INSTANCE_TYPES.map((type, index) => [type, actual[index]]))).toEqual(
      Object.fromEntries(INSTANCE_TYPES.map((type, index) => [type, expected[index]])),
    );
  });

  it(`bound the VPC prefix to /${VPC_PREFIX_MIN}../${VPC_PREFIX_MAX} in the vpc module and both roots`, () => {
    const vpcChecks = conditions().filter(
      ({ where }) => where === 'modules/vpc var.cidr' || where.endsWith(' var.vpc_cidr'),
    );
    expect(vpcChecks.map(({ where }) => where).sort()).toEqual([
      'environment var.vpc_cidr',
      'modules/vpc var.cidr',
    ]);
    for (const { where, condition } of vpcChecks) {
      expect(condition, where).toMatch(new RegExp(`>= ${VPC_PREFIX_MIN}\\b`));
      expect(condition, where).toMatch(new RegExp(`<= ${VPC_PREFIX_MAX}\\b`));
    }
  });

  it(`limit the cluster name to ${CLUSTER_NAME_MAX} characters in the cluster module`, () => {
    const nameChecks = conditions().filter(({ where }) => where === 'modules/cluster var.name');
    expect(nameChecks.map(({ condition }) => condition)).toContain(
      `\${length(var.name) <= ${CLUSTER_NAME_MAX}}`,
    );
  });
});

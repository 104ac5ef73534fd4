import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ansibleOutputs,
  ENVIRONMENTS,
  environmentDir,
  expression,
  loadConfig,
  nestedBlocks,
  requiredVariables,
  TERRAFORM_ROOT,
  type TerraformConfig,
} from './terraform-config.js';

/** Arguments of a module block that Terraform itself interprets, not the module's variables. */
const META_ARGUMENTS = new Set(['source', 'version', 'providers', 'depends_on', 'count', 'for_each']);

interface ModuleCall {
  readonly environment: string;
  readonly name: string;
  readonly args: string[];
  readonly target: TerraformConfig;
}

const environments = new Map<string, TerraformConfig>();
const calls: ModuleCall[] = [];

function environment(name: string): TerraformConfig {
  const found = environments.get(name);
  if (!found) throw new Error(`environment ${name} was not loaded`);
  return found;
}

beforeAll(async () => {
  for (const name of ENVIRONMENTS) {
    const config = await loadConfig(environmentDir(name));
    environments.set(name, config);
    for (const [moduleName, body] of config.modules) {
      const source = z.string().parse(body.source);
      calls.push({
        environment: name,
        name: moduleName,
        args: Object.keys(body).filter((key) => !META_ARGUMENTS.has(key)),
        target: await loadConfig(resolve(config.dir, source)),
      });
    }
  }
});

describe('terraform environments', () => {
  it.each(ENVIRONMENTS)('composes the vpc, security and compute modules in %s', (name) => {
    const sources = [...environment(name).modules.values()].map((body) => body.source);
    expect(sources.sort()).toEqual(['../../modules/compute', '../../modules/security', '../../modules/vpc']);
  });

  it('passes every required variable of each called module', () => {
    expect(calls.length).toBe(ENVIRONMENTS.length * 3);
    for (const call of calls) {
      const missing = requiredVariables(call.target).filter((variable) => !call.args.includes(variable));
      expect(missing, `${call.environment}: module.${call.name}`).toEqual([]);
    }
  });

  it('passes no argument a called module does not declare', () => {
    for (const call of calls) {
      const unknown = call.args.filter((arg) => !call.target.variables.has(arg));
      expect(unknown, `${call.environment}: module.${call.name}`).toEqual([]);
    }
  });

  it('reads only outputs the called modules declare', () => {
    for (const name of ENVIRONMENTS) {
      const config = environment(name);
      const targets = new Map(
        calls.filter((call) => call.environment === name).map((call) => [call.name, call.target]),
      );
      for (const [file, text] of config.sources) {
        for (const [, moduleName = '', output = ''] of text.matchAll(/\bmodule\.([a-z_]+)\.([a-z_]+)/g)) {
          expect(
            targets.get(moduleName)?.outputs.has(output),
            `${name}/${file}: module.${moduleName}.${output}`,
          ).toBe(true);
        }
      }
    }
  });

  it.each(ENVIRONMENTS)('declares every output the Ansible phase reads in %s', (name) => {
    const declared = environment(name).outputs;
    const missing = ansibleOutputs().filter((output) => !declared.has(output));
    expect(missing).toEqual([]);
  });

  it('gives the dev and prod roots the same outputs, so later phases never depend on the tier', () => {
    const [dev, prod] = ENVIRONMENTS.map((name) => [...environment(name).outputs.keys()].sort());
    expect(dev).toEqual(prod);
  });

  it('documents every Ansible-facing output in gitops/terraform/README.md', () => {
    const readme = readFileSync(join(TERRAFORM_ROOT, 'README.md'), 'utf8');
    const undocumented = ansibleOutputs().filter((output) => !readme.includes(`\`${output}\``));
    expect(undocumented).toEqual([]);
  });

  it.each(ENVIRONMENTS)(
    'exposes ansible_inventory in %s as instance ids by group control_plane and workers',
    (name) => {
      expect(environment(name).outputs.get('ansible_inventory')?.value).toEqual({
        control_plane: expression('module.compute.control_plane_instance_ids'),
        workers: expression('module.compute.worker_instance_ids'),
      });
    },
  );

  it.each(ENVIRONMENTS)('keeps state in a partial S3 backend with S3-native locking in %s', (name) => {
    const backends = environment(name).terraformBlocks.flatMap((block) =>
      nestedBlocks(z.record(z.string(), z.unknown()).parse(block.backend ?? {}), 's3'),
    );
    expect(backends).toHaveLength(1);
    const [s3] = backends;
    expect(s3?.use_lockfile).toBe(true);
    // bucket, key and region come from -backend-config so one root serves every organization.
    expect(s3).not.toHaveProperty('bucket');
    expect(s3).not.toHaveProperty('key');
    expect(s3).not.toHaveProperty('dynamodb_table');
  });

  it.each(ENVIRONMENTS)(
    'tags everything through provider default_tags with managed-by = slipway in %s',
    (name) => {
      const config = environment(name);
      const providers = [...config.sources.values()].join('\n');
      expect(providers).toMatch(/default_tags\s*\{\s*tags\s*=\s*local\.tags/);
      const tags = String(config.locals.tags);
      for (const key of ['organization', 'environment', 'managed-by']) expect(tags).toContain(key);
      expect(tags).toMatch(/managed-by\s*=\s*\\?"slipway\\?"/);
    },
  );

  it('gives prod one NAT gateway per zone and dev a single one', () => {
    expect(environment('prod').modules.get('vpc')?.nat_gateway_strategy).toBe('one_per_az');
    expect(environment('dev').modules.get('vpc')?.nat_gateway_strategy).toBe('single');
  });
});

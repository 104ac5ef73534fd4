import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
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
  /** The calling configuration: the root itself or a module below it. */
  readonly caller: TerraformConfig;
  readonly name: string;
  readonly source: string;
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

/** Path of a configuration relative to gitops/terraform: environments/dev, modules/cluster. */
function key(config: TerraformConfig): string {
  return relative(TERRAFORM_ROOT, config.dir);
}

/** Every module call of a root, following calls into the called modules (root → cluster → vpc...). */
async function collectCalls(name: string, caller: TerraformConfig): Promise<void> {
  for (const [moduleName, body] of caller.modules) {
    const source = z.string().parse(body.source);
    const target = await loadConfig(resolve(caller.dir, source));
    calls.push({
      environment: name,
      caller,
      name: moduleName,
      source,
      args: Object.keys(body).filter((key) => !META_ARGUMENTS.has(key)),
      target,
    });
    await collectCalls(name, target);
  }
}

function callsFrom(name: string, callerKey: string): ModuleCall[] {
  return calls.filter((call) => call.environment === name && key(call.caller) === callerKey);
}

beforeAll(async () => {
  for (const name of ENVIRONMENTS) {
    const config = await loadConfig(environmentDir(name));
    environments.set(name, config);
    await collectCalls(name, config);
  }
});

describe('terraform environments', () => {
  it.each(ENVIRONMENTS)(
    'composes the vpc, security and compute modules in %s (through modules/cluster)',
    (name) => {
      expect(callsFrom(name, `environments/${name}`).map((call) => call.source)).toEqual([
        '../../modules/cluster',
      ]);
      const sources = callsFrom(name, 'modules/cluster').map((call) => call.source);
      expect(sources.sort()).toEqual(['../compute', '../security', '../vpc']);
    },
  );

  it('passes every required variable of each called module', () => {
    // Per root: module.cluster, and module.vpc, module.security and module.compute inside it.
    expect(calls.length).toBe(ENVIRONMENTS.length * 4);
    for (const call of calls) {
      const missing = requiredVariables(call.target).filter((variable) => !call.args.includes(variable));
      expect(missing, `${call.environment}: ${key(call.caller)} module.${call.name}`).toEqual([]);
    }
  });

  it('passes no argument a called module does not declare', () => {
    for (const call of calls) {
      const unknown = call.args.filter((arg) => !call.target.variables.has(arg));
      expect(unknown, `${call.environment}: ${key(call.caller)} module.${call.name}`).toEqual([]);
    }
  });

  it('reads only outputs the called modules declare', () => {
    const callers = new Map(calls.map((call) => [`${call.environment} ${key(call.caller)}`, call]));
    expect(callers.size).toBe(ENVIRONMENTS.length * 2);
    for (const { environment: name, caller } of callers.values()) {
      const targets = new Map(callsFrom(name, key(caller)).map((call) => [call.name, call.target] as const));
      for (const [file, text] of caller.sources) {
        for (const [, moduleName = '', output = ''] of text.matchAll(
          /\bmodule\.([a-z_]+)\.(?!module\.)([a-z_]+)/g,
        )) {
          expect(
            targets.get(moduleName)?.outputs.has(output),
            `${name}: ${key(caller)}/${file}: module.${moduleName}.${output}`,
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
      expect(environment(name).outputs.get('ansible_inventory')?.value).toBe(
        expression('module.cluster.ansible_inventory'),
      );
      const [cluster] = callsFrom(name, `environments/${name}`);
      expect(cluster?.target.outputs.get('ansible_inventory')?.value).toEqual({
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
    const Shape = z.object({ nat_gateway_strategy: z.unknown() });
    const shape = (name: string) => Shape.parse(environment(name).modules.get('cluster')?.shape);
    expect(shape('prod').nat_gateway_strategy).toBe('one_per_az');
    expect(shape('dev').nat_gateway_strategy).toBe('single');
    for (const name of ENVIRONMENTS) {
      const vpc = callsFrom(name, 'modules/cluster').find((call) => call.name === 'vpc');
      expect(vpc?.caller.modules.get('vpc')?.nat_gateway_strategy).toBe(
        expression('var.shape.nat_gateway_strategy'),
      );
    }
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ansibleOutputs,
  ENVIRONMENT_ROOT,
  environmentDir,
  expression,
  loadConfig,
  nestedBlocks,
  requiredVariables,
  TERRAFORM_ROOT,
  type TerraformConfig,
  TIERS,
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

let root: TerraformConfig;
const calls: ModuleCall[] = [];

/** Path of a configuration relative to gitops/terraform: environment, modules/cluster. */
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
  root = await loadConfig(environmentDir());
  await collectCalls(ENVIRONMENT_ROOT, root);
});

describe('terraform environments', () => {
  it('composes the vpc, security and compute modules (through modules/cluster), the tenant secret roles, the ingress load balancer and the log groups', () => {
    expect(callsFrom(ENVIRONMENT_ROOT, ENVIRONMENT_ROOT).map((call) => call.source)).toEqual([
      '../modules/cluster',
      '../modules/ingress',
      '../modules/logs',
      '../modules/tenant-secrets',
    ]);
    const sources = callsFrom(ENVIRONMENT_ROOT, 'modules/cluster').map((call) => call.source);
    expect(sources.sort()).toEqual(['../compute', '../security', '../vpc']);
  });

  it('is the only root: no per-tier copies under environments/', () => {
    expect(existsSync(join(TERRAFORM_ROOT, 'environments'))).toBe(false);
  });

  it('passes every required variable of each called module', () => {
    // Per root: module.cluster, module.tenant_secrets, module.ingress and module.logs, and module.vpc,
    // module.security and module.compute inside modules/cluster.
    expect(calls.length).toBe(7);
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
    expect(callers.size).toBe(2);
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

  it('declares every output the Ansible phase reads', () => {
    const missing = ansibleOutputs().filter((output) => !root.outputs.has(output));
    expect(missing).toEqual([]);
  });

  it('documents every Ansible-facing output in gitops/terraform/README.md', () => {
    const readme = readFileSync(join(TERRAFORM_ROOT, 'README.md'), 'utf8');
    const undocumented = ansibleOutputs().filter((output) => !readme.includes(`\`${output}\``));
    expect(undocumented).toEqual([]);
  });

  it('exposes ansible_inventory as instance ids by group control_plane and workers', () => {
    expect(root.outputs.get('ansible_inventory')?.value).toBe(expression('module.cluster.ansible_inventory'));
    const [cluster] = callsFrom(ENVIRONMENT_ROOT, ENVIRONMENT_ROOT);
    expect(cluster?.target.outputs.get('ansible_inventory')?.value).toEqual({
      control_plane: expression('module.compute.control_plane_instance_ids'),
      workers: expression('module.compute.worker_instance_ids'),
    });
  });

  it('keeps state in a partial S3 backend with S3-native locking', () => {
    const backends = root.terraformBlocks.flatMap((block) =>
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

  it('tags everything through provider default_tags with managed-by = slipway', () => {
    const providers = [...root.sources.values()].join('\n');
    expect(providers).toMatch(/default_tags\s*\{\s*tags\s*=\s*local\.tags/);
    const tags = String(root.locals.tags);
    for (const key of ['organization', 'environment', 'managed-by']) expect(tags).toContain(key);
    expect(tags).toMatch(/managed-by\s*=\s*\\?"slipway\\?"/);
  });

  it('keeps every tier difference in tiers.tf: prod and staging one NAT gateway per zone, dev a single one', () => {
    const Tier = z.object({ nat_gateway_strategy: z.string(), min_control_plane_nodes: z.number() });
    const tiers = z.record(z.string(), Tier).parse(root.locals.tiers);
    expect(Object.keys(tiers).sort()).toEqual([...TIERS].sort());
    expect(tiers.prod?.nat_gateway_strategy).toBe('one_per_az');
    expect(tiers.staging?.nat_gateway_strategy).toBe('one_per_az');
    expect(tiers.dev?.nat_gateway_strategy).toBe('single');
    expect(tiers.prod?.min_control_plane_nodes).toBe(3);
    // main.tf reads the shape from the tier, never a literal of its own.
    const shape = z.record(z.string(), z.unknown()).parse(root.modules.get('cluster')?.shape);
    for (const value of Object.values(shape)) expect(String(value)).toMatch(/local\.tier\./);
    const vpc = callsFrom(ENVIRONMENT_ROOT, 'modules/cluster').find((call) => call.name === 'vpc');
    expect(vpc?.caller.modules.get('vpc')?.nat_gateway_strategy).toBe(
      expression('var.shape.nat_gateway_strategy'),
    );
  });
});

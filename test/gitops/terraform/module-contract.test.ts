import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  COMPOSITION_MODULES,
  environmentDir,
  expression,
  loadConfig,
  MODULE_FILES,
  MODULES,
  moduleDir,
  RESOURCE_MODULES,
  type TerraformConfig,
} from './terraform-config.js';

const VersionsBlock = z.object({
  required_version: z.string(),
  required_providers: z.array(z.object({ aws: z.object({ source: z.string(), version: z.string() }) })),
});

const configs = new Map<string, TerraformConfig>();

function config(key: string): TerraformConfig {
  const found = configs.get(key);
  if (!found) throw new Error(`configuration ${key} was not loaded`);
  return found;
}

const ALL = [
  ...MODULES.map((name) => ({ key: `modules/${name}`, dir: moduleDir(name) })),
  { key: 'environment', dir: environmentDir() },
];

beforeAll(async () => {
  for (const { key, dir } of ALL) configs.set(key, await loadConfig(dir));
});

describe('terraform module contract', () => {
  it.each(MODULES)('gives module %s main.tf, variables.tf, outputs.tf and versions.tf', (name) => {
    const missing = MODULE_FILES.filter((file) => !existsSync(join(moduleDir(name), file)));
    expect(missing).toEqual([]);
  });

  it.each(RESOURCE_MODULES)('names the primary resource of module %s "this"', (name) => {
    const primaries = config(`modules/${name}`).resources.filter((resource) => resource.name === 'this');
    expect(primaries.length).toBeGreaterThan(0);
  });

  it.each(COMPOSITION_MODULES)(
    'leaves every resource of composition module %s to the modules it calls',
    (name) => {
      expect(config(`modules/${name}`).resources).toEqual([]);
      expect(config(`modules/${name}`).modules.size).toBeGreaterThan(0);
    },
  );

  it.each(ALL.map(({ key }) => key))('pins Terraform >= 1.11 and the AWS provider to 5.x in %s', (key) => {
    const versions = config(key).terraformBlocks.map((block) => VersionsBlock.safeParse(block));
    const parsed = versions.find((result) => result.success)?.data;
    expect(
      parsed,
      `${key} has no terraform block with required_version and required_providers`,
    ).toBeDefined();
    expect(parsed?.required_version).toMatch(/^>=\s*1\.11/);
    const aws = parsed?.required_providers[0]?.aws;
    expect(aws?.source).toBe('hashicorp/aws');
    expect(aws?.version).toMatch(/^~>\s*5\.\d+$/);
  });

  it.each(ALL.map(({ key }) => key))('gives every variable of %s a type and a description', (key) => {
    const incomplete = [...config(key).variables]
      .filter(([, body]) => typeof body.type !== 'string' || typeof body.description !== 'string')
      .map(([name]) => name);
    expect(incomplete).toEqual([]);
    for (const [name, body] of config(key).variables) {
      expect(String(body.description).length, `${key} var.${name} description`).toBeGreaterThan(10);
    }
  });

  it.each(ALL.map(({ key }) => key))(
    'types no variable of %s as any (not even inside a collection)',
    (key) => {
      const loose = [...config(key).variables]
        .filter(([, body]) => /\bany\b/.test(String(body.type)))
        .map(([name]) => name);
      expect(loose).toEqual([]);
    },
  );

  it.each(ALL.map(({ key }) => key))(
    'validates every variable of %s whose value can be wrong (all but booleans)',
    (key) => {
      const unchecked = [...config(key).variables]
        .filter(([, body]) => body.type !== expression('bool') && body.validation === undefined)
        .map(([name]) => name);
      expect(unchecked).toEqual([]);
    },
  );

  it.each(ALL.map(({ key }) => key))('describes every output of %s', (key) => {
    const undocumented = [...config(key).outputs]
      .filter(([, body]) => typeof body.description !== 'string' || body.description.length === 0)
      .map(([name]) => name);
    expect(undocumented).toEqual([]);
  });

  it.each(MODULES)('guards outputs of optional resources in module %s with try()', (name) => {
    const module = config(`modules/${name}`);
    const optional = module.resources
      .filter((resource) => /\?/.test(String(resource.body.count ?? resource.body.for_each ?? '')))
      .map((resource) => `${resource.type}.${resource.name}`);
    for (const [output, body] of module.outputs) {
      const value = String(body.value);
      for (const address of optional) {
        if (value.includes(address)) expect(value, `output ${output} reads ${address}`).toMatch(/try\(/);
      }
    }
  });

  it.each(MODULES)(
    'validates the tags of module %s so organization, environment and managed-by are never missing',
    (name) => {
      const tags = config(`modules/${name}`).variables.get('tags');
      expect(tags?.type).toBe(expression('map(string)'));
      expect(JSON.stringify(tags?.validation)).toContain('managed-by');
    },
  );
});

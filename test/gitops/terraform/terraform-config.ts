import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { z } from 'zod';

/** Repository root and the Terraform tree the phase applies. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const TERRAFORM_ROOT = join(REPO_ROOT, 'gitops/terraform');
/** Modules that own resources; each names its primary resource `this`. */
export const RESOURCE_MODULES = ['vpc', 'compute', 'security', 'tenant-secrets', 'ingress', 'logs'] as const;
/** Modules that only compose other modules (the environment roots call `cluster`). */
export const COMPOSITION_MODULES = ['cluster'] as const;
export const MODULES = [...RESOURCE_MODULES, ...COMPOSITION_MODULES] as const;
/** The one environment root every tier applies (gitops/terraform/environment; tiers.tf holds the differences). */
export const ENVIRONMENT_ROOT = 'environment';
export const TIERS = ['dev', 'staging', 'prod'] as const;
export const MODULE_FILES = ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf'] as const;

/** One HCL block as hcl2json renders it: attributes, nested blocks as arrays, expressions as "${...}". */
export const Block = z.record(z.string(), z.unknown());
export type Block = z.infer<typeof Block>;
const Named = z.record(z.string(), z.array(Block));
const Typed = z.record(z.string(), Named);

const TfFile = z.object({
  variable: Named.optional(),
  output: Named.optional(),
  module: Named.optional(),
  provider: Named.optional(),
  resource: Typed.optional(),
  data: Typed.optional(),
  locals: z.array(Block).optional(),
  terraform: z.array(Block).optional(),
});

export interface Resource {
  readonly type: string;
  readonly name: string;
  readonly body: Block;
  readonly file: string;
}

/** Everything declared in one Terraform directory (a module or an environment root). */
export interface TerraformConfig {
  readonly dir: string;
  readonly files: readonly string[];
  readonly variables: ReadonlyMap<string, Block>;
  readonly outputs: ReadonlyMap<string, Block>;
  readonly modules: ReadonlyMap<string, Block>;
  readonly resources: readonly Resource[];
  readonly locals: Readonly<Record<string, unknown>>;
  readonly terraformBlocks: readonly Block[];
  /** Raw text of every .tf file, for reference scans. */
  readonly sources: ReadonlyMap<string, string>;
}

function single(name: string, blocks: readonly Block[]): Block {
  const [first, ...rest] = blocks;
  if (!first || rest.length > 0) throw new Error(`${name} is declared ${blocks.length} times`);
  return first;
}

export async function loadConfig(dir: string): Promise<TerraformConfig> {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.tf'))
    .sort();
  const variables = new Map<string, Block>();
  const outputs = new Map<string, Block>();
  const modules = new Map<string, Block>();
  const resources: Resource[] = [];
  const locals: Record<string, unknown> = {};
  const terraformBlocks: Block[] = [];
  const sources = new Map<string, string>();
  for (const file of files) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    sources.set(file, text);
    const parsed = TfFile.parse(await parse(path, text));
    for (const [name, blocks] of Object.entries(parsed.variable ?? {}))
      variables.set(name, single(name, blocks));
    for (const [name, blocks] of Object.entries(parsed.output ?? {})) outputs.set(name, single(name, blocks));
    for (const [name, blocks] of Object.entries(parsed.module ?? {})) modules.set(name, single(name, blocks));
    for (const [type, byName] of Object.entries(parsed.resource ?? {})) {
      for (const [name, blocks] of Object.entries(byName)) {
        resources.push({ type, name, body: single(`${type}.${name}`, blocks), file });
      }
    }
    for (const block of parsed.locals ?? []) Object.assign(locals, block);
    terraformBlocks.push(...(parsed.terraform ?? []));
  }
  return { dir, files, variables, outputs, modules, resources, locals, terraformBlocks, sources };
}

export function moduleDir(name: string): string {
  return join(TERRAFORM_ROOT, 'modules', name);
}

export function environmentDir(): string {
  return join(TERRAFORM_ROOT, ENVIRONMENT_ROOT);
}

/** The output names the Ansible phase reads (gitops/terraform/ansible-outputs.json). */
export function ansibleOutputs(): string[] {
  const contract = z
    .object({ outputs: z.array(z.string()).min(1) })
    .parse(JSON.parse(readFileSync(join(TERRAFORM_ROOT, 'ansible-outputs.json'), 'utf8')));
  return contract.outputs;
}

/** Variables a caller must set: those without a default. */
export function requiredVariables(config: TerraformConfig): string[] {
  return [...config.variables].filter(([, body]) => !('default' in body)).map(([name]) => name);
}

/** An HCL expression the way hcl2json renders it: `var.x` → "$\{var.x}". */
export function expression(inner: string): string {
  return `$\{${inner}}`;
}

/** A nested block (hcl2json renders each as an array of objects). */
export function nestedBlocks(body: Block, name: string): Block[] {
  return z.array(Block).optional().parse(body[name]) ?? [];
}

import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The part of CodeBuild's buildspec v0.2 the local build runner honours (docs/local-builds.md):
 * `env.shell`, `env.variables`, `env.secrets-manager`, `env.exported-variables` and, per phase,
 * `commands`, `finally` and `on-failure`. Keys CodeBuild knows but that change nothing here
 * (`runtime-versions`, `run-as`, `artifacts`, `reports`, `cache`, `proxy`) are accepted and
 * reported in the build log; a key CodeBuild would refuse (an unknown phase, a bad `on-failure`)
 * fails the build like CodeBuild's YAML_FILE_ERROR.
 */

export const BUILD_PHASES = ['install', 'pre_build', 'build', 'post_build'] as const;
export type BuildspecPhaseName = (typeof BUILD_PHASES)[number];

/** YAML scalars CodeBuild turns into strings (`TF_INPUT: 0`, `ENABLED: true`). */
const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const Commands = z.array(Scalar);

const Phase = z
  .object({
    commands: Commands.optional(),
    finally: Commands.optional(),
    'on-failure': z.enum(['ABORT', 'CONTINUE']).optional(),
    'runtime-versions': z.record(z.string(), Scalar).optional(),
    'run-as': z.string().optional(),
  })
  .strict();

const Env = z
  .object({
    shell: z.enum(['bash', '/bin/sh']).optional(),
    variables: z.record(z.string(), Scalar).optional(),
    'secrets-manager': z.record(z.string(), z.string()).optional(),
    'exported-variables': z.array(z.string()).optional(),
    'parameter-store': z.record(z.string(), z.string()).optional(),
    'git-credential-helper': z.union([z.boolean(), z.string()]).optional(),
  })
  .strict();

const Buildspec = z
  .object({
    version: z.union([z.literal(0.2), z.literal('0.2')]),
    'run-as': z.string().optional(),
    env: Env.optional(),
    proxy: z.unknown().optional(),
    batch: z.unknown().optional(),
    phases: z.object({
      install: Phase.optional(),
      pre_build: Phase.optional(),
      build: Phase.optional(),
      post_build: Phase.optional(),
    }),
    reports: z.unknown().optional(),
    artifacts: z.unknown().optional(),
    cache: z.unknown().optional(),
  })
  .strict();

export interface BuildspecPhase {
  readonly commands: readonly string[];
  readonly finally: readonly string[];
  readonly onFailure?: 'ABORT' | 'CONTINUE';
}

export interface ParsedBuildspec {
  readonly shell: 'bash' | '/bin/sh';
  readonly variables: Readonly<Record<string, string>>;
  /** Variable name → `secret-id[:json-key[:version-stage[:version-id]]]`. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly exportedVariables: readonly string[];
  readonly phases: Readonly<Partial<Record<BuildspecPhaseName, BuildspecPhase>>>;
  /** Keys that CodeBuild honours but that have no effect in a local build (logged). */
  readonly ignored: readonly string[];
}

export class BuildspecError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BuildspecError';
  }
}

/** Parses a buildspec's YAML text; throws {@link BuildspecError} naming the offending key. */
export function parseBuildspec(text: string, file: string): ParsedBuildspec {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new BuildspecError(`${file}: not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const parsed = Buildspec.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new BuildspecError(`${file}: ${issues.join('; ')}`);
  }
  const spec = parsed.data;
  const ignored: string[] = [];
  for (const key of ['run-as', 'proxy', 'batch', 'reports', 'artifacts', 'cache'] as const) {
    if (spec[key] !== undefined) ignored.push(key);
  }
  if (spec.env?.['parameter-store']) ignored.push('env.parameter-store');
  if (spec.env?.['git-credential-helper'] !== undefined) ignored.push('env.git-credential-helper');
  const phases: Partial<Record<BuildspecPhaseName, BuildspecPhase>> = {};
  for (const name of BUILD_PHASES) {
    const phase = spec.phases[name];
    if (!phase) continue;
    if (phase['runtime-versions']) ignored.push(`phases.${name}.runtime-versions`);
    if (phase['run-as']) ignored.push(`phases.${name}.run-as`);
    phases[name] = {
      commands: phase.commands ?? [],
      finally: phase.finally ?? [],
      ...(phase['on-failure'] ? { onFailure: phase['on-failure'] } : {}),
    };
  }
  return {
    shell: spec.env?.shell ?? '/bin/sh',
    variables: spec.env?.variables ?? {},
    secrets: spec.env?.['secrets-manager'] ?? {},
    exportedVariables: spec.env?.['exported-variables'] ?? [],
    phases,
    ignored,
  };
}

import type { ParsedBuildspec } from './buildspec.js';
import type { LocalSecretStore } from './secret-store.js';
import type { StartBuildParameters } from './start-build-parameters.js';

/**
 * The variables a local build starts with, in CodeBuild's order of precedence (lowest first):
 * the build image's base variables, the buildspec's `env.variables` and `env.secrets-manager`,
 * the project's variables, then StartBuild's overrides (PLAINTEXT, or SECRETS_MANAGER resolved
 * from the local secret store). CodeBuild's own `CODEBUILD_*` variables are set last; nothing is
 * taken from the Node process's environment except what `base` names.
 */
export interface BuildEnvironmentInput {
  readonly base: Readonly<Record<string, string>>;
  readonly buildspec: ParsedBuildspec;
  readonly project: Readonly<Record<string, string>>;
  readonly overrides: StartBuildParameters['EnvironmentVariablesOverride'];
  readonly codebuild: Readonly<Record<string, string>>;
  readonly secrets: LocalSecretStore;
}

export interface BuildEnvironment {
  readonly variables: Record<string, string>;
  /** Every value resolved from the secret store, to be masked in the log. */
  readonly secretValues: string[];
}

/** Throws SecretResolutionError when a referenced secret or JSON key does not exist. */
export function buildEnvironment(input: BuildEnvironmentInput): BuildEnvironment {
  const secretValues: string[] = [];
  const resolve = (reference: string) => {
    const value = input.secrets.resolve(reference);
    secretValues.push(value);
    return value;
  };
  const variables: Record<string, string> = { ...input.base, ...input.buildspec.variables };
  for (const [name, reference] of Object.entries(input.buildspec.secrets))
    variables[name] = resolve(reference);
  Object.assign(variables, input.project);
  for (const override of input.overrides) {
    variables[override.Name] = override.Type === 'SECRETS_MANAGER' ? resolve(override.Value) : override.Value;
  }
  Object.assign(variables, input.codebuild);
  return { variables, secretValues };
}

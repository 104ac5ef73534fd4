import { z } from 'zod';

/**
 * StartBuild's Parameters as the workflow's `codebuild:startBuild.sync` states pass them
 * (already resolved from the state input by the interpreter). Anything else fails the task with
 * `CodeBuild.InvalidInputException`, naming the field, before a build starts.
 */
const VariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a shell variable name');

const Override = z.object({
  Name: VariableName.refine((name) => !name.startsWith('CODEBUILD_'), 'CODEBUILD_ is reserved for CodeBuild'),
  Value: z.string(),
  Type: z.enum(['PLAINTEXT', 'SECRETS_MANAGER', 'PARAMETER_STORE']).default('PLAINTEXT'),
});

export const StartBuildParameters = z.object({
  ProjectName: z.string().min(1).max(255),
  EnvironmentVariablesOverride: z.array(Override).default([]),
  SourceVersion: z.string().optional(),
  /** A buildspec path relative to the source root, or an inline buildspec (as CodeBuild accepts). */
  BuildspecOverride: z.string().min(1).optional(),
});
export type StartBuildParameters = z.infer<typeof StartBuildParameters>;

export class InvalidStartBuildError extends Error {
  constructor(message: string) {
    super(message);
    // The name Step Functions gives a CodeBuild API error, which a Catch on States.ALL records.
    this.name = 'CodeBuild.InvalidInputException';
  }
}

export function parseStartBuildParameters(parameters: unknown): StartBuildParameters {
  const parsed = StartBuildParameters.safeParse(parameters);
  if (parsed.success) {
    if (parsed.data.EnvironmentVariablesOverride.some((entry) => entry.Type === 'PARAMETER_STORE')) {
      throw new InvalidStartBuildError(
        'EnvironmentVariablesOverride: PARAMETER_STORE is not available locally',
      );
    }
    return parsed.data;
  }
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new InvalidStartBuildError(`invalid StartBuild parameters: ${issues.join('; ')}`);
}

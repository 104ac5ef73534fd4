/**
 * A fake CodeBuild for workflow tests: answers `codebuild:startBuild.sync` states with a Build
 * shaped like CodeBuild's (PascalCase, as Step Functions returns it) without running anything.
 * Build ids start with `fake-` so no one mistakes them for real builds. A phase can be set to fail
 * the way CodeBuild fails a task (`States.TaskFailed`, the Build as JSON in the Cause) or to throw
 * a transient error by name.
 */
import type { PhaseName } from '../../functions/domain/model.js';

const EXPORTS: Record<PhaseName, Record<string, string>> = {
  terraform: {
    TF_OUTPUTS_S3_KEY: 'acme/prod/runs/r1/terraform-outputs.json',
    TF_STATE_BACKUP_S3_KEY: 'acme/prod/state-backups/r1.tfstate',
    CLUSTER_NAME: 'acme-prod',
    API_ENDPOINT: 'internal-acme-prod-api.elb.eu-west-1.amazonaws.com',
  },
  ansible: { KUBECONFIG_SECRET_ID: 'slipway/acme/prod/kubeconfig', NODES_READY: '6/6', CILIUM_STATUS: 'OK' },
  'argocd-bootstrap': {
    ARGOCD_SYNC_STATUS: 'Synced',
    ARGOCD_HEALTH_STATUS: 'Healthy',
    TENANT_MANIFESTS_REVISION: 'abc123',
  },
};

export interface StartBuildCall {
  readonly phase: PhaseName;
  readonly projectName: string;
  /** Plain-text overrides. */
  readonly variables: Record<string, string>;
  /** SECRETS_MANAGER overrides: the secret ids CodeBuild would resolve (never their values). */
  readonly secrets: Record<string, string>;
  /** The BuildspecOverride of a teardown build (undefined: the project's own buildspec). */
  readonly buildspec?: string;
}

type Fault = { kind: 'fail'; message: string } | { kind: 'throw'; name: string };

export class FakeBuilds {
  readonly calls: StartBuildCall[] = [];
  private readonly faults = new Map<PhaseName, Fault[]>();
  private sequence = 0;

  /** The next build of `phase` fails in its BUILD phase with `message` (exit status 2). */
  failNext(
    phase: PhaseName,
    message = 'Error while executing command: ansible-playbook site.yml. Reason: exit status 2',
  ): void {
    this.queue(phase, { kind: 'fail', message });
  }

  /** The next start of `phase` throws an error with this name (e.g. a CodeBuild throttle). */
  throwNext(phase: PhaseName, name: string): void {
    this.queue(phase, { kind: 'throw', name });
  }

  readonly build = async (
    phase: PhaseName,
    parameters: unknown,
  ): Promise<{ Build: Record<string, unknown> }> => {
    const { ProjectName, EnvironmentVariablesOverride, BuildspecOverride } = parameters as {
      ProjectName: string;
      BuildspecOverride?: string;
      EnvironmentVariablesOverride: Array<{ Name: string; Value: string; Type: string }>;
    };
    const ofType = (type: string) =>
      Object.fromEntries(
        EnvironmentVariablesOverride.filter((v) => v.Type === type).map((v) => [v.Name, v.Value]),
      );
    this.calls.push({
      phase,
      projectName: ProjectName,
      variables: ofType('PLAINTEXT'),
      secrets: ofType('SECRETS_MANAGER'),
      ...(BuildspecOverride ? { buildspec: BuildspecOverride } : {}),
    });
    const fault = this.faults.get(phase)?.shift();
    if (fault?.kind === 'throw') {
      throw Object.assign(new Error(`${fault.name} (fake CodeBuild)`), { name: fault.name });
    }
    this.sequence += 1;
    const id = `${ProjectName}:fake-${String(this.sequence).padStart(4, '0')}`;
    const base = {
      Id: id,
      Arn: `arn:aws:codebuild:eu-west-1:123456789012:build/${id}`,
      Logs: {
        DeepLink: `https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/fake/${id}`,
        GroupName: `/aws/codebuild/${ProjectName}`,
      },
    };
    if (fault?.kind === 'fail') {
      const failed = {
        ...base,
        BuildStatus: 'FAILED',
        CurrentPhase: 'COMPLETED',
        Phases: [
          { PhaseType: 'INSTALL', PhaseStatus: 'SUCCEEDED' },
          {
            PhaseType: 'BUILD',
            PhaseStatus: 'FAILED',
            Contexts: [{ StatusCode: 'COMMAND_EXECUTION_ERROR', Message: fault.message }],
          },
          { PhaseType: 'COMPLETED' },
        ],
      };
      throw Object.assign(new Error(JSON.stringify({ Build: failed })), { name: 'States.TaskFailed' });
    }
    return {
      Build: {
        ...base,
        BuildStatus: 'SUCCEEDED',
        ExportedEnvironmentVariables: Object.entries(EXPORTS[phase]).map(([Name, Value]) => ({
          Name,
          Value,
        })),
      },
    };
  };

  private queue(phase: PhaseName, fault: Fault): void {
    this.faults.set(phase, [...(this.faults.get(phase) ?? []), fault]);
  }
}

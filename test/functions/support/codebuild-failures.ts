/**
 * Build descriptions as Step Functions puts them in the `Cause` of a failed
 * `codebuild:startBuild.sync` task: the CodeBuild Build, PascalCase, times in epoch ms.
 */
const BUILD_ID = 'slipway-ansible:5f0c9b7e-3a1d-4c2b-9e8f-0a1b2c3d4e5f';
const DEEP_LINK =
  'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Fcodebuild$252Fslipway-ansible/log-events/5f0c9b7e-3a1d-4c2b-9e8f-0a1b2c3d4e5f';

function phase(type: string, status: string, contexts: { StatusCode: string; Message: string }[] = []) {
  return {
    DurationInSeconds: 12,
    EndTime: 1_736_935_512_000,
    PhaseStatus: status,
    PhaseType: type,
    StartTime: 1_736_935_500_000,
    ...(contexts.length > 0 ? { Contexts: contexts } : { Contexts: [{ Message: '', StatusCode: '' }] }),
  };
}

/** The ansible playbook exited non-zero in the BUILD phase: a code or configuration fault. */
export const commandFailedBuild = {
  Arn: `arn:aws:codebuild:eu-west-1:123456789012:build/${BUILD_ID}`,
  BuildComplete: true,
  BuildNumber: 42,
  BuildStatus: 'FAILED',
  CurrentPhase: 'COMPLETED',
  EncryptionKey: 'arn:aws:kms:eu-west-1:123456789012:alias/aws/s3',
  EndTime: 1_736_935_600_000,
  Environment: {
    ComputeType: 'BUILD_GENERAL1_SMALL',
    EnvironmentVariables: [{ Name: 'SLIPWAY_PHASE', Type: 'PLAINTEXT', Value: 'ansible' }],
    Image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
    ImagePullCredentialsType: 'CODEBUILD',
    PrivilegedMode: false,
    Type: 'ARM_CONTAINER',
  },
  Id: BUILD_ID,
  Initiator: 'states/slipway-provisioning',
  Logs: {
    CloudWatchLogs: { Status: 'ENABLED' },
    CloudWatchLogsArn:
      'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/codebuild/slipway-ansible:log-stream:5f0c9b7e',
    DeepLink: DEEP_LINK,
    GroupName: '/aws/codebuild/slipway-ansible',
    StreamName: '5f0c9b7e-3a1d-4c2b-9e8f-0a1b2c3d4e5f',
  },
  Phases: [
    {
      DurationInSeconds: 0,
      EndTime: 1_736_935_400_000,
      PhaseStatus: 'SUCCEEDED',
      PhaseType: 'SUBMITTED',
      StartTime: 1_736_935_400_000,
    },
    phase('QUEUED', 'SUCCEEDED'),
    phase('PROVISIONING', 'SUCCEEDED'),
    phase('DOWNLOAD_SOURCE', 'SUCCEEDED'),
    phase('INSTALL', 'SUCCEEDED'),
    phase('PRE_BUILD', 'SUCCEEDED'),
    phase('BUILD', 'FAILED', [
      {
        StatusCode: 'COMMAND_EXECUTION_ERROR',
        Message: 'Error while executing command: bash buildspecs/scripts/ansible.sh. Reason: exit status 2',
      },
    ]),
    phase('POST_BUILD', 'SUCCEEDED'),
    phase('UPLOAD_ARTIFACTS', 'SUCCEEDED'),
    phase('FINALIZING', 'SUCCEEDED'),
    { PhaseStatus: undefined, PhaseType: 'COMPLETED', StartTime: 1_736_935_600_000 },
  ],
  ProjectName: 'slipway-ansible',
  QueuedTimeoutInMinutes: 480,
  SecondaryArtifacts: [],
  SecondarySources: [],
  Source: { Type: 'S3', Location: 'cdk-assets/slipway-source.zip' },
  StartTime: 1_736_935_400_000,
  TimeoutInMinutes: 60,
};

/** CodeBuild could not provision the build container: a platform fault, worth a retry. */
export const provisioningFailedBuild = {
  ...commandFailedBuild,
  BuildStatus: 'FAILED',
  Phases: [
    phase('SUBMITTED', 'SUCCEEDED'),
    phase('QUEUED', 'SUCCEEDED'),
    phase('PROVISIONING', 'FAILED', [
      {
        StatusCode: 'ACCOUNT_LIMIT_EXCEEDED',
        Message: 'Cannot have more than 1 builds in queue for the account',
      },
    ]),
  ],
};

/** The build ran past its timeout. */
export const timedOutBuild = {
  ...commandFailedBuild,
  BuildStatus: 'TIMED_OUT',
  Phases: [
    phase('INSTALL', 'SUCCEEDED'),
    phase('BUILD', 'TIMED_OUT', [{ StatusCode: 'BUILD_TIMED_OUT', Message: 'Build has timed out. ' }]),
  ],
};

export const FAILED_BUILD_ID = BUILD_ID;
export const FAILED_BUILD_DEEP_LINK = DEEP_LINK;

import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PHASES, type PhaseName } from '../../functions/domain/model.js';
import { GitopsSource } from './gitops-source.js';
import { nodeBoundaryStatements, phaseStatements } from './phase-permissions.js';
import type { PhaseStorage } from './phase-storage.js';

export interface PhaseProjectsProps {
  readonly storage: PhaseStorage;
  readonly encryptionKey: kms.IKey;
  /** Slipway's public base URL, which the cluster's ArgoCD and Alertmanager call back. @default '' (set once the API is deployed) */
  readonly callbackBaseUrl?: string;
  /** The Git repository ArgoCD reconciles tenant manifests from. @default '' */
  readonly gitopsRepository?: string;
  /** Per-phase build timeout. @default terraform 60 min, ansible 60 min, argocd-bootstrap 30 min */
  readonly timeouts?: Partial<Record<PhaseName, Duration>>;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** AWS regions environments may be provisioned in (Terraform's rights are limited to them). @default the stack's region */
  readonly environmentRegions?: readonly string[];
  /** Issuer of the callers' tokens, for clusters that accept the same identities (kube-apiserver `--oidc-issuer-url`). @default '' */
  readonly oidcIssuerUrl?: string;
  /** The audience those tokens carry (kube-apiserver `--oidc-client-id`). @default '' */
  readonly oidcClientId?: string;
}

const QUEUED_TIMEOUT = Duration.minutes(30);
const DEFAULT_TIMEOUTS: Record<PhaseName, Duration> = {
  terraform: Duration.minutes(60),
  ansible: Duration.minutes(60),
  'argocd-bootstrap': Duration.minutes(30),
};

/**
 * One CodeBuild project per phase, each running `buildspecs/<phase>.yml` from the GitOps source
 * asset, outside any VPC (nodes are reached through SSM only), with its own least-privilege role,
 * log group and timeout. The workflow overrides the per-run variables (docs/phase-contract.md).
 */
export class PhaseProjects extends Construct {
  readonly projects: Record<PhaseName, codebuild.Project>;
  /** The permissions boundary every IAM role that Terraform creates must carry. */
  readonly nodeBoundary: iam.ManagedPolicy;
  /** The longest one build of each phase can take: queued timeout plus build timeout. */
  readonly deadlines: Record<PhaseName, Duration>;

  constructor(scope: Construct, id: string, props: PhaseProjectsProps) {
    super(scope, id);
    const source = new GitopsSource(this, 'Source');
    const { stateBucket, artifactBucket } = props.storage;
    const environmentRegions = props.environmentRegions ?? [Stack.of(this).region];
    this.nodeBoundary = new iam.ManagedPolicy(this, 'NodeBoundary', {
      description: 'Slipway: the most any role created by the terraform phase may do (nodes, flow logs)',
      statements: nodeBoundaryStatements(artifactBucket.bucketArn, props.encryptionKey.keyArn),
    });
    const permissions = { environmentRegions, nodeBoundary: this.nodeBoundary };
    const buildTimeout = (phase: PhaseName) => props.timeouts?.[phase] ?? DEFAULT_TIMEOUTS[phase];
    this.deadlines = Object.fromEntries(
      PHASES.map((phase) => [phase, buildTimeout(phase).plus(QUEUED_TIMEOUT)]),
    ) as Record<PhaseName, Duration>;
    const entries = PHASES.map((phase) => {
      const logGroup = new logs.LogGroup(this, `${phase}-logs`, {
        retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const project = new codebuild.Project(this, phase, {
        description: `Slipway ${phase} phase: runs buildspecs/${phase}.yml for one environment`,
        source: codebuild.Source.s3({ bucket: source.asset.bucket, path: source.asset.s3ObjectKey }),
        buildSpec: codebuild.BuildSpec.fromSourceFilename(`buildspecs/${phase}.yml`),
        environment: {
          buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
          computeType: codebuild.ComputeType.SMALL,
          privileged: false,
          environmentVariables: staticVariables(phase, props, this.nodeBoundary),
        },
        timeout: buildTimeout(phase),
        queuedTimeout: QUEUED_TIMEOUT,
        encryptionKey: props.encryptionKey,
        logging: { cloudWatch: { logGroup } },
      });
      source.asset.grantRead(project);
      artifactBucket.grantReadWrite(project);
      if (phase === 'terraform') stateBucket.grantReadWrite(project);
      for (const statement of phaseStatements(phase, permissions)) project.addToRolePolicy(statement);
      return [phase, project] as const;
    });
    this.projects = Object.fromEntries(entries) as Record<PhaseName, codebuild.Project>;
  }
}

function staticVariables(
  phase: PhaseName,
  props: PhaseProjectsProps,
  nodeBoundary: iam.IManagedPolicy,
): Record<string, codebuild.BuildEnvironmentVariable> {
  const plain = (value: string): codebuild.BuildEnvironmentVariable => ({
    type: codebuild.BuildEnvironmentVariableType.PLAINTEXT,
    value,
  });
  const variables: Record<string, codebuild.BuildEnvironmentVariable> = {
    SLIPWAY_PHASE: plain(phase),
    SLIPWAY_STATE_BUCKET: plain(props.storage.stateBucket.bucketName),
    SLIPWAY_ARTIFACT_BUCKET: plain(props.storage.artifactBucket.bucketName),
    SLIPWAY_SECRETS_KMS_KEY_ID: plain(props.encryptionKey.keyArn),
    SLIPWAY_OIDC_ISSUER_URL: plain(props.oidcIssuerUrl ?? ''),
    SLIPWAY_OIDC_CLIENT_ID: plain(props.oidcClientId ?? ''),
  };
  if (phase === 'terraform') {
    variables.SLIPWAY_NODE_PERMISSIONS_BOUNDARY = plain(nodeBoundary.managedPolicyArn);
  }
  if (phase === 'argocd-bootstrap') {
    const base = props.callbackBaseUrl ?? '';
    variables.SLIPWAY_ARGOCD_WEBHOOK_URL = plain(base ? `${base}/v1/hooks/argocd` : '');
    variables.SLIPWAY_ALERTMANAGER_WEBHOOK_URL = plain(base ? `${base}/v1/hooks/alertmanager` : '');
    variables.SLIPWAY_GITOPS_REPOSITORY = plain(props.gitopsRepository ?? '');
  }
  return variables;
}

import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { PhaseName } from '../../functions/domain/model.js';

/** Tag every Slipway-provisioned resource carries (gitops/terraform sets it through default_tags). */
const MANAGED_BY = { 'aws:ResourceTag/managed-by': 'slipway' };
const SECRETS_PREFIX = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:slipway/*`;
/**
 * An environment's own secrets, `slipway/<org>/<env>/<name>`: at least three segments under
 * slipway/, so the shared ones (slipway/gitops-credentials, the hook keys) never match.
 */
const ENVIRONMENT_SECRETS = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:slipway/*/*/*`;
// Nodes live in the environment's region (any of environmentRegions): region-wildcard ARNs, and a
// RequestedRegion condition that limits them to those regions.
const INSTANCES = `arn:${Aws.PARTITION}:ec2:*:${Aws.ACCOUNT_ID}:instance/*`;
const ssmDocument = (name: string) => `arn:${Aws.PARTITION}:ssm:*::document/${name}`;
const OWN_SESSIONS = `arn:${Aws.PARTITION}:ssm:*:${Aws.ACCOUNT_ID}:session/\${aws:userid}-*`;
/** Terraform names every log group it owns under /slipway/ (VPC flow logs). */
const SLIPWAY_LOG_GROUPS = `arn:${Aws.PARTITION}:logs:*:${Aws.ACCOUNT_ID}:log-group:/slipway/*`;
/** Tenants' workloads log groups, /slipway/<org>/<env>/workloads (functions/domain/logs.ts). */
const TENANT_LOG_GROUPS = `arn:${Aws.PARTITION}:logs:*:${Aws.ACCOUNT_ID}:log-group:/slipway/*/*/workloads`;
const SSM_CORE_POLICY = `arn:${Aws.PARTITION}:iam::aws:policy/AmazonSSMManagedInstanceCore`;

export interface PhasePermissionsOptions {
  /** AWS regions environments may be provisioned in. */
  readonly environmentRegions: readonly string[];
  /** The permissions boundary every IAM role Terraform creates must carry. */
  readonly nodeBoundary: iam.IManagedPolicy;
}

/**
 * What each phase may do beyond reading its source and writing its logs.
 *
 * Terraform creates whole environments, so it needs EC2/ELB creation rights, confined to this
 * account and the allowed regions. Everything that could widen its own reach is closed: the IAM
 * roles it creates live under `/slipway/`, must carry the node permissions boundary (so no role it
 * makes can do more than a node may), may only get AmazonSSMManagedInstanceCore attached, and may
 * only be passed to EC2 and VPC flow logs. Changing or deleting an existing resource needs the
 * `managed-by = slipway` tag, and that tag can only be written while creating a resource or on a
 * resource that already has it, so an unrelated resource cannot be adopted by tagging it.
 *
 * Ansible and ArgoCD reach nodes only through SSM sessions on Slipway-tagged instances. Only the
 * ArgoCD phase reads secrets (kubeconfig, webhook tokens, Git credentials), and only its teardown
 * (buildspecs/scripts/teardown/secrets-delete.sh) deletes them: the environment's own secrets,
 * tagged managed-by=slipway, found by listing names under slipway/<org>/<env>/.
 */
export function phaseStatements(phase: PhaseName, options: PhasePermissionsOptions): iam.PolicyStatement[] {
  const { environmentRegions } = options;
  switch (phase) {
    case 'terraform':
      return terraformStatements(options);
    case 'ansible':
      return [...sessionStatements('SSM-SessionManagerRunShell', environmentRegions), storeSecrets()];
    case 'argocd-bootstrap':
      return [
        ...sessionStatements('AWS-StartPortForwardingSessionToRemoteHost', environmentRegions),
        storeSecrets(),
        new iam.PolicyStatement({
          sid: 'ReadSlipwaySecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [SECRETS_PREFIX],
        }),
        // ListSecrets supports no resource-level permission; it returns names and metadata, never values.
        new iam.PolicyStatement({
          sid: 'ListSecretsForTeardown',
          actions: ['secretsmanager:ListSecrets'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'DeleteEnvironmentSecrets',
          actions: ['secretsmanager:DeleteSecret'],
          resources: [ENVIRONMENT_SECRETS],
          conditions: { StringEquals: { 'secretsmanager:ResourceTag/managed-by': 'slipway' } },
        }),
        ...tenantIngressStatements(environmentRegions),
      ];
  }
}

/**
 * A shared cluster's tenant's certificate and alias record (buildspecs/scripts/argocd/tenant-ingress.sh,
 * teardown/tenant-ingress-remove.sh), scoped as the terraform role's: certificates requested only
 * tagged managed-by=slipway (with the tenant's cluster and organization tags) and deleted only
 * while so tagged, listener certificates only on Slipway-tagged network load balancer listeners,
 * and CNAME and A records only (the hosted zone is per spec, unknown when the stack deploys).
 * ListCertificates has no resource-level permission; it returns names and ARNs, never keys.
 */
function tenantIngressStatements(environmentRegions: readonly string[]): iam.PolicyStatement[] {
  const inRegions = { 'aws:RequestedRegion': [...environmentRegions] };
  return [
    new iam.PolicyStatement({
      sid: 'RequestTenantCertificates',
      actions: ['acm:RequestCertificate', 'acm:AddTagsToCertificate'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:RequestTag/managed-by': 'slipway', ...inRegions },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['managed-by', 'slipway-cluster', 'slipway-org'] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'DeleteTenantCertificates',
      actions: ['acm:DeleteCertificate'],
      resources: [`arn:${Aws.PARTITION}:acm:*:${Aws.ACCOUNT_ID}:certificate/*`],
      conditions: { StringEquals: { ...MANAGED_BY, ...inRegions } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadTenantCertificates',
      actions: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'],
      resources: [`arn:${Aws.PARTITION}:acm:*:${Aws.ACCOUNT_ID}:certificate/*`],
      conditions: { StringEquals: inRegions },
    }),
    new iam.PolicyStatement({
      sid: 'ListCertificates',
      actions: ['acm:ListCertificates'],
      resources: ['*'],
      conditions: { StringEquals: inRegions },
    }),
    new iam.PolicyStatement({
      sid: 'TenantListenerCertificates',
      actions: [
        'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates',
      ],
      resources: [`arn:${Aws.PARTITION}:elasticloadbalancing:*:${Aws.ACCOUNT_ID}:listener/net/*`],
      conditions: { StringEquals: { ...MANAGED_BY, ...inRegions } },
    }),
    new iam.PolicyStatement({
      sid: 'TenantIngressRecords',
      actions: ['route53:ChangeResourceRecordSets'],
      resources: [`arn:${Aws.PARTITION}:route53:::hostedzone/*`],
      conditions: {
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'CNAME'] },
      },
    }),
  ];
}

/**
 * The most any role Terraform creates may ever do, whatever policy is put on it: what a node needs
 * to be managed by SSM and to run the EBS CSI driver, what it could use of the artifact bucket (the
 * node role itself gets no S3 right: Ansible's file transfers use presigned URLs), and what VPC flow
 * logs and Fluent Bit need to write their log groups (a shared cluster's Fluent Bit also creates its
 * tenants' workloads groups), and External Secrets' per-organization roles: assume them
 * (the node role, under /slipway/tenant-secrets/) and read tenant secrets (slipway-tenants/, which
 * no phase can read). No other IAM or STS, no SSM commands to other instances.
 */
export function nodeBoundaryStatements(artifactBucketArn: string, keyArn: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'SsmManagedInstanceCore',
      actions: [
        'ssm:DescribeAssociation',
        'ssm:GetDeployablePatchSnapshotForInstance',
        'ssm:GetDocument',
        'ssm:DescribeDocument',
        'ssm:GetManifest',
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:ListAssociations',
        'ssm:ListInstanceAssociations',
        'ssm:PutInventory',
        'ssm:PutComplianceItems',
        'ssm:PutConfigurePackageResult',
        'ssm:UpdateAssociationStatus',
        'ssm:UpdateInstanceAssociationStatus',
        'ssm:UpdateInstanceInformation',
        'ssmmessages:CreateControlChannel',
        'ssmmessages:CreateDataChannel',
        'ssmmessages:OpenControlChannel',
        'ssmmessages:OpenDataChannel',
        'ec2messages:AcknowledgeMessage',
        'ec2messages:DeleteMessage',
        'ec2messages:FailMessage',
        'ec2messages:GetEndpoint',
        'ec2messages:GetMessages',
        'ec2messages:SendReply',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'SsmFileTransfers',
      actions: [
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        's3:GetEncryptionConfiguration',
        's3:ListBucket',
      ],
      resources: [artifactBucketArn, `${artifactBucketArn}/*`],
    }),
    new iam.PolicyStatement({
      sid: 'SsmFileTransfersKey',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [keyArn],
    }),
    // The EBS CSI driver's controller runs on the nodes with the node role. The boundary only caps
    // it at the driver's actions; the node role's own policy (gitops/terraform/modules/compute)
    // limits them to volumes, snapshots and instances tagged with the node's own cluster.
    new iam.PolicyStatement({
      sid: 'EbsCsiDriver',
      actions: [
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInstances',
        'ec2:DescribeSnapshots',
        'ec2:DescribeTags',
        'ec2:DescribeVolumes',
        'ec2:DescribeVolumesModifications',
        'ec2:CreateVolume',
        'ec2:CreateSnapshot',
        'ec2:CreateTags',
        'ec2:DeleteTags',
        'ec2:AttachVolume',
        'ec2:DetachVolume',
        'ec2:ModifyVolume',
        'ec2:DeleteVolume',
        'ec2:DeleteSnapshot',
      ],
      resources: ['*'],
    }),
    // External Secrets runs on the nodes with the node role and assumes the organization's role of
    // its cluster (gitops/terraform/modules/tenant-secrets), which reads that organization's prefix
    // only; the boundary caps both at these two steps.
    new iam.PolicyStatement({
      sid: 'TenantSecretRoles',
      actions: ['sts:AssumeRole'],
      resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/slipway/tenant-secrets/*`],
    }),
    new iam.PolicyStatement({
      sid: 'TenantSecretsRead',
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [`arn:${Aws.PARTITION}:secretsmanager:*:${Aws.ACCOUNT_ID}:secret:slipway-tenants/*`],
    }),
    // Fluent Bit on a shared cluster creates each tenant's workloads group, /slipway/<org>/<env>/workloads,
    // with the cluster's retention when the tenant is placed (Terraform does not run for tenants;
    // gitops/terraform/modules/logs gives only shared clusters' node roles this right).
    new iam.PolicyStatement({
      sid: 'TenantLogGroups',
      actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
      resources: [TENANT_LOG_GROUPS, `${TENANT_LOG_GROUPS}:*`],
    }),
    new iam.PolicyStatement({
      sid: 'FlowLogsDelivery',
      actions: [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'logs:DescribeLogGroups',
        'logs:DescribeLogStreams',
      ],
      resources: ['*'],
    }),
  ];
}

/** Ansible stores the kubeconfig, ArgoCD its admin credentials, each under slipway/<org>/<env>/. */
function storeSecrets(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'StoreEnvironmentSecrets',
    actions: [
      'secretsmanager:CreateSecret',
      'secretsmanager:PutSecretValue',
      'secretsmanager:DescribeSecret',
      'secretsmanager:RestoreSecret',
      'secretsmanager:TagResource',
    ],
    resources: [SECRETS_PREFIX],
  });
}

function sessionStatements(document: string, environmentRegions: readonly string[]): iam.PolicyStatement[] {
  const inRegions = { 'aws:RequestedRegion': [...environmentRegions] };
  return [
    new iam.PolicyStatement({
      sid: 'StartSessionOnSlipwayNodes',
      actions: ['ssm:StartSession'],
      resources: [INSTANCES],
      conditions: { StringEquals: { 'ssm:resourceTag/managed-by': 'slipway', ...inRegions } },
    }),
    new iam.PolicyStatement({
      sid: 'SessionDocument',
      actions: ['ssm:StartSession'],
      resources: [ssmDocument(document)],
      conditions: { StringEquals: inRegions },
    }),
    new iam.PolicyStatement({
      sid: 'OwnSessions',
      actions: ['ssm:TerminateSession', 'ssm:ResumeSession'],
      resources: [OWN_SESSIONS],
    }),
    new iam.PolicyStatement({
      sid: 'FindNodes',
      actions: ['ec2:DescribeInstances', 'ssm:DescribeInstanceInformation'],
      resources: ['*'],
    }),
  ];
}

function terraformStatements({
  environmentRegions,
  nodeBoundary,
}: PhasePermissionsOptions): iam.PolicyStatement[] {
  const inRegions = { 'aws:RequestedRegion': [...environmentRegions] };
  const roles = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/slipway/*`;
  const withBoundary = { StringEquals: { 'iam:PermissionsBoundary': nodeBoundary.managedPolicyArn } };
  return [
    new iam.PolicyStatement({
      sid: 'ReadNetworkAndCompute',
      actions: [
        'ec2:Describe*',
        'ec2:Get*',
        'elasticloadbalancing:Describe*',
        'logs:Describe*',
        'logs:ListTagsForResource',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'CreateInAllowedRegions',
      actions: ['ec2:Create*', 'ec2:RunInstances', 'ec2:AllocateAddress', 'elasticloadbalancing:Create*'],
      resources: ['*'],
      conditions: { StringEquals: inRegions },
    }),
    new iam.PolicyStatement({
      sid: 'TagOnlyWhileCreatingOrOwned',
      actions: ['elasticloadbalancing:AddTags'],
      resources: ['*'],
      conditions: { StringEquals: inRegions },
    }),
    // ec2:Create* includes CreateTags, and AddTags is allowed above: without these two denials,
    // tagging any existing resource managed-by=slipway would unlock every tag-conditioned right.
    new iam.PolicyStatement({
      sid: 'NoAdoptingEc2ResourcesByTag',
      effect: iam.Effect.DENY,
      actions: ['ec2:CreateTags'],
      resources: ['*'],
      conditions: {
        Null: { 'ec2:CreateAction': 'true' },
        StringNotEquals: MANAGED_BY,
      },
    }),
    new iam.PolicyStatement({
      sid: 'NoAdoptingLoadBalancersByTag',
      effect: iam.Effect.DENY,
      actions: ['elasticloadbalancing:AddTags'],
      resources: ['*'],
      conditions: {
        Null: { 'elasticloadbalancing:CreateAction': 'true' },
        StringNotEquals: MANAGED_BY,
      },
    }),
    new iam.PolicyStatement({
      sid: 'ChangeSlipwayResources',
      actions: [
        'ec2:Modify*',
        'ec2:Delete*',
        'ec2:Associate*',
        'ec2:Disassociate*',
        'ec2:Attach*',
        'ec2:Detach*',
        'ec2:Authorize*',
        'ec2:Revoke*',
        'ec2:Replace*',
        'ec2:ReleaseAddress',
        'ec2:TerminateInstances',
        'ec2:StopInstances',
        'ec2:StartInstances',
        'elasticloadbalancing:Modify*',
        'elasticloadbalancing:Delete*',
        'elasticloadbalancing:Register*',
        'elasticloadbalancing:Deregister*',
        'elasticloadbalancing:Set*',
        'elasticloadbalancing:RemoveTags',
        // The ingress load balancer's TLS listener: one certificate per organization (SNI).
        'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates',
      ],
      resources: ['*'],
      conditions: { StringEquals: { ...MANAGED_BY, ...inRegions } },
    }),
    // The ingress load balancer's certificates (modules/ingress): requested tagged as Slipway's,
    // changed and deleted only while they are; validated and aliased through DNS records in the
    // hosted zone the spec names (no zone-level right, and CNAME and alias A records only).
    new iam.PolicyStatement({
      sid: 'RequestSlipwayCertificates',
      actions: ['acm:RequestCertificate', 'acm:AddTagsToCertificate'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestTag/managed-by': 'slipway', ...inRegions } },
    }),
    new iam.PolicyStatement({
      sid: 'ChangeSlipwayCertificates',
      actions: ['acm:DeleteCertificate', 'acm:RemoveTagsFromCertificate'],
      resources: ['*'],
      conditions: { StringEquals: { ...MANAGED_BY, ...inRegions } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadCertificatesAndRecords',
      actions: [
        'acm:DescribeCertificate',
        'acm:ListTagsForCertificate',
        'route53:GetChange',
        'route53:GetHostedZone',
        'route53:ListResourceRecordSets',
        'route53:ListTagsForResource',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'IngressRecords',
      actions: ['route53:ChangeResourceRecordSets'],
      resources: [`arn:${Aws.PARTITION}:route53:::hostedzone/*`],
      conditions: {
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'CNAME'] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'SlipwayLogGroups',
      actions: [
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:PutRetentionPolicy',
        'logs:TagResource',
        'logs:UntagResource',
      ],
      resources: [SLIPWAY_LOG_GROUPS, `${SLIPWAY_LOG_GROUPS}:*`],
      conditions: { StringEquals: inRegions },
    }),
    new iam.PolicyStatement({
      sid: 'RolesOnlyWithTheNodeBoundary',
      actions: ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy'],
      resources: [roles],
      conditions: withBoundary,
    }),
    new iam.PolicyStatement({
      sid: 'AttachOnlySsmCore',
      actions: ['iam:AttachRolePolicy'],
      resources: [roles],
      conditions: {
        ...withBoundary,
        ArnEquals: { 'iam:PolicyARN': [SSM_CORE_POLICY] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'PassNodeRolesToEc2AndFlowLogs',
      actions: ['iam:PassRole'],
      resources: [roles],
      conditions: {
        StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'vpc-flow-logs.amazonaws.com'] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'ManageNodeRolesAndProfiles',
      actions: [
        'iam:DeleteRole',
        'iam:GetRole',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:GetRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:ListInstanceProfilesForRole',
        'iam:CreateInstanceProfile',
        'iam:DeleteInstanceProfile',
        'iam:GetInstanceProfile',
        'iam:TagInstanceProfile',
        'iam:AddRoleToInstanceProfile',
        'iam:RemoveRoleFromInstanceProfile',
      ],
      resources: [roles, `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:instance-profile/slipway/*`],
    }),
    new iam.PolicyStatement({
      sid: 'ReadAmiParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: [`arn:${Aws.PARTITION}:ssm:*::parameter/aws/service/*`],
      conditions: { StringEquals: inRegions },
    }),
  ];
}

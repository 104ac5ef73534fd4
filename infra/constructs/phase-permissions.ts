import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { PhaseName } from '../../functions/domain/model.js';

/** Tag every Slipway-provisioned resource carries (gitops/terraform sets it through default_tags). */
const MANAGED_BY = { 'aws:ResourceTag/managed-by': 'slipway' };
const SECRETS_PREFIX = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:slipway/*`;
// Nodes live in the environment's region (any of environmentRegions): region-wildcard ARNs, and a
// RequestedRegion condition that limits them to those regions.
const INSTANCES = `arn:${Aws.PARTITION}:ec2:*:${Aws.ACCOUNT_ID}:instance/*`;
const ssmDocument = (name: string) => `arn:${Aws.PARTITION}:ssm:*::document/${name}`;
const OWN_SESSIONS = `arn:${Aws.PARTITION}:ssm:*:${Aws.ACCOUNT_ID}:session/\${aws:userid}-*`;

/**
 * What each phase may do beyond reading its source and writing its logs. Terraform creates whole
 * environments, so it needs EC2/ELB/logs creation rights; those are confined to this account and
 * the regions environments may use, IAM is confined to the `/slipway/` path (roles, instance profiles, PassRole), and changes
 * to existing EC2 resources need the `managed-by = slipway` tag. Ansible and ArgoCD reach nodes only
 * through SSM sessions on Slipway-tagged instances.
 */
export function phaseStatements(
  phase: PhaseName,
  environmentRegions: readonly string[],
): iam.PolicyStatement[] {
  // Every phase reads its own secrets (kubeconfig, webhook tokens) through env.secrets-manager.
  const readSecrets = new iam.PolicyStatement({
    sid: 'ReadSlipwaySecrets',
    actions: ['secretsmanager:GetSecretValue'],
    resources: [SECRETS_PREFIX],
  });
  return [readSecrets, ...phaseSpecificStatements(phase, environmentRegions)];
}

function phaseSpecificStatements(
  phase: PhaseName,
  environmentRegions: readonly string[],
): iam.PolicyStatement[] {
  switch (phase) {
    case 'terraform':
      return terraformStatements(environmentRegions);
    case 'ansible':
      return [...sessionStatements('SSM-SessionManagerRunShell', environmentRegions), storeSecrets()];
    case 'argocd-bootstrap':
      return [
        ...sessionStatements('AWS-StartPortForwardingSessionToRemoteHost', environmentRegions),
        storeSecrets(),
      ];
  }
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

function terraformStatements(environmentRegions: readonly string[]): iam.PolicyStatement[] {
  const inRegion = { StringEquals: { 'aws:RequestedRegion': [...environmentRegions] } };
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
      sid: 'CreateTaggedResources',
      actions: [
        'ec2:Create*',
        'ec2:RunInstances',
        'ec2:AllocateAddress',
        'elasticloadbalancing:Create*',
        'elasticloadbalancing:AddTags',
        'logs:CreateLogGroup',
        'logs:TagResource',
        'logs:PutRetentionPolicy',
      ],
      resources: ['*'],
      conditions: inRegion,
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
        'ec2:DeleteTags',
        'elasticloadbalancing:Modify*',
        'elasticloadbalancing:Delete*',
        'elasticloadbalancing:Register*',
        'elasticloadbalancing:Deregister*',
        'elasticloadbalancing:Set*',
        'elasticloadbalancing:RemoveTags',
        'logs:DeleteLogGroup',
      ],
      resources: ['*'],
      conditions: { StringEquals: { ...MANAGED_BY, 'aws:RequestedRegion': [...environmentRegions] } },
    }),
    new iam.PolicyStatement({
      sid: 'NodeRolesUnderSlipwayPath',
      actions: [
        'iam:CreateRole',
        'iam:DeleteRole',
        'iam:GetRole',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:PutRolePolicy',
        'iam:GetRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:AttachRolePolicy',
        'iam:DetachRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:ListInstanceProfilesForRole',
        'iam:CreateInstanceProfile',
        'iam:DeleteInstanceProfile',
        'iam:GetInstanceProfile',
        'iam:TagInstanceProfile',
        'iam:AddRoleToInstanceProfile',
        'iam:RemoveRoleFromInstanceProfile',
        'iam:PassRole',
      ],
      resources: [
        `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/slipway/*`,
        `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:instance-profile/slipway/*`,
      ],
    }),
    new iam.PolicyStatement({
      sid: 'ReadAmiParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}::parameter/aws/service/*`],
    }),
  ];
}

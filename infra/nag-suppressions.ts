import { Aspects, CfnResource, type IAspect, type Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Every cdk-nag AwsSolutions finding Slipway accepts, with the reason. A wildcard that matches none
 * of these stays an error, so a new broad permission fails synthesis (and the nag test).
 */
const ACCEPTED_WILDCARDS: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  {
    pattern: /^Action::kms:(GenerateDataKey|ReEncrypt)\*$/,
    reason:
      'CDK key grants: envelope encryption needs every GenerateDataKey/ReEncrypt variant, on the one Slipway key only.',
  },
  {
    pattern: /^Action::s3:(Abort|DeleteObject|GetBucket|GetObject|List)\*$/,
    reason:
      "CDK bucket grants, limited to Slipway's own buckets (state, artifacts) and the CDK asset bucket.",
  },
  {
    pattern: /^Resource::<PhaseStorage\w+\.Arn>\/\*$/,
    reason:
      'Objects of Slipway-owned buckets; keys are per organization/environment and created at run time.',
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):s3:::cdk-[a-z0-9]+-assets-(?:<AWS::AccountId>|\d{12})-[a-z0-9<>:-]+\/\*$/,
    reason: "Read access to the CDK bootstrap asset bucket, where the phases' source bundle is uploaded.",
  },
  {
    pattern: /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):codecommit:[^:]+:[^:]+:\*$/,
    reason:
      "CodeCommit GetDifferences (read-only) on the account's repositories in this region: environments name their repository in their spec, at run time.",
  },
  {
    pattern: /^Resource::arn:<AWS::Partition>:acm:\*:<AWS::AccountId>:certificate\/\*$/,
    reason:
      "The ArgoCD phase's shared-cluster tenant certificates (tenant-ingress.sh): ids are ACM's, assigned at request time; deletion needs the managed-by=slipway tag, all in the allowed regions.",
  },
  {
    pattern: /^Resource::arn:<AWS::Partition>:elasticloadbalancing:\*:<AWS::AccountId>:listener\/net\/\*$/,
    reason:
      "Listener certificates of a shared cluster's ingress listener, whose ARN Terraform assigns at run time: network load balancer listeners tagged managed-by=slipway only, in the allowed regions.",
  },
  {
    pattern: /^Resource::<\w+Function\w*\.Arn>:\*$/,
    reason: 'Step Functions invokes versions/aliases of the same workflow function.',
  },
  {
    pattern: /^Resource::<\w+Logs\w*\.Arn>:\*$/,
    reason: 'Log streams of the log group the function owns; stream names are created at run time.',
  },
  {
    pattern: /^Resource::<StateStoreTable\w+\.Arn>\/index\/\*$/,
    reason: "Queries on the state table's own global secondary indexes.",
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):codebuild:[a-z0-9<>:-]+:(?:<AWS::AccountId>|\d{12}):report-group\/<PhaseProjects\w+>-\*$/,
    reason: 'CodeBuild default: report groups named after the project itself.',
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):logs:[a-z0-9<>:-]+:(?:<AWS::AccountId>|\d{12}):log-group:\/aws\/codebuild\/<PhaseProjects\w+>:\*$/,
    reason: "CodeBuild default: the project's own log streams.",
  },
  {
    pattern:
      /^Action::(ec2:(Describe|Get|Create|Modify|Delete|Associate|Disassociate|Attach|Detach|Authorize|Revoke|Replace)|elasticloadbalancing:(Describe|Create|Modify|Delete|Register|Deregister|Set)|logs:Describe)\*$/,
    reason:
      'The terraform phase creates and changes whole environments (VPC, instances, NLB); creation is confined to the region, changes to resources tagged managed-by=slipway.',
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):iam::(?:<AWS::AccountId>|\d{12}):(role|instance-profile)\/slipway\/\*$/,
    reason: 'Node roles and instance profiles that Terraform creates, confined to the /slipway/ IAM path.',
  },
  {
    pattern: /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):route53:::hostedzone\/\*$/,
    reason:
      "The ingress load balancer's DNS records (certificate validation CNAMEs, alias A records) go to the hosted zone each spec names, unknown when the stack deploys; the statement allows those two record types only.",
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):iam::(?:<AWS::AccountId>|\d{12}):role\/slipway\/tenant-secrets\/\*$/,
    reason:
      "Node boundary: External Secrets assumes the per-organization roles Terraform creates under /slipway/tenant-secrets/<cluster>/<org>/ (the node role's own policy narrows it to its cluster).",
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):secretsmanager:\*:(?:<AWS::AccountId>|\d{12}):secret:slipway-tenants\/\*$/,
    reason:
      "Node boundary: tenant secrets under slipway-tenants/<org>/; each organization's role narrows it to its own prefix.",
  },
  {
    pattern: /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):ssm:\*::parameter\/aws\/service\/\*$/,
    reason: 'Public AMI parameters (latest OS images) that Terraform reads.',
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):ec2:\*:(?:<AWS::AccountId>|\d{12}):instance\/\*$/,
    reason:
      'SSM sessions to nodes; instance ids and regions exist only at run time, limited by the managed-by=slipway tag and the allowed regions.',
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):ssm:\*:(?:<AWS::AccountId>|\d{12}):session\/<aws:userid>-\*$/,
    reason: 'A build may only terminate or resume its own SSM sessions.',
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):secretsmanager:<AWS::Region>:(?:<AWS::AccountId>|\d{12}):secret:slipway\/\*$/,
    reason:
      'Per-environment secrets (kubeconfig, ArgoCD credentials) are created at run time under slipway/.',
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):secretsmanager:<AWS::Region>:(?:<AWS::AccountId>|\d{12}):secret:slipway\/\*\/\*\/\*$/,
    reason:
      "An environment's own secrets (slipway/<org>/<env>/<name>, tagged managed-by=slipway), which its teardown deletes; names exist only at run time.",
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):ssm:\*::document\/(SSM-SessionManagerRunShell|AWS-StartPortForwardingSessionToRemoteHost)$/,
    reason:
      "The one AWS-owned session document a phase uses, in whichever allowed region the environment's nodes run.",
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):logs:\*:(?:<AWS::AccountId>|\d{12}):log-group:\/slipway\/\*(:\*)?$/,
    reason:
      'Log groups Terraform creates for VPC flow logs, all named under /slipway/, in the allowed regions.',
  },
  {
    pattern:
      /^Resource::arn:(?:<AWS::Partition>|aws[a-z-]*):logs:\*:(?:<AWS::AccountId>|\d{12}):log-group:\/slipway\/\*\/\*\/workloads(:\*)?$/,
    reason:
      "Node boundary: a shared cluster's Fluent Bit creates its tenants' workloads groups (/slipway/<org>/<env>/workloads) when they are placed; the node role's own policy gives dedicated clusters no create right.",
  },
];

/**
 * The only actions Slipway accepts on `Resource: "*"`, each with its reason. A policy's
 * `Resource::*` finding is acknowledged only when every action of every Allow statement on `*`
 * matches one of these and meets its condition: `region` needs an `aws:RequestedRegion` condition,
 * `managed-by` a `managed-by = slipway` resource tag condition (and the allowed regions), and
 * `boundary` entries count only inside the node permissions boundary, which caps roles and grants
 * nothing by itself. Any other action on `*` (dynamodb:DeleteTable, kms:Decrypt,
 * states:StartExecution…) stays a finding, whatever condition it carries.
 */
const WILDCARD_RESOURCE_ACTIONS: ReadonlyArray<{
  actions: RegExp;
  reason: string;
  requires?: 'region' | 'managed-by' | 'boundary';
}> = [
  {
    actions: /^xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)$/,
    reason: 'X-Ray tracing calls take no resource ARN.',
  },
  {
    actions: /^secretsmanager:ListSecrets$/,
    reason:
      "ListSecrets supports no resource-level permission (names and metadata only, never values); the ArgoCD teardown lists the environment's secrets by name prefix.",
  },
  {
    actions:
      /^logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies)$/,
    reason: "Vended log delivery (the state machine's execution logs) is authorized on * only.",
  },
  {
    actions: /^logs:(Describe\*|DescribeLogGroups|DescribeLogStreams|ListTagsForResource)$/,
    reason:
      'Read-only CloudWatch Logs listings, which Terraform and flow logs need to find their log groups.',
  },
  {
    actions:
      /^(ec2:(Describe|Get)\*|ec2:DescribeInstances|elasticloadbalancing:Describe\*|ssm:DescribeInstanceInformation)$/,
    reason: 'Read-only EC2, ELB and SSM inventory calls, which take no resource ARN.',
  },
  {
    actions:
      /^(ec2:Create\*|ec2:RunInstances|ec2:AllocateAddress|elasticloadbalancing:Create\*|elasticloadbalancing:AddTags)$/,
    reason:
      'Terraform creates resources whose ids do not exist before the call; confined to the allowed regions (tagging existing resources is denied separately).',
    requires: 'region',
  },
  {
    actions:
      /^(ec2:(Modify|Delete|Associate|Disassociate|Attach|Detach|Authorize|Revoke|Replace)\*|ec2:(ReleaseAddress|TerminateInstances|StopInstances|StartInstances)|elasticloadbalancing:(Modify|Delete|Register|Deregister|Set)\*|elasticloadbalancing:(RemoveTags|AddListenerCertificates|RemoveListenerCertificates)|acm:(DeleteCertificate|RemoveTagsFromCertificate))$/,
    reason: 'Terraform changes and deletes only resources tagged managed-by=slipway, in the allowed regions.',
    requires: 'managed-by',
  },
  {
    actions: /^acm:(RequestCertificate|AddTagsToCertificate)$/,
    reason:
      "The ingress load balancer's certificates do not exist before the request; requested tagged managed-by=slipway, in the allowed regions.",
    requires: 'region',
  },
  {
    actions:
      /^(acm:(DescribeCertificate|ListTagsForCertificate|ListCertificates)|route53:(GetChange|GetHostedZone|ListResourceRecordSets|ListTagsForResource))$/,
    reason:
      'Read-only ACM and Route 53 calls Terraform and the ArgoCD phase make to find and follow the ingress certificates (ListCertificates supports no resource-level permission).',
  },
  {
    actions:
      /^(ssm:(DescribeAssociation|GetDeployablePatchSnapshotForInstance|GetDocument|DescribeDocument|GetManifest|GetParameters?|ListAssociations|ListInstanceAssociations|PutInventory|PutComplianceItems|PutConfigurePackageResult|UpdateAssociationStatus|UpdateInstanceAssociationStatus|UpdateInstanceInformation)|ssmmessages:(CreateControlChannel|CreateDataChannel|OpenControlChannel|OpenDataChannel)|ec2messages:(AcknowledgeMessage|DeleteMessage|FailMessage|GetEndpoint|GetMessages|SendReply))$/,
    reason: "The SSM agent's own calls (AmazonSSMManagedInstanceCore), which take no resource ARN.",
    requires: 'boundary',
  },
  {
    actions: /^logs:(CreateLogStream|PutLogEvents)$/,
    reason: "Caps VPC flow logs' delivery; the flow-log role's own policy names its log group.",
    requires: 'boundary',
  },
  {
    actions:
      /^ec2:(DescribeAvailabilityZones|DescribeSnapshots|DescribeTags|DescribeVolumes|DescribeVolumesModifications|CreateVolume|CreateSnapshot|CreateTags|DeleteTags|AttachVolume|DetachVolume|ModifyVolume|DeleteVolume|DeleteSnapshot)$/,
    reason:
      "Caps the EBS CSI driver on the nodes; the node role's own policy limits it to its cluster's tagged volumes and instances.",
    requires: 'boundary',
  },
];

type Statement = {
  Effect?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
};

function meets(
  statement: Statement,
  requires: 'region' | 'managed-by' | 'boundary' | undefined,
  isBoundary: boolean,
) {
  const equals = (statement.Condition?.StringEquals ?? {}) as Record<string, unknown>;
  switch (requires) {
    case undefined:
      return true;
    case 'region':
      return 'aws:RequestedRegion' in equals;
    case 'managed-by':
      return equals['aws:ResourceTag/managed-by'] === 'slipway' && 'aws:RequestedRegion' in equals;
    case 'boundary':
      return isBoundary;
  }
}

/** Every action of the statement is on the list, with its condition met. */
function isAcceptedOnStar(statement: Statement, isBoundary: boolean): boolean {
  return [statement.Action]
    .flat()
    .every((action) =>
      WILDCARD_RESOURCE_ACTIONS.some(
        (entry) => entry.actions.test(action) && meets(statement, entry.requires, isBoundary),
      ),
    );
}

class AcknowledgeAcceptedFindings implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof lambda.CfnFunction) {
      Validations.of(node).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Slipway targets the nodejs22.x runtime on purpose (tested locally on Node 22); upgrade together with the toolchain.',
      });
    }
    const isPolicy = node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy;
    if (!isPolicy || !CfnResource.isCfnResource(node)) return;
    const findings = rules.iam.IAMNoWildcardPermissions(node);
    if (!Array.isArray(findings)) return;
    for (const finding of findings) {
      const accepted = ACCEPTED_WILDCARDS.find(({ pattern }) => pattern.test(finding));
      if (accepted) {
        Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: accepted.reason });
      } else if (finding === 'Resource::*' && starStatementsAreAccepted(node)) {
        Validations.of(node).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `Resource "*" only for listed actions: ${starReasons(node).join(' ')}`,
        });
      }
    }
  }
}

/** The Allow statements of a policy that name `*` as a resource. */
function starStatements(policy: iam.CfnPolicy | iam.CfnManagedPolicy): Statement[] {
  const document = policy.stack.resolve(policy.policyDocument) as { Statement: Statement[] };
  return document.Statement.filter(
    (statement) => statement.Effect !== 'Deny' && [statement.Resource].flat().includes('*'),
  );
}

function isBoundary(policy: iam.CfnPolicy | iam.CfnManagedPolicy): boolean {
  return policy instanceof iam.CfnManagedPolicy && policy.node.path.includes('NodeBoundary');
}

function starStatementsAreAccepted(policy: iam.CfnPolicy | iam.CfnManagedPolicy): boolean {
  return starStatements(policy).every((statement) => isAcceptedOnStar(statement, isBoundary(policy)));
}

/** The reasons of the entries the policy's `*` statements use, for the acknowledgement. */
function starReasons(policy: iam.CfnPolicy | iam.CfnManagedPolicy): string[] {
  const actions = starStatements(policy).flatMap((statement) => [statement.Action].flat());
  return WILDCARD_RESOURCE_ACTIONS.filter((entry) =>
    actions.some((action) => entry.actions.test(action)),
  ).map((entry) => entry.reason);
}

/** Registers the acknowledgements on the stack; call once, after every construct is added. */
export function applyNagSuppressions(stack: Stack): void {
  Aspects.of(stack).add(new AcknowledgeAcceptedFindings());
}

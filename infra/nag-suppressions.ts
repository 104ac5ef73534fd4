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
];

/**
 * Actions that AWS authorizes on `Resource: *` only (they take no resource ARN, or the ARN is not
 * known to the caller): X-Ray, log delivery, Describe/Get/List calls, the SSM agent's channels and
 * VPC flow logs' delivery. A policy's `Resource::*` finding is accepted only when every Allow
 * statement on `*` uses nothing but these, or is conditioned (see {@link isConditioned}).
 */
const STAR_ONLY_ACTIONS: ReadonlyArray<RegExp> = [
  /^xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)$/,
  /^logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups|DescribeLogStreams|CreateLogStream|PutLogEvents)$/,
  /^ec2:(Describe|Get)\*$/,
  /^ec2:DescribeInstances$/,
  /^ssm:DescribeInstanceInformation$/,
  /^elasticloadbalancing:Describe\*$/,
  /^logs:(Describe\*|ListTagsForResource)$/,
  /^ssm:(DescribeAssociation|GetDeployablePatchSnapshotForInstance|GetDocument|DescribeDocument|GetManifest|GetParameters?|ListAssociations|ListInstanceAssociations|PutInventory|PutComplianceItems|PutConfigurePackageResult|UpdateAssociationStatus|UpdateInstanceAssociationStatus|UpdateInstanceInformation)$/,
  /^ssmmessages:(CreateControlChannel|CreateDataChannel|OpenControlChannel|OpenDataChannel)$/,
  /^ec2messages:(AcknowledgeMessage|DeleteMessage|FailMessage|GetEndpoint|GetMessages|SendReply)$/,
];

type Statement = {
  Effect?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
};

/**
 * A statement on `*` for resources that do not exist before the call (Terraform's create calls) or
 * that Slipway owns (changes), limited to the allowed regions and, for changes, to resources tagged
 * managed-by=slipway.
 */
function isConditioned(statement: Statement): boolean {
  const equals = (statement.Condition?.StringEquals ?? {}) as Record<string, unknown>;
  return 'aws:RequestedRegion' in equals || 'aws:ResourceTag/managed-by' in equals;
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
          reason:
            'Resource "*" only for actions AWS authorizes on "*" alone (X-Ray, log delivery, Describe/Get, SSM agent channels), or for Terraform creating resources whose ids do not exist yet and changing its own, conditioned on the allowed regions and the managed-by=slipway tag.',
        });
      }
    }
  }
}

function starStatementsAreAccepted(policy: iam.CfnPolicy | iam.CfnManagedPolicy): boolean {
  const document = policy.stack.resolve(policy.policyDocument) as { Statement: Statement[] };
  return document.Statement.filter(
    (statement) => statement.Effect !== 'Deny' && [statement.Resource].flat().includes('*'),
  ).every(
    (statement) =>
      isConditioned(statement) ||
      [statement.Action].flat().every((action) => STAR_ONLY_ACTIONS.some((allowed) => allowed.test(action))),
  );
}

/** Registers the acknowledgements on the stack; call once, after every construct is added. */
export function applyNagSuppressions(stack: Stack): void {
  Aspects.of(stack).add(new AcknowledgeAcceptedFindings());
}

import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SlipwayStack } from '../../infra/slipway-stack.js';
import { synthSlipway } from '../support/synth.js';

/** The stack with `statement` added to the Terraform phase's role before synthesis; its nag findings. */
function findingsWith(statement: iam.PolicyStatement): string[] {
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SlipwayStack(app, 'Slipway', { env: { account: '123456789012', region: 'eu-west-1' } });
  stack.phaseProjects.projects.terraform.addToRolePolicy(statement);
  Template.fromStack(stack);
  return new AwsSolutionsChecks()
    .validateScope(app)
    .violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('cdk-nag AwsSolutions', () => {
  // One synthesized stack and one nag pass over it for the two checks of the stack as it is.
  let app: ReturnType<typeof synthSlipway>['app'];
  let report: ReturnType<AwsSolutionsChecks['validateScope']>;
  beforeAll(() => {
    app = synthSlipway().app;
    report = new AwsSolutionsChecks().validateScope(app);
  });

  it('finds no unsuppressed error or warning in the Slipway stack', () => {
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('gives every suppression a reason', () => {
    const acknowledged = app.node
      .findAll()
      .flatMap((node) => node.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.values(entry.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const reason of acknowledged) expect(reason.length).toBeGreaterThan(20);
  });

  // A condition on the region or the managed-by tag no longer makes any action on "*" acceptable:
  // only the listed actions (nag-suppressions.ts) are.
  it.each([
    ['dynamodb:DeleteTable', { StringEquals: { 'aws:RequestedRegion': ['eu-west-1'] } }],
    ['kms:Decrypt', { StringEquals: { 'aws:RequestedRegion': ['eu-west-1'] } }],
    ['states:StartExecution', { StringEquals: { 'aws:RequestedRegion': ['eu-west-1'] } }],
    [
      'kms:Decrypt',
      { StringEquals: { 'aws:ResourceTag/managed-by': 'slipway', 'aws:RequestedRegion': ['eu-west-1'] } },
    ],
  ])('fails when the Terraform role gets %s on "*" with %j', (action, conditions) => {
    const findings = findingsWith(
      new iam.PolicyStatement({ actions: [action], resources: ['*'], conditions }),
    );
    expect(
      findings.some((finding) =>
        /AwsSolutions-IAM5\[Resource::\*\]: .*PhaseProjects\/terraform\/Role\//.test(finding),
      ),
    ).toBe(true);
  });

  it('still accepts a listed action on "*" with its condition (ec2:RunInstances in the allowed regions)', () => {
    const findings = findingsWith(
      new iam.PolicyStatement({
        actions: ['ec2:RunInstances'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': ['eu-west-1'] } },
      }),
    );
    expect(findings).toEqual([]);
  });

  it('refuses a listed create action on "*" without its region condition', () => {
    const findings = findingsWith(
      new iam.PolicyStatement({ actions: ['ec2:RunInstances'], resources: ['*'] }),
    );
    expect(
      findings.some((finding) =>
        /AwsSolutions-IAM5\[Resource::\*\]: .*PhaseProjects\/terraform\/Role\//.test(finding),
      ),
    ).toBe(true);
  });
});

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { slipwayTemplate } from '../support/shared-template.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Policy = { Properties: { PolicyDocument: { Statement: Statement[] }; Roles: Array<{ Ref: string }> } };

const actionsOf = (statement: Statement) => [statement.Action].flat();

/**
 * The scripts a buildspec runs (`bash buildspecs/scripts/...`) and, transitively, the ones they
 * `source` ("$(dirname "${BASH_SOURCE[0]}")/x.sh").
 */
function scriptsOf(buildspec: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, relative] of text.matchAll(
      /^\s*source "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/([^"]+)"/gm,
    )) {
      visit(path.normalize(path.join(path.dirname(file), relative ?? '')));
    }
  };
  for (const [script] of readFileSync(buildspec, 'utf8').matchAll(/buildspecs\/scripts\/[\w/.-]+\.sh/g))
    visit(script);
  return [...seen];
}

/** `aws secretsmanager list-secrets` → `secretsmanager:ListSecrets`; `aws s3 cp s3://… file` → `s3:GetObject`. */
function iamActionsOfCalls(script: string): string[] {
  // Continuation lines joined; comments and `require_cmd aws jq …` (a list of tools) are no calls.
  const text = readFileSync(script, 'utf8')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line) && !/\brequire_cmd\b/.test(line))
    .join('\n');
  const actions: string[] = [];
  for (const [, service = '', command = '', rest = ''] of text.matchAll(
    /\baws ([a-z0-9-]+) ([a-z][a-z0-9-]*)([^\n]*)/g,
  )) {
    if (service === 's3' && command === 'cp') {
      actions.push(/^\s*"?s3:\/\//.test(rest) ? 's3:GetObject' : 's3:PutObject');
    } else {
      const operation = command.replace(/(^|-)([a-z])/g, (_m, _dash, letter: string) => letter.toUpperCase());
      // The CLI's service names that are not IAM's.
      const prefix = service === 'elbv2' ? 'elasticloadbalancing' : service;
      actions.push(`${prefix}:${operation}`);
    }
  }
  return actions;
}

/** An Allow statement's action pattern (`ec2:Describe*`, `s3:GetObject*`) covers `action`. */
const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(action);
const resourcesOf = (statement: Statement) => [statement.Resource].flat();

describe('IAM scoping', () => {
  let policies: Record<string, Policy>;
  let template: Awaited<ReturnType<typeof slipwayTemplate>>;
  /** Statements of the policies attached to roles whose logical id starts with `prefix`. */
  const statementsOfRole = (prefix: string): Statement[] =>
    Object.values(policies)
      .filter((policy) => policy.Properties.Roles.some((role) => role.Ref.startsWith(prefix)))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);

  beforeAll(async () => {
    template = await slipwayTemplate();
    policies = template.findResources('AWS::IAM::Policy') as Record<string, Policy>;
  });

  it('grants no administrator or service-wide wildcard anywhere', () => {
    for (const policy of Object.values(policies)) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        for (const action of actionsOf(statement)) {
          expect(action).not.toBe('*');
          expect(action).not.toMatch(/^[a-z0-9-]+:\*$/);
        }
      }
    }
  });

  it('lets only the alert deliverers publish to the topic: the workflow, its watchdog, the hooks, the retrier and the alarm relay', () => {
    const publishers = Object.values(policies)
      .filter((policy) =>
        policy.Properties.PolicyDocument.Statement.some((s) => actionsOf(s).includes('sns:Publish')),
      )
      .map((policy) => (policy.Properties.Roles[0]?.Ref ?? '').replace(/FunctionRole[0-9A-F]{8}$/, ''))
      .sort();
    expect(publishers).toEqual([
      'ApiAlertmanagerHook',
      'ApiArgocdHook',
      // A shared cluster's hooks deliver the alerts of the tenant they route to.
      'ApiClusterAlertmanagerHook',
      'ApiClusterArgocdHook',
      'ExecutionEnded',
      'PlatformAlarm',
      'PublishAlert',
      'RetryAlerts',
    ]);
  });

  it('confines the Terraform phase’s IAM rights to the /slipway/ path and its changes to tagged resources', () => {
    const statements = statementsOfRole('PhaseProjectsterraformRole');
    const iamStatements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('iam:')));
    expect(iamStatements.length).toBeGreaterThan(0);
    for (const statement of iamStatements) {
      for (const resource of resourcesOf(statement)) {
        expect(JSON.stringify(resource)).toMatch(/:(role|instance-profile)\/slipway\/\*/);
      }
    }
    const changes = statements.find((s) => actionsOf(s).includes('ec2:TerminateInstances'));
    expect(changes?.Condition).toMatchObject({ StringEquals: { 'aws:ResourceTag/managed-by': 'slipway' } });
  });

  it('lets the Ansible and ArgoCD phases reach nodes only through SSM sessions on Slipway nodes, never create them', () => {
    for (const prefix of ['PhaseProjectsansibleRole', 'PhaseProjectsargocdbootstrapRole']) {
      const statements = statementsOfRole(prefix);
      const actions = statements.flatMap(actionsOf);
      expect(actions).toContain('ssm:StartSession');
      expect(actions.some((a) => /^ec2:(RunInstances|Create|Authorize)/.test(a))).toBe(false);
      expect(actions.some((a) => a.startsWith('iam:'))).toBe(false);
      const onInstances = statements.find(
        (s) => actionsOf(s).includes('ssm:StartSession') && JSON.stringify(s.Resource).includes(':instance/'),
      );
      expect(onInstances?.Condition).toEqual({
        StringEquals: { 'ssm:resourceTag/managed-by': 'slipway', 'aws:RequestedRegion': ['eu-west-1'] },
      });
    }
  });

  it('lets the state machine start only the three phase projects', () => {
    const statements = statementsOfRole('WorkflowStateMachineRole');
    const start = statements.filter((s) => actionsOf(s).includes('codebuild:StartBuild'));
    const resources = start.flatMap(resourcesOf).map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(3);
    for (const resource of resources)
      expect(resource).toMatch(/PhaseProjects(terraform|ansible|argocdbootstrap)/);
  });

  it('gives the workflow handlers data access to the state table only', () => {
    for (const prefix of [
      'AcquireLockFunctionRole',
      'RecordPhaseFunctionRole',
      'RecordFailureFunctionRole',
    ]) {
      const dynamo = statementsOfRole(prefix).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('dynamodb:')),
      );
      expect(dynamo.length, prefix).toBeGreaterThan(0);
      for (const statement of dynamo) {
        for (const resource of resourcesOf(statement))
          expect(JSON.stringify(resource)).toMatch(/StateStoreTable/);
      }
    }
  });

  it('makes every IAM role Terraform creates carry the node boundary, with only SSM core attached and passed only to EC2 and flow logs', () => {
    const statements = statementsOfRole('PhaseProjectsterraformRole');
    const writes = statements.filter((s) =>
      actionsOf(s).some((a) => ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy'].includes(a)),
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const statement of writes) {
      expect(JSON.stringify(statement.Condition)).toMatch(/iam:PermissionsBoundary.*NodeBoundary/);
    }
    const attach = statements.find((s) => actionsOf(s).includes('iam:AttachRolePolicy'));
    expect(JSON.stringify(attach?.Condition)).toContain('policy/AmazonSSMManagedInstanceCore');
    const pass = statements.find((s) => actionsOf(s).includes('iam:PassRole'));
    expect(pass?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'vpc-flow-logs.amazonaws.com'] },
    });
    expect(statements.flatMap(actionsOf)).not.toContain('iam:PutRolePermissionsBoundary');
    expect(statements.flatMap(actionsOf)).not.toContain('iam:DeleteRolePermissionsBoundary');
  });

  it('keeps the node boundary free of IAM, STS and SSM command rights, but assuming tenant secret roles', () => {
    const boundaries = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as Array<{
      Properties: { PolicyDocument: { Statement: Statement[] } };
    }>;
    expect(boundaries).toHaveLength(1);
    const statements = boundaries[0]?.Properties.PolicyDocument.Statement ?? [];
    const actions = statements.flatMap(actionsOf);
    expect(actions.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of actionsOf(statement)) {
        expect(action).not.toMatch(/^iam:|^sts:(?!AssumeRole$)|^ssm:(SendCommand|StartSession|\*)|\*$/);
        // External Secrets' per-organization roles, and nothing else, may be assumed.
        if (action === 'sts:AssumeRole')
          expect(JSON.stringify(resourcesOf(statement))).toMatch(
            /^\[\{"Fn::Join":.*:role\/slipway\/tenant-secrets\/\*"\]\]\}\]$/,
          );
        // Tenant secrets only: the slipway-tenants/ prefix, which no phase role reads.
        if (action.startsWith('secretsmanager:'))
          expect(JSON.stringify(resourcesOf(statement))).toMatch(/:secret:slipway-tenants\/\*"\]\]\}\]$/);
      }
    }
  });

  it("caps Fluent Bit's log-group creation in the node boundary at tenants' workloads groups", () => {
    const boundaries = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as Array<{
      Properties: { PolicyDocument: { Statement: Array<Statement & { Sid?: string }> } };
    }>;
    const statements = boundaries[0]?.Properties.PolicyDocument.Statement ?? [];
    const creating = statements.filter((statement) =>
      actionsOf(statement).some((action) =>
        ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'].includes(action),
      ),
    );
    expect(creating.map((statement) => statement.Sid)).toEqual(['TenantLogGroups']);
    expect(actionsOf(creating[0] ?? { Effect: '', Action: [], Resource: '' }).sort()).toEqual([
      'logs:CreateLogGroup',
      'logs:PutRetentionPolicy',
    ]);
    const resources = JSON.stringify(resourcesOf(creating[0] ?? { Effect: '', Action: [], Resource: '' }));
    // /slipway/<org>/<env>/workloads only: never a flow-log group (/slipway/vpc-flow-logs/<cluster>)
    // or a platform group, and no read or delete right on logs anywhere in the boundary.
    expect(resources.match(/log-group:[^"]*/g)).toEqual([
      'log-group:/slipway/*/*/workloads',
      'log-group:/slipway/*/*/workloads:*',
    ]);
    expect(
      statements.flatMap(actionsOf).filter((action) => /^logs:(Get|Filter|StartQuery|Delete)/.test(action)),
    ).toEqual([]);
  });

  it('lets the node boundary carry the EBS CSI driver (named actions only, no ec2 wildcard)', () => {
    const boundaries = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as Array<{
      Properties: { PolicyDocument: { Statement: Array<Statement & { Sid?: string }> } };
    }>;
    const csi = boundaries[0]?.Properties.PolicyDocument.Statement.find((s) => s.Sid === 'EbsCsiDriver');
    expect(actionsOf(csi ?? { Effect: '', Action: [], Resource: '' }).sort()).toEqual(
      [
        'ec2:AttachVolume',
        'ec2:CreateSnapshot',
        'ec2:CreateTags',
        'ec2:CreateVolume',
        'ec2:DeleteSnapshot',
        'ec2:DeleteTags',
        'ec2:DeleteVolume',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInstances',
        'ec2:DescribeSnapshots',
        'ec2:DescribeTags',
        'ec2:DescribeVolumes',
        'ec2:DescribeVolumesModifications',
        'ec2:DetachVolume',
        'ec2:ModifyVolume',
      ].sort(),
    );
  });

  it('lets Terraform tag an existing resource only if it is already Slipway’s', () => {
    const statements = statementsOfRole('PhaseProjectsterraformRole');
    for (const [action, createKey] of [
      ['ec2:CreateTags', 'ec2:CreateAction'],
      ['elasticloadbalancing:AddTags', 'elasticloadbalancing:CreateAction'],
    ]) {
      const deny = statements.find((s) => s.Effect === 'Deny' && actionsOf(s).includes(action as string));
      expect(deny?.Condition, action).toEqual({
        Null: { [createKey as string]: 'true' },
        StringNotEquals: { 'aws:ResourceTag/managed-by': 'slipway' },
      });
    }
  });

  it('lets only the ArgoCD phase read secrets', () => {
    const reads = (prefix: string) =>
      statementsOfRole(prefix).flatMap(actionsOf).includes('secretsmanager:GetSecretValue');
    expect(reads('PhaseProjectsterraformRole')).toBe(false);
    expect(reads('PhaseProjectsansibleRole')).toBe(false);
    expect(reads('PhaseProjectsargocdbootstrapRole')).toBe(true);
  });

  it('gives handlers item operations only: no Scan, batch writes or stream reads', () => {
    for (const policy of Object.values(policies)) {
      for (const action of policy.Properties.PolicyDocument.Statement.flatMap(actionsOf)) {
        expect(action).not.toMatch(/^dynamodb:(Scan|Batch|.*Stream|\*)/);
      }
    }
    const alertActions = statementsOfRole('PublishAlertFunctionRole')
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:'));
    // Put (outbox and record), Update (claim and delivery status, conditional), Delete (outbox entry).
    expect(alertActions.sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it('lets only the ArgoCD phase delete secrets: its environment-shaped, Slipway-tagged ones, listed on * (no resource scoping exists)', () => {
    for (const prefix of ['PhaseProjectsterraformRole', 'PhaseProjectsansibleRole']) {
      const actions = statementsOfRole(prefix).flatMap(actionsOf);
      expect(actions, prefix).not.toContain('secretsmanager:DeleteSecret');
      expect(actions, prefix).not.toContain('secretsmanager:ListSecrets');
    }
    const argocd = statementsOfRole('PhaseProjectsargocdbootstrapRole');
    const deletes = argocd.filter((s) => actionsOf(s).includes('secretsmanager:DeleteSecret'));
    expect(deletes).toHaveLength(1);
    expect(actionsOf(deletes[0] as Statement)).toEqual(['secretsmanager:DeleteSecret']);
    expect(JSON.stringify(deletes[0]?.Resource)).toMatch(/:secret:slipway\/\*\/\*\/\*"/);
    expect(deletes[0]?.Condition).toEqual({
      StringEquals: { 'secretsmanager:ResourceTag/managed-by': 'slipway' },
    });
    const onStar = argocd.filter(
      (s) => resourcesOf(s).includes('*') && actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(onStar.flatMap(actionsOf)).toEqual(['secretsmanager:ListSecrets']);
  });

  it.each([
    ['terraform', 'PhaseProjectsterraformRole'],
    ['ansible', 'PhaseProjectsansibleRole'],
    ['argocd-bootstrap', 'PhaseProjectsargocdbootstrapRole'],
  ])('allows every AWS CLI call of the %s teardown build on that phase role', (phase, prefix) => {
    const scripts = scriptsOf(`buildspecs/teardown/${phase}.yml`);
    expect(scripts.length).toBeGreaterThan(1);
    const calls = [...new Set(scripts.flatMap(iamActionsOfCalls))];
    const allowed = statementsOfRole(prefix)
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actionsOf);
    const missing = calls.filter((action) => !allowed.some((pattern) => covers(pattern, action)));
    expect(missing, `${phase} teardown calls ${calls.join(', ')}`).toEqual([]);
    if (phase === 'argocd-bootstrap') {
      expect(calls).toEqual(
        expect.arrayContaining([
          'secretsmanager:ListSecrets',
          'secretsmanager:DeleteSecret',
          'acm:DeleteCertificate',
          'elasticloadbalancing:RemoveListenerCertificates',
          'route53:ChangeResourceRecordSets',
        ]),
      );
    }
  });

  it("allows every AWS CLI call of the ArgoCD phase's own build (a tenant's certificate, listener and records included) on its role", () => {
    const scripts = scriptsOf('buildspecs/argocd-bootstrap.yml');
    const calls = [...new Set(scripts.flatMap(iamActionsOfCalls))];
    expect(calls).toEqual(
      expect.arrayContaining([
        'acm:RequestCertificate',
        'acm:ListCertificates',
        'elasticloadbalancing:AddListenerCertificates',
        'route53:ChangeResourceRecordSets',
      ]),
    );
    const allowed = statementsOfRole('PhaseProjectsargocdbootstrapRole')
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actionsOf);
    expect(calls.filter((action) => !allowed.some((pattern) => covers(pattern, action)))).toEqual([]);
  });

  it("lets the ArgoCD phase request and delete only Slipway-tagged certificates and change listener certificates only on Slipway's listeners", () => {
    const argocd = statementsOfRole('PhaseProjectsargocdbootstrapRole');
    const withAction = (action: string) => argocd.filter((s) => actionsOf(s).includes(action));
    for (const action of ['acm:RequestCertificate', 'acm:DeleteCertificate']) {
      expect(withAction(action).length, action).toBeGreaterThan(0);
      for (const statement of withAction(action))
        expect(JSON.stringify(statement.Condition), action).toMatch(
          /"aws:(Request|Resource)Tag\/managed-by":"slipway"/,
        );
    }
    for (const action of [
      'elasticloadbalancing:AddListenerCertificates',
      'elasticloadbalancing:RemoveListenerCertificates',
    ]) {
      for (const statement of withAction(action)) {
        expect(JSON.stringify(statement.Resource)).toMatch(/:listener\/net\/\*/);
        expect(JSON.stringify(statement.Condition)).toMatch(/"aws:ResourceTag\/managed-by":"slipway"/);
      }
    }
  });
});

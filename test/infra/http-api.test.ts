import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, CLUSTER_HOOK_ROUTES, HOOK_ROUTES } from '../../functions/handlers/api/routes.js';
import type { HttpApi } from '../../infra/constructs/http-api.js';
import { synthApiStack, TEST_ROUTES } from '../support/api-stack.js';
import { synthSlipway } from '../support/synth.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Policy = { Properties: { PolicyDocument: { Statement: Statement[] }; Roles: Array<{ Ref: string }> } };
type Template = ReturnType<typeof synthApiStack>['template'];

const STATE_TABLE = /StateStoreTable/;
const IDEMPOTENCY_TABLE = /IdempotencyTable/;

/** A synthesized stack with an HttpApi: the construct test stack or the Slipway stack itself. */
interface Built {
  readonly api: HttpApi;
  readonly template: Template;
}

/** Every (action, resource) a route's function may use, from the policies on its role. */
function rightsOf(built: Built, routeId: string) {
  const fn = built.api.functions[routeId];
  if (!fn) throw new Error(`no function for route ${routeId}`);
  const roleId = Stack.of(fn).getLogicalId(fn.role?.node.defaultChild as CfnElement);
  const policies = Object.values(built.template.findResources('AWS::IAM::Policy') as Record<string, Policy>);
  const statements = policies
    .filter((policy) => policy.Properties.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  const pairs = statements.flatMap((statement) =>
    [statement.Action]
      .flat()
      .flatMap((action) =>
        [statement.Resource].flat().map((resource) => ({ action, resource: JSON.stringify(resource) })),
      ),
  );
  const on = (table: RegExp) =>
    [
      ...new Set(
        pairs.filter((p) => p.action.startsWith('dynamodb:') && table.test(p.resource)).map((p) => p.action),
      ),
    ].sort();
  return {
    stateTable: on(STATE_TABLE),
    idempotencyTable: on(IDEMPOTENCY_TABLE),
    dynamodbElsewhere: pairs.filter(
      (p) =>
        p.action.startsWith('dynamodb:') &&
        !STATE_TABLE.test(p.resource) &&
        !IDEMPOTENCY_TABLE.test(p.resource),
    ),
    states: pairs.filter((p) => p.action.startsWith('states:')),
  };
}

function environmentOf(built: Built, routeId: string): Record<string, unknown> {
  const fn = built.api.functions[routeId];
  if (!fn) throw new Error(`no function for route ${routeId}`);
  const logicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
  const resource = built.template.toJSON().Resources[logicalId] as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  return resource.Properties.Environment.Variables;
}

const cognitoAuthorizer = {
  AuthorizerType: 'JWT',
  IdentitySource: ['$request.header.Authorization'],
  JwtConfiguration: {
    Issuer: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IdentityUserPool'), 'ProviderURL'] },
    Audience: [{ Ref: Match.stringLikeRegexp('^IdentityUserPoolClient') }],
  },
};

describe('HttpApi', () => {
  let built: ReturnType<typeof synthApiStack>;
  let template: Template;
  beforeAll(() => {
    built = synthApiStack();
    template = built.template;
  });

  it("has one JWT authorizer trusting the user pool's issuer and its app client as audience", () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', cognitoAuthorizer);
  });

  it('creates one route per route-table entry, each behind the JWT authorizer and its own function', () => {
    const authorizerId = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      TEST_ROUTES.map((route) => `${route.method} ${route.path}`).sort(),
    );
    for (const route of routes) {
      expect(route.Properties.AuthorizationType).toBe('JWT');
      expect(route.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    }
    const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'));
    const targets = new Set(
      integrations.map((integration) => JSON.stringify(integration.Properties.IntegrationUri)),
    );
    expect(targets.size).toBe(TEST_ROUTES.length);
    for (const integration of integrations) expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
  });

  it("bundles each route's handler file as a Node.js 22 arm64 function", () => {
    for (const route of TEST_ROUTES) {
      const fn = built.api.functions[route.id];
      expect(fn?.runtime.name).toBe('nodejs22.x');
      expect(fn?.architecture.name).toBe('arm64');
    }
  });

  it('gives a read route GetItem and Query on the state table only, and no write, start or idempotency right', () => {
    const rights = rightsOf(built, 'read-thing');
    expect(rights.stateTable).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(rights.idempotencyTable).toEqual([]);
    expect(rights.dynamodbElsewhere).toEqual([]);
    expect(rights.states).toEqual([]);
    expect(Object.keys(environmentOf(built, 'read-thing'))).not.toContain('STATE_MACHINE_ARN');
    expect(Object.keys(environmentOf(built, 'read-thing'))).not.toContain('IDEMPOTENCY_TABLE_NAME');
  });

  it('gives a read-write route item writes on the state table, still no Scan, batch or start', () => {
    const rights = rightsOf(built, 'put-thing');
    expect(rights.stateTable).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(rights.idempotencyTable).toEqual([]);
    expect(rights.states).toEqual([]);
  });

  it('lets only a run-starting route start executions, of the one state machine, and names it in STATE_MACHINE_ARN', () => {
    const rights = rightsOf(built, 'start-thing');
    expect(rights.states.map((p) => p.action)).toEqual(['states:StartExecution']);
    expect(rights.states[0]?.resource).toMatch(/"Ref":"Machine/);
    expect(environmentOf(built, 'start-thing').STATE_MACHINE_ARN).toMatchObject({
      Ref: expect.stringMatching(/^Machine/),
    });
  });

  it('lets an idempotent route read and write the idempotency table, named in IDEMPOTENCY_TABLE_NAME', () => {
    const rights = rightsOf(built, 'start-thing');
    expect(rights.idempotencyTable).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(environmentOf(built, 'start-thing').IDEMPOTENCY_TABLE_NAME).toEqual({
      Ref: expect.stringMatching(IDEMPOTENCY_TABLE),
    });
  });

  it('tells every route function the state table in TABLE_NAME', () => {
    for (const route of TEST_ROUTES) {
      expect(environmentOf(built, route.id).TABLE_NAME).toEqual({ Ref: expect.stringMatching(STATE_TABLE) });
    }
  });

  it('writes JSON access logs with the request id, caller, route, status and latency, never a header or body', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const settings = stage?.Properties.AccessLogSettings;
    expect(settings?.DestinationArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ApiAccessLogs/), 'Arn'],
    });
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latency: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
    });
    for (const variable of Object.values(format)) {
      expect(variable).not.toMatch(/header|body|Authorization/i);
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('throttles the stage by default and every route by its own rate and burst', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stage?.Properties.StageName).toBe('$default');
    expect(stage?.Properties.AutoDeploy).toBe(true);
    expect(stage?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 25,
      ThrottlingBurstLimit: 50,
    });
    expect(stage?.Properties.RouteSettings).toEqual(
      Object.fromEntries(
        TEST_ROUTES.map((route) => [
          `${route.method} ${route.path}`,
          { ThrottlingRateLimit: route.throttle.rate, ThrottlingBurstLimit: route.throttle.burst },
        ]),
      ),
    );
    // Route settings name route keys, so the stage must wait for every route.
    const routeIds = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(stage?.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('has no CORS configuration unless origins are given', () => {
    const [api] = Object.values(template.findResources('AWS::ApiGatewayV2::Api'));
    expect(api?.Properties.CorsConfiguration).toBeUndefined();
  });

  it('allows exactly the configured origins, the API methods and headers', () => {
    const origins = ['https://console.example.com', 'http://localhost:5173'];
    synthApiStack({ corsOrigins: origins }).template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: origins,
        AllowMethods: ['GET', 'PUT', 'POST', 'DELETE'],
        AllowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
        AllowCredentials: Match.absent(),
      },
    });
  });

  it('trusts a given OIDC issuer and audience instead of a user pool, and creates no user pool', () => {
    const oidc = { issuer: 'https://login.example.com/realms/acme', audience: ['slipway', 'slipway-cli'] };
    const { template: own } = synthApiStack({ identity: { oidc } });
    own.resourceCountIs('AWS::Cognito::UserPool', 0);
    own.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    own.resourceCountIs('AWS::Cognito::UserPoolGroup', 0);
    own.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: oidc.issuer, Audience: oidc.audience },
    });
  });

  it('finds no unsuppressed cdk-nag finding on the API, identity and idempotency resources', () => {
    const report = new AwsSolutionsChecks().validateScope(built.app);
    const ours = report.violations
      .map((v) => ({
        rule: v.ruleName,
        paths: v.violatingResources
          .map((r) => r.constructPath)
          .filter((path) => !path?.startsWith('ApiTest/Machine')),
      }))
      .filter((v) => v.paths.length > 0);
    expect(ours).toEqual([]);
  });
});

describe('IdempotencyStore', () => {
  it('is an on-demand table keyed by id, with the expiration TTL, PITR, the stack key, and retained', () => {
    const { template } = synthApiStack();
    const tables = template.findResources('AWS::DynamoDB::GlobalTable', {
      Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] },
    });
    expect(Object.keys(tables)).toHaveLength(1);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
          }),
        ],
      },
    });
  });
});

describe('SlipwayStack HTTP API', () => {
  let built: Built & { stack: ReturnType<typeof synthSlipway>['stack'] };
  beforeAll(() => {
    const { stack, template } = synthSlipway();
    built = { api: stack.api, stack, template };
  });

  it('serves every route of the route table behind the Cognito JWT authorizer, throttled by its own setting', () => {
    const { template } = built;
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', cognitoAuthorizer);
    const authorizerId = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    const hookKeys = [...CLUSTER_HOOK_ROUTES, ...HOOK_ROUTES].map((route) => `${route.method} ${route.path}`);
    const all = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    // The webhooks authenticate their senders themselves (a signature or a token), without a JWT.
    const hooks = all.filter((route) => hookKeys.includes(route.Properties.RouteKey));
    expect(hooks.map((route) => route.Properties.RouteKey).sort()).toEqual([...hookKeys].sort());
    for (const hook of hooks) expect(hook.Properties.AuthorizationType).toBe('NONE');
    const routes = all.filter((route) => !hookKeys.includes(route.Properties.RouteKey));
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      API_ROUTES.map((route) => `${route.method} ${route.path}`).sort(),
    );
    for (const route of routes) expect(route.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    for (const route of API_ROUTES) {
      expect(stage?.Properties.RouteSettings[`${route.method} ${route.path}`]).toEqual({
        ThrottlingRateLimit: route.throttle.rate,
        ThrottlingBurstLimit: route.throttle.burst,
      });
    }
  });

  it.each(API_ROUTES.map((route) => [route.id, route] as const))(
    'gives %s exactly the rights its route-table entry names',
    (id, route) => {
      const rights = rightsOf(built, id);
      expect(rights.stateTable).toEqual(
        route.table === 'read'
          ? ['dynamodb:GetItem', 'dynamodb:Query']
          : [
              'dynamodb:DeleteItem',
              'dynamodb:GetItem',
              'dynamodb:PutItem',
              'dynamodb:Query',
              'dynamodb:UpdateItem',
            ],
      );
      expect(rights.dynamodbElsewhere).toEqual([]);
      expect(rights.idempotencyTable.length > 0).toBe(route.idempotent === true);
      expect(rights.states.map((p) => p.action)).toEqual(route.startsRuns ? ['states:StartExecution'] : []);
      for (const start of rights.states) expect(start.resource).toMatch(/"Ref":"WorkflowStateMachine/);
      const environment = environmentOf(built, id);
      expect(environment.TABLE_NAME).toEqual({ Ref: expect.stringMatching(STATE_TABLE) });
      expect('STATE_MACHINE_ARN' in environment).toBe(route.startsRuns === true);
      expect('IDEMPOTENCY_TABLE_NAME' in environment).toBe(route.idempotent === true);
    },
  );

  it('outputs the API URL, the issuer, the audience, the user pool and its client', () => {
    const outputs = built.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'OidcIssuer', 'OidcAudience', 'UserPoolId', 'UserPoolClientId']),
    );
    expect(outputs.ApiUrl?.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Api/), 'ApiEndpoint'] });
    expect(outputs.OidcIssuer?.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^IdentityUserPool/), 'ProviderURL'],
    });
  });

  it('tells the three phase projects the issuer and client id, as plain variables', () => {
    const projects = Object.values(built.template.findResources('AWS::CodeBuild::Project'));
    expect(projects).toHaveLength(3);
    for (const project of projects) {
      const variables = project.Properties.Environment.EnvironmentVariables as Array<{
        Name: string;
        Type: string;
        Value: unknown;
      }>;
      expect(variables).toEqual(
        expect.arrayContaining([
          {
            Name: 'SLIPWAY_OIDC_ISSUER_URL',
            Type: 'PLAINTEXT',
            Value: { 'Fn::GetAtt': [expect.stringMatching(/^IdentityUserPool/), 'ProviderURL'] },
          },
          {
            Name: 'SLIPWAY_OIDC_CLIENT_ID',
            Type: 'PLAINTEXT',
            Value: { Ref: expect.stringMatching(/^IdentityUserPoolClient/) },
          },
        ]),
      );
    }
  });

  it('with a given OIDC provider and CORS origins: no user pool, that issuer everywhere, those origins', () => {
    const oidc = { issuer: 'https://login.example.com/realms/acme', audience: ['slipway'] };
    const corsOrigins = ['https://console.example.com'];
    const { template } = synthSlipway({ props: { oidc, corsOrigins } });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: oidc.issuer, Audience: oidc.audience },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: corsOrigins }),
    });
    template.hasOutput('OidcIssuer', { Value: oidc.issuer });
    expect(Object.keys(template.toJSON().Outputs)).not.toContain('UserPoolId');
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({
        EnvironmentVariables: Match.arrayWith([
          { Name: 'SLIPWAY_OIDC_ISSUER_URL', Type: 'PLAINTEXT', Value: oidc.issuer },
          { Name: 'SLIPWAY_OIDC_CLIENT_ID', Type: 'PLAINTEXT', Value: 'slipway' },
        ]),
      }),
    });
  });
});

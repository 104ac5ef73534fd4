import { Match } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../functions/domain/authorization.js';
import { synthApiStack } from '../support/api-stack.js';

describe('Identity', () => {
  let built: ReturnType<typeof synthApiStack>;
  beforeAll(() => {
    built = synthApiStack();
  });

  it('creates a user pool where only administrators create accounts, signing in by email', () => {
    built.template.resourceCountIs('AWS::Cognito::UserPool', 1);
    built.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: Match.anyValue(),
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      DeletionProtection: 'ACTIVE',
    });
    const [pool] = Object.values(built.template.findResources('AWS::Cognito::UserPool'));
    expect(pool?.Properties.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
    expect(pool?.DeletionPolicy).toBe('Retain');
    expect(pool?.UpdateReplacePolicy).toBe('Retain');
  });

  it('has one group per role of the domain', () => {
    expect(ROLES).toEqual(['platform-admin', 'org-admin', 'developer', 'viewer']);
    const groups = Object.values(built.template.findResources('AWS::Cognito::UserPoolGroup'));
    expect(groups.map((group) => group.Properties.GroupName).sort()).toEqual([...ROLES].sort());
    for (const group of groups) {
      expect(group.Properties.UserPoolId).toEqual({ Ref: expect.stringMatching(/^IdentityUserPool/) });
    }
  });

  it('keeps the organizations in a custom attribute that users may read but never write', () => {
    built.template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'orgs', AttributeDataType: 'String', Mutable: true }),
      ]),
    });
    const [client] = Object.values(built.template.findResources('AWS::Cognito::UserPoolClient'));
    expect(client?.Properties.ReadAttributes).toContain('custom:orgs');
    expect(client?.Properties.WriteAttributes).toBeDefined();
    expect(client?.Properties.WriteAttributes).not.toContain('custom:orgs');
  });

  it('has a public app client: no secret, SRP and the OAuth code flow, never the implicit flow', () => {
    built.template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    built.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: Match.arrayWith(['openid']),
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it("exposes the pool's issuer and the client as the audience", () => {
    const stack = built.stack;
    expect(stack.resolve(built.identity.issuer)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^IdentityUserPool/), 'ProviderURL'],
    });
    expect(stack.resolve(built.identity.audience)).toEqual([
      { Ref: expect.stringMatching(/^IdentityUserPoolClient/) },
    ]);
  });

  it('accepts MFA as optional only with an acknowledged reason, and requires no acknowledgement when MFA is required', () => {
    const optional = new AwsSolutionsChecks().validateScope(built.app).violations;
    expect(optional.filter((v) => v.ruleName.startsWith('AwsSolutions-COG'))).toEqual([]);
    const required = synthApiStack({ identity: { mfa: cognito.Mfa.REQUIRED } });
    required.template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON' });
    const pool = required.identity.userPool;
    const acknowledged = pool?.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>));
    expect(acknowledged?.some((id) => id.endsWith('AwsSolutions-COG2'))).toBe(false);
    expect(acknowledged?.some((id) => id.endsWith('AwsSolutions-COG8'))).toBe(true);
  });

  it('creates nothing in Cognito when an OIDC provider is given, and passes its issuer and audience on', () => {
    const oidc = { issuer: 'https://acme.okta.com/oauth2/default', audience: ['api://slipway'] };
    const own = synthApiStack({ identity: { oidc } });
    expect(Object.keys(own.template.toJSON().Resources).filter((id) => id.startsWith('Identity'))).toEqual(
      [],
    );
    expect(own.identity.userPool).toBeUndefined();
    expect(own.identity.issuer).toBe(oidc.issuer);
    expect(own.identity.audience).toEqual(oidc.audience);
  });
});

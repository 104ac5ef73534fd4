import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES, type Role } from '../../functions/domain/authorization.js';

/** An OpenID Connect provider the deployment already has (Okta, Entra ID, Auth0, Keycloak…). */
export interface OidcProvider {
  /** Issuer URL: the `iss` claim of its tokens, serving `/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** Accepted `aud` (or `client_id`) values: the client id(s) Slipway's callers obtain tokens for. */
  readonly audience: readonly string[];
}

export interface IdentityProps {
  /** Bring your own OIDC provider instead of a Cognito user pool. @default a Slipway user pool */
  readonly oidc?: OidcProvider;
  /**
   * MFA of the user pool. `REQUIRED` suits pools of people only; callers that sign in without a
   * person (CI jobs using the CLI) cannot answer a TOTP challenge. @default cognito.Mfa.OPTIONAL
   */
  readonly mfa?: cognito.Mfa;
  /**
   * Where the OAuth authorization-code flow may return (a web console, the loopback address of a
   * CLI login). It needs a user pool domain, which the operator adds (`userPool.addDomain`).
   * @default ['http://localhost:8400/callback']
   */
  readonly oauthCallbackUrls?: readonly string[];
}

/** The custom attribute that lists a user's organizations, comma-separated (`custom:orgs` in tokens). */
export const ORGANIZATIONS_ATTRIBUTE = 'orgs';

/** Group precedence: a user in several groups gets the most powerful one as `cognito:preferred_role`. */
const GROUP_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  'platform-admin': 'Every organization; manages the organization registry and shared clusters',
  'org-admin': 'Provisions and tears down environments of its organizations; reads their audit trail',
  developer: 'Reads its organizations and resumes their failed runs',
  viewer: 'Reads its organizations, environments, runs and alerts',
};

/**
 * Who may call the API: the issuer and audience the gateway's JWT authorizer trusts. By default a
 * Cognito user pool with one group per role and the `custom:orgs` attribute; with `oidc`, the
 * given provider and no user pool at all.
 */
export class Identity extends Construct {
  /** The `iss` the authorizer accepts. */
  readonly issuer: string;
  /** The `aud`/`client_id` values the authorizer accepts. */
  readonly audience: string[];
  /** The user pool, when Slipway created one. */
  readonly userPool?: cognito.UserPool;
  /** The app client callers sign in with, when Slipway created the user pool. */
  readonly client?: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: IdentityProps = {}) {
    super(scope, id);
    if (props.oidc) {
      this.issuer = props.oidc.issuer;
      this.audience = [...props.oidc.audience];
      return;
    }
    const mfa = props.mfa ?? cognito.Mfa.OPTIONAL;
    const userPool = new cognito.UserPool(this, 'UserPool', {
      // Accounts are created by an administrator, who also sets the organizations attribute.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa,
      mfaSecondFactor: { otp: true, sms: false },
      customAttributes: {
        [ORGANIZATIONS_ATTRIBUTE]: new cognito.StringAttribute({ mutable: true, minLen: 0, maxLen: 2048 }),
      },
      deletionProtection: true,
      // Users and their memberships outlive the stack, like the state table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    ROLES.forEach((role, precedence) => {
      new cognito.UserPoolGroup(this, `Group-${role}`, {
        userPool,
        groupName: role,
        description: GROUP_DESCRIPTIONS[role],
        precedence,
      });
    });
    const standard = { email: true, fullname: true };
    const client = userPool.addClient('Client', {
      generateSecret: false,
      // SRP for SDK and browser sign-in; USER_PASSWORD_AUTH because the AWS CLI cannot compute SRP
      // (`aws cognito-idp initiate-auth`); the password still only travels over TLS to Cognito.
      authFlows: { userSrp: true, userPassword: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [...(props.oauthCallbackUrls ?? ['http://localhost:8400/callback'])],
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // Users may read their organizations but never write them: only an administrator
      // (AdminUpdateUserAttributes) changes `custom:orgs`, so nobody can join an organization alone.
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes(standard)
        .withCustomAttributes(ORGANIZATIONS_ATTRIBUTE),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes(standard),
    });
    this.userPool = userPool;
    this.client = client;
    this.issuer = userPool.userPoolProviderUrl;
    this.audience = [client.userPoolClientId];

    const suppressions = [
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Essentials tier: the Plus tier (threat protection) is billed per monthly active user; an operator who wants it sets featurePlan on this pool. Accounts are admin-created, MFA is offered and passwords are strong.',
      },
    ];
    if (mfa !== cognito.Mfa.REQUIRED) {
      suppressions.push({
        id: 'AwsSolutions-COG2',
        reason:
          'TOTP MFA is offered to every user but not required: non-interactive callers (CI jobs using the CLI) cannot answer an MFA challenge. Deployments of people only pass mfa: REQUIRED.',
      });
    }
    // cdk-nag reads acknowledgements on the resource or any of its parents (here: the pool's L2).
    Validations.of(userPool).acknowledge(...suppressions);
  }
}

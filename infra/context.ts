import { z } from 'zod';
import type { AlertSubscription } from './constructs/alerts.js';
import type { OidcProvider } from './constructs/identity.js';

/**
 * Deploy-time settings read from CDK context (`-c key=value` or cdk.json "context"), validated so
 * a typo fails `cdk synth` with the key named instead of deploying something else.
 */
const Filter = z
  .partialRecord(
    z.enum(['kind', 'severity', 'organization', 'environment']),
    z.array(z.union([z.string().min(1), z.object({ prefix: z.string().min(1) })])).min(1),
  )
  .optional();
const Subscription = z.discriminatedUnion('type', [
  z.object({ type: z.literal('email'), address: z.email(), filter: Filter }),
  z.object({ type: z.literal('https'), url: z.url({ protocol: /^https$/ }), filter: Filter }),
  z.object({ type: z.literal('sqs'), queue: z.string().startsWith('arn:'), filter: Filter }),
]);

export interface SlipwayContext {
  readonly callbackBaseUrl?: string;
  readonly gitopsRepository?: string;
  readonly environmentRegions?: string[];
  readonly alertSubscriptions?: AlertSubscription[];
  readonly oidc?: OidcProvider;
  readonly corsOrigins?: string[];
}

type ContextReader = (key: string) => unknown;

export function readContext(get: ContextReader): SlipwayContext {
  const text = (key: string) => {
    const value = get(key);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const regions = text('slipway:environmentRegions');
  const subscriptions = get('slipway:alertSubscriptions');
  const list = (key: string) =>
    text(key)
      ?.split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return {
    callbackBaseUrl: text('slipway:callbackBaseUrl'),
    gitopsRepository: text('slipway:gitopsRepository'),
    environmentRegions: regions?.split(',').map((region) => region.trim()),
    alertSubscriptions: subscriptions === undefined ? undefined : parseSubscriptions(subscriptions),
    oidc: parseOidc(text('slipway:oidcIssuer'), list('slipway:oidcAudience')),
    corsOrigins: parseOrigins(list('slipway:corsOrigins')),
  };
}

/** Issuer and audience come together: a half-configured provider would silently trust Cognito. */
function parseOidc(issuer: string | undefined, audience: string[] | undefined): OidcProvider | undefined {
  if (issuer === undefined && audience === undefined) return undefined;
  if (issuer === undefined)
    throw new Error('context slipway:oidcIssuer is required with slipway:oidcAudience');
  if (audience === undefined || audience.length === 0) {
    throw new Error('context slipway:oidcAudience is required with slipway:oidcIssuer');
  }
  // API Gateway fetches `<issuer>/.well-known/openid-configuration` over HTTPS only.
  if (!z.url({ protocol: /^https$/ }).safeParse(issuer).success) {
    throw new Error(`context slipway:oidcIssuer must be an https:// URL, got ${JSON.stringify(issuer)}`);
  }
  // Kept verbatim: the token's `iss` must equal it, trailing slash included (Auth0 issuers end in one).
  return { issuer, audience };
}

/** Origins exactly as browsers send them: scheme, host and port, no path; https except on localhost. */
function parseOrigins(origins: string[] | undefined): string[] | undefined {
  if (origins === undefined) return undefined;
  for (const origin of origins) {
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    const local = url?.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname);
    if (!url || url.origin !== origin || !(url.protocol === 'https:' || local)) {
      throw new Error(
        `context slipway:corsOrigins: ${JSON.stringify(origin)} is not an origin (https://host[:port], or http://localhost)`,
      );
    }
  }
  return origins;
}

/** Accepts the JSON array itself (cdk.json) or its text (`-c slipway:alertSubscriptions='[...]'`). */
function parseSubscriptions(value: unknown): AlertSubscription[] {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error('context slipway:alertSubscriptions is not valid JSON');
    }
  }
  const result = z.array(Subscription).safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`context slipway:alertSubscriptions[${issue?.path.join('.')}]: ${issue?.message}`);
  }
  return result.data;
}

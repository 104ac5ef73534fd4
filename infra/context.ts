import { z } from 'zod';
import type { AlertSubscription } from './constructs/alerts.js';

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
}

type ContextReader = (key: string) => unknown;

export function readContext(get: ContextReader): SlipwayContext {
  const text = (key: string) => {
    const value = get(key);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const regions = text('slipway:environmentRegions');
  const subscriptions = get('slipway:alertSubscriptions');
  return {
    callbackBaseUrl: text('slipway:callbackBaseUrl'),
    gitopsRepository: text('slipway:gitopsRepository'),
    environmentRegions: regions?.split(',').map((region) => region.trim()),
    alertSubscriptions: subscriptions === undefined ? undefined : parseSubscriptions(subscriptions),
  };
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

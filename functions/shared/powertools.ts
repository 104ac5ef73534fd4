/**
 * Powertools singletons shared by every handler in a bundle: structured logs, EMF metrics and
 * X-Ray traces. Module scope, so a warm container reuses them.
 *
 * The service name comes from POWERTOOLS_SERVICE_NAME (set per function by CDK), which Powertools
 * reads only when no `serviceName` is passed: `slipway` is passed only when the variable is unset
 * (tests, local mode).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const SERVICE_NAME = 'slipway';

/** `{}` when POWERTOOLS_SERVICE_NAME is set (Powertools uses it), else `{ serviceName: 'slipway' }`. */
export function serviceNameOption(env: NodeJS.ProcessEnv = process.env): { serviceName?: string } {
  return env.POWERTOOLS_SERVICE_NAME?.trim() ? {} : { serviceName: SERVICE_NAME };
}

export const logger = new Logger({ ...serviceNameOption() });
export const metrics = new Metrics({ namespace: 'Slipway', ...serviceNameOption() });
export const tracer = new Tracer({ ...serviceNameOption() });

/**
 * Powertools singletons shared by every handler in a bundle: structured logs and EMF metrics.
 * Module scope, so a warm container reuses them.
 *
 * Traces: each function runs with X-Ray active tracing (infra/constructs/handler-function.ts), so
 * Lambda records every invocation's segment (initialization, invocation, overhead) and Step
 * Functions links them into the execution's trace. Powertools Tracer, which would add a
 * subsegment per AWS SDK call, is not used: it evaluates aws-xray-sdk-core (with semver and
 * cls-hooked, about 110 KB) at import, which alone cost 0.3–0.4× of the cold-import budget
 * (docs/measurements.md).
 *
 * The service name comes from POWERTOOLS_SERVICE_NAME (set per function by CDK), which Powertools
 * reads only when no `serviceName` is passed: `slipway` is passed only when the variable is unset
 * (tests, local mode).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const SERVICE_NAME = 'slipway';

/** `{}` when POWERTOOLS_SERVICE_NAME is set (Powertools uses it), else `{ serviceName: 'slipway' }`. */
export function serviceNameOption(env: NodeJS.ProcessEnv = process.env): { serviceName?: string } {
  return env.POWERTOOLS_SERVICE_NAME?.trim() ? {} : { serviceName: SERVICE_NAME };
}

export const logger = new Logger({ ...serviceNameOption() });
export const metrics = new Metrics({ namespace: 'Slipway', ...serviceNameOption() });

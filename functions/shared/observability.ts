import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from './powertools.js';

/** Logging and metrics a plain handler uses; optional so tests and local mode can leave them out. */
export interface Observability {
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
  readonly metrics?: Pick<Metrics, 'addMetric'>;
}

/** The Powertools singletons, for handlers running in Lambda. */
export const lambdaObservability: Observability = { logger, metrics };

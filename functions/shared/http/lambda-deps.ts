/**
 * What every route's function uses in Lambda: the repository (built once per container on first
 * use, traced by X-Ray), a clock and Powertools. The clients only some routes need live in their
 * own modules (lambda-idempotency.ts, lambda-run-starter.ts), so a read-only route's bundle
 * carries neither and reads no STATE_MACHINE_ARN or IDEMPOTENCY_TABLE_NAME (the CDK app sets
 * those only on the functions that start runs or honour Idempotency-Key).
 */
import { lambdaRepository } from '../lambda-repository.js';
import { lambdaObservability } from '../observability.js';

export function lambdaReadDeps() {
  return { repository: lambdaRepository(), now: () => new Date(), ...lambdaObservability };
}

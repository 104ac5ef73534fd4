/**
 * `POST /local/faults` — local mode only, never part of the deployed API: `{"phase": "ansible",
 * "count": 1}` makes the next `count` builds of that phase fail as a real build would (a failing
 * command, its log and CodeBuild-shaped cause); `{"phase": "sns", "count": 2}` makes the next 2
 * alert publishes fail as SNS down would (the alerts stay recorded undelivered until the retrier
 * delivers them). Answers the pending faults. Needs a token like any
 * API route; the body is checked and a bad one answered 400 naming the field.
 */
import { z } from 'zod';
import { FAULT_TARGETS, type PhaseFaultCounter, SNS_FAULT } from './builds/faults.js';
import type { LocalRoute } from './http/index.js';

const FaultRequest = z.strictObject({
  phase: z.enum(FAULT_TARGETS, { error: `must be one of ${FAULT_TARGETS.join(', ')}` }),
  count: z
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must be at least 0' })
    .max(100, { error: 'must be at most 100' }),
});

const json = (statusCode: number, body: unknown) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The alert topic's side of fault injection (the local publisher). */
export interface SnsFaults {
  failNext(count: number): void;
  pendingFailures(): number;
}

export function faultsRoute(faults: PhaseFaultCounter, sns: SnsFaults): LocalRoute {
  const pending = () => {
    const left = sns.pendingFailures();
    return { ...faults.pending(), ...(left > 0 ? { [SNS_FAULT]: left } : {}) };
  };
  return {
    async handler(event) {
      let body: unknown;
      try {
        const text = event.isBase64Encoded
          ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
          : event.body;
        body = JSON.parse(text ?? '');
      } catch {
        return json(400, {
          error: {
            code: 'validation.failed',
            message: 'body: must be JSON',
            details: [{ field: 'body', message: 'must be JSON' }],
          },
        });
      }
      const parsed = FaultRequest.safeParse(body);
      if (!parsed.success) {
        const details = parsed.error.issues.map((issue) => ({
          field: issue.path.join('.') || 'body',
          message: issue.message,
        }));
        const message = details.map((detail) => `${detail.field}: ${detail.message}`).join('; ');
        return json(400, { error: { code: 'validation.failed', message, details } });
      }
      const { phase, count } = parsed.data;
      if (phase === SNS_FAULT) sns.failNext(count);
      else faults.set(phase, count);
      return json(200, { faults: pending() });
    },
  };
}

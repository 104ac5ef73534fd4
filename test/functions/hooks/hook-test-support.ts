/** What the cluster-hook tests share. */
import type { Observability } from '../../../functions/shared/observability.js';

/** Metrics that only note each metric's name, in order. */
export function metricsRecorder(names: string[]): NonNullable<Observability['metrics']> {
  const metrics: NonNullable<Observability['metrics']> = {
    addMetric(name) {
      names.push(name);
      return metrics as ReturnType<NonNullable<Observability['metrics']>['addMetric']>;
    },
  };
  return metrics;
}

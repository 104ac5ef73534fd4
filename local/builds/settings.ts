import { PhaseFaultCounter, parseFaultSpec, SNS_FAULT } from './faults.js';

/**
 * Local mode's build settings from the environment, checked: a bad value fails startup naming
 * the variable instead of surfacing later as a strange build.
 *   SLIPWAY_LOCAL_BUILD_CONCURRENCY  builds running at once (default 4; more wait, FIFO)
 *   SLIPWAY_LOCAL_PHASE_SECONDS      seconds each build holds its BUILD phase (default 1)
 *   SLIPWAY_LOCAL_FAULTS             `<phase>:<count>,…` builds to fail (default none)
 *   SLIPWAY_LOCAL_REAL_TOOLS         `all` (default) or `none`: simulators never call real tools
 */
export interface LocalBuildSettings {
  readonly concurrency: number;
  readonly phaseSeconds: number;
  readonly faults: PhaseFaultCounter;
  readonly realTools: 'all' | 'none';
}

export function localBuildSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalBuildSettings {
  const number = (name: string, fallback: number, integer: boolean, min: number) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new RangeError(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${text}'`);
    }
    return value;
  };
  const realTools = env.SLIPWAY_LOCAL_REAL_TOOLS ?? 'all';
  if (realTools !== 'all' && realTools !== 'none') {
    throw new RangeError(`SLIPWAY_LOCAL_REAL_TOOLS must be 'all' or 'none', got '${realTools}'`);
  }
  const faults = new PhaseFaultCounter();
  // The builds' faults only: `sns:<n>` is the alert publisher's (local/control-plane.ts).
  for (const { phase, count } of parseFaultSpec(env.SLIPWAY_LOCAL_FAULTS ?? '')) {
    if (phase !== SNS_FAULT) faults.set(phase, count);
  }
  return {
    concurrency: number('SLIPWAY_LOCAL_BUILD_CONCURRENCY', 4, true, 1),
    phaseSeconds: number('SLIPWAY_LOCAL_PHASE_SECONDS', 1, false, 0),
    faults,
    realTools,
  };
}

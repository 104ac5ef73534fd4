import { PHASES, type PhaseName } from '../../functions/domain/model.js';

/**
 * Fault injection for demos and tests: the runner asks `take(phase)` once per build; when it
 * answers true, that build fails in its BUILD phase on a real failing command (so the log, the
 * CodeBuild-shaped cause and the post_build behaviour are those of a real failure).
 */
export interface BuildFaults {
  take(phase: string): boolean;
}

/** Counts of builds to fail per phase: `SLIPWAY_LOCAL_FAULTS=ansible:1` or `POST /local/faults`. */
export class PhaseFaultCounter implements BuildFaults {
  private readonly remaining = new Map<PhaseName, number>();

  /** The next `count` builds of `phase` fail (replaces an earlier count; 0 clears it). */
  set(phase: PhaseName, count: number): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`count must be a non-negative integer, got ${count}`);
    }
    if (count === 0) this.remaining.delete(phase);
    else this.remaining.set(phase, count);
  }

  pending(): Partial<Record<PhaseName, number>> {
    return Object.fromEntries(this.remaining);
  }

  take(phase: string): boolean {
    const known = PHASES.find((name) => name === phase);
    const left = known ? (this.remaining.get(known) ?? 0) : 0;
    if (!known || left === 0) return false;
    this.set(known, left - 1);
    return true;
  }
}

/**
 * The one fault target that is not a build: the alert topic. `sns:2` (or `{"phase":"sns",
 * "count":2}`) makes the next 2 alert publishes fail as SNS down would; the alert stays recorded
 * undelivered and the local retrier delivers it once the count is used up.
 */
export const SNS_FAULT = 'sns';
export type FaultTarget = PhaseName | typeof SNS_FAULT;
export const FAULT_TARGETS: readonly FaultTarget[] = [...PHASES, SNS_FAULT];

/** Parses `ansible:1,terraform:2,sns:1`; throws naming the bad entry. */
export function parseFaultSpec(text: string): Array<{ phase: FaultTarget; count: number }> {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^([a-z-]+):(\d+)$/.exec(entry);
      const phase = FAULT_TARGETS.find((name) => name === match?.[1]);
      if (!match || !phase) {
        throw new RangeError(
          `SLIPWAY_LOCAL_FAULTS entry '${entry}' is not <phase>:<count> with phase one of ${FAULT_TARGETS.join(', ')}`,
        );
      }
      return { phase, count: Number(match[2]) };
    });
}

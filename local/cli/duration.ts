/** Durations on the command line: `90` (seconds), `500ms`, `30s`, `5m`, `1h`, `2d`. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const unit = UNIT_MS[match?.[2] ?? 's'];
  if (!match || unit === undefined) {
    throw new RangeError(`"${text}" is not a duration (examples: 500ms, 30s, 5m, 1h, 2d)`);
  }
  const ms = Number(match[1]) * unit;
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`"${text}" must be greater than zero`);
  return Math.round(ms);
}

/** `75_000` → `1m15s`; under a minute with one decimal below ten seconds. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * Two quantities side by side in one unit (`used/limit`), for the text output: the API gives each
 * in its own canonical form ("12", "14190m"; "24Gi", "27648Mi"), which reads badly as a fraction.
 * CPU is shown in cores (exact: millicores are at most three decimals), memory in the largest
 * binary unit the larger side reaches (two decimals at most, trailing zeros dropped).
 */
import { parseCpuMillicores, parseMemoryBytes } from '../../../functions/domain/spec/quantities.js';

const decimals = (value: number, places: number) => String(Number(value.toFixed(places)));

/** `12/14.19` for "12" and "14190m"; the inputs as given when either is not a CPU quantity. */
export function cpuFraction(used: string, limit: string): string {
  try {
    return `${decimals(parseCpuMillicores(used) / 1000, 3)}/${decimals(parseCpuMillicores(limit) / 1000, 3)}`;
  } catch {
    return `${used}/${limit}`;
  }
}

const BINARY = [
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
] as const;

/** `24Gi/27Gi` for "24Gi" and "27648Mi"; the inputs as given when either is not a memory quantity. */
export function memoryFraction(used: string, limit: string): string {
  try {
    const [a, b] = [parseMemoryBytes(used), parseMemoryBytes(limit)];
    const [suffix, unit] = BINARY.find(([, size]) => Math.max(a, b) >= size) ?? ['', 1];
    return `${decimals(a / unit, 2)}${suffix}/${decimals(b / unit, 2)}${suffix}`;
  } catch {
    return `${used}/${limit}`;
  }
}

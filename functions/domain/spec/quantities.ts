/**
 * Kubernetes resource quantities ("4", "500m", "1.5", "8Gi", "512Mi", "1G", "1e3"), parsed exactly.
 *
 * The grammar is the one of k8s.io/apimachinery `resource.Quantity`:
 *   <sign><digits>[.<digits>]<suffix>, suffix = binary SI (Ki Mi Gi Ti Pi Ei) | decimal SI
 *   (n u m "" k M G T P E) | decimal exponent (e|E<signed int>).
 * Arithmetic is done on BigInt so "0.1" cpu is exactly 100 millicores (floats would give 100.00000000000001).
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};

const DECIMAL_EXPONENT: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/** An exact rational value `numerator / denominator` in base units (cores or bytes). */
interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
  readonly suffix: string;
}

/** Thrown for a string that is not a Kubernetes quantity; the message says why. */
export class QuantityError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QuantityError';
  }
}

function parseRational(input: string): Rational {
  const match = QUANTITY.exec(input);
  if (!match)
    throw new QuantityError(`'${input}' is not a Kubernetes quantity (e.g. "500m", "1.5", "8Gi", "1e3")`);
  const [, sign = '', number = '', suffix = ''] = match;
  if (sign === '-') throw new QuantityError(`'${input}' is negative`);
  const [whole = '', fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`);
  let denominator = 10n ** BigInt(fraction.length);
  const binary = BINARY[suffix];
  let exponent = 0;
  if (binary !== undefined) numerator *= binary;
  else if (/^[eE]/.test(suffix)) exponent = Number.parseInt(suffix.slice(1), 10);
  else exponent = DECIMAL_EXPONENT[suffix] ?? 0;
  if (Math.abs(exponent) > 30) throw new QuantityError(`'${input}' has an exponent out of range`);
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator *= 10n ** BigInt(-exponent);
  return { numerator, denominator, suffix };
}

function toSafeNumber(value: bigint, input: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new QuantityError(`'${input}' is too large`);
  return Number(value);
}

/** CPU quantity → millicores. Only plain cores ("2", "1.5") or millicores ("500m") make sense for CPU. */
export function parseCpuMillicores(input: string): number {
  const value = parseRational(input);
  if (value.suffix !== '' && value.suffix !== 'm') {
    throw new QuantityError(
      `'${input}' is not a CPU quantity: use cores ("2", "1.5") or millicores ("500m")`,
    );
  }
  const millicores = value.numerator * 1000n;
  if (millicores % value.denominator !== 0n) {
    throw new QuantityError(`'${input}' is finer than one millicore`);
  }
  return toSafeNumber(millicores / value.denominator, input);
}

/** Memory quantity → bytes. Fractional bytes are refused: "512m" is 0.512 bytes, almost always a typo for "512Mi". */
export function parseMemoryBytes(input: string): number {
  const value = parseRational(input);
  if (value.numerator % value.denominator !== 0n) {
    throw new QuantityError(
      `'${input}' is a fractional number of bytes (did you mean "Mi" rather than "m"?)`,
    );
  }
  return toSafeNumber(value.numerator / value.denominator, input);
}

/**
 * Parses a Kubernetes quantity. `kind: 'cpu'` returns millicores; `kind: 'memory'` (the default)
 * returns bytes — for memory, storage and counts the base unit is the quantity itself.
 */
export function parseQuantity(input: string, kind: 'cpu' | 'memory' = 'memory'): number {
  return kind === 'cpu' ? parseCpuMillicores(input) : parseMemoryBytes(input);
}

/** Formats millicores canonically: whole cores as "2", the rest as "1500m". */
export function formatCpu(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** Formats bytes with the largest binary suffix that divides them exactly ("8Gi", "512Mi", "1000"). */
export function formatMemory(bytes: number): string {
  return formatMemoryAlike([bytes])[0] ?? String(bytes);
}

/**
 * CPU amounts to be read side by side, in one unit: cores when every one is whole cores, else
 * millicores ([20000, 10190] → ["20000m", "10190m"], not "20" beside "10190m").
 */
export function formatCpuAlike(millicores: readonly number[]): string[] {
  return millicores.every((value) => value % 1000 === 0)
    ? millicores.map((value) => String(value / 1000))
    : millicores.map((value) => `${value}m`);
}

/** Memory amounts in one unit: the largest binary suffix that divides every non-zero one, else bytes. */
export function formatMemoryAlike(bytes: readonly number[]): string[] {
  const nonZero = bytes.filter((value) => value !== 0);
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const unit = Number(BINARY[suffix]);
    if (nonZero.length > 0 && nonZero.every((value) => value >= unit && value % unit === 0)) {
      return bytes.map((value) => `${value / unit}${suffix}`);
    }
  }
  return bytes.map(String);
}

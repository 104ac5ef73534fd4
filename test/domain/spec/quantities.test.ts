import { describe, expect, it } from 'vitest';
import {
  formatCpu,
  formatMemory,
  parseCpuMillicores,
  parseMemoryBytes,
  parseQuantity,
} from '../../../functions/domain/environment-spec.js';
import { formatCpuAlike, formatMemoryAlike } from '../../../functions/domain/spec/quantities.js';

describe('parseQuantity', () => {
  it.each([
    ['4', 4000],
    ['500m', 500],
    ['1.5', 1500],
    ['0.1', 100],
    ['.25', 250],
    ['2000m', 2000],
  ])('reads CPU %s as %i millicores', (input, millicores) => {
    expect(parseQuantity(input, 'cpu')).toBe(millicores);
    expect(parseCpuMillicores(input)).toBe(millicores);
  });

  it.each([
    ['8Gi', 8 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1G', 1e9],
    ['1e3', 1000],
    ['1E3', 1000],
    ['128974848', 128974848],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1Ki', 1024],
    ['2k', 2000],
  ])('reads memory %s as %i bytes', (input, bytes) => {
    expect(parseQuantity(input)).toBe(bytes);
    expect(parseMemoryBytes(input)).toBe(bytes);
  });

  it.each(['', '4x', 'Gi', '1.2.3', '-1', '8 Gi', '1gi', '1e', 'abc', ' 4'])('refuses %j', (input) => {
    expect(() => parseQuantity(input)).toThrow(/quantity|negative/);
  });

  it('refuses binary suffixes for CPU and sub-millicore CPU', () => {
    expect(() => parseCpuMillicores('1Gi')).toThrow(/not a CPU quantity/);
    expect(() => parseCpuMillicores('0.0001')).toThrow(/finer than one millicore/);
  });

  it('refuses memory in fractional bytes such as "512m" (a typo for "512Mi")', () => {
    expect(() => parseMemoryBytes('512m')).toThrow(/fractional number of bytes/);
  });

  it('formats quantities back canonically', () => {
    expect(formatCpu(4000)).toBe('4');
    expect(formatCpu(1500)).toBe('1500m');
    expect(formatMemory(8 * 2 ** 30)).toBe('8Gi');
    expect(formatMemory(512 * 2 ** 20)).toBe('512Mi');
    expect(formatMemory(1000)).toBe('1000');
    expect(parseMemoryBytes(formatMemory(3 * 2 ** 20 + 1024))).toBe(3 * 2 ** 20 + 1024);
  });
});

describe('formatCpuAlike and formatMemoryAlike (amounts read side by side)', () => {
  it('writes CPU amounts in cores only when every one is whole cores, else all in millicores', () => {
    expect(formatCpuAlike([20_000, 10_190])).toEqual(['20000m', '10190m']);
    expect(formatCpuAlike([20_000, 10_000])).toEqual(['20', '10']);
    expect(formatCpuAlike([500, 0])).toEqual(['500m', '0m']);
  });

  it('writes memory amounts with the largest suffix dividing every non-zero one, else bytes', () => {
    expect(formatMemoryAlike([64 * 2 ** 30, 40_061 * 2 ** 20])).toEqual(['65536Mi', '40061Mi']);
    expect(formatMemoryAlike([8 * 2 ** 30, 0])).toEqual(['8Gi', '0Gi']);
    expect(formatMemoryAlike([2 ** 30, 1000])).toEqual([String(2 ** 30), '1000']);
    expect(formatMemory(0)).toBe('0');
  });
});

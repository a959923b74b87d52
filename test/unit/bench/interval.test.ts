// The benchmark's noise interval (bench/lib.mjs): a paired bootstrap of the ratio of medians.
import { describe, expect, it } from 'vitest';

interface Interval {
  readonly low: number;
  readonly high: number;
  readonly level: number;
}
interface BenchLib {
  ratioInterval(ours: number[], reference: number[], options?: { resamples?: number; level?: number; seed?: number }): Interval;
  renderTable(results: unknown[], machine: Record<string, unknown>): string;
}
// A path in a variable: bench/ is plain JavaScript without type declarations.
const libUrl = new URL('../../../bench/lib.mjs', import.meta.url).href;
const lib = (await import(libUrl)) as BenchLib;

describe('ratioInterval', () => {
  it('is a single point when every round gives the same two times', () => {
    expect(lib.ratioInterval([30, 30, 30, 30, 30], [20, 20, 20, 20, 20])).toEqual({ low: 1.5, high: 1.5, level: 0.9 });
  });

  it('contains the ratio of medians and is repeatable for the same samples', () => {
    const ours = [39, 41, 38, 44, 40, 37, 42, 39, 40, 45, 38];
    const reference = [29, 30, 28, 31, 29, 27, 32, 30, 29, 33, 28];
    const interval = lib.ratioInterval(ours, reference);
    const medianRatio = 40 / 29;
    expect(interval.low).toBeLessThanOrEqual(medianRatio);
    expect(interval.high).toBeGreaterThanOrEqual(medianRatio);
    expect(interval.low).toBeLessThan(interval.high);
    expect(lib.ratioInterval(ours, reference)).toEqual(interval);
  });

  it('widens with the noise of the rounds', () => {
    const steady = lib.ratioInterval([40, 40, 41, 40, 39, 40, 40, 41, 40], [30, 30, 30, 31, 30, 29, 30, 30, 30]);
    const noisy = lib.ratioInterval([40, 52, 33, 47, 36, 55, 31, 44, 40], [30, 24, 37, 26, 35, 23, 38, 28, 30]);
    expect(noisy.high - noisy.low).toBeGreaterThan(3 * (steady.high - steady.low));
  });

  it('keeps the rounds paired: drift that moves both sides alike does not widen it', () => {
    // Both sides slow down together, round by round; the ratio is 1.25 in every round.
    const reference = [20, 22, 25, 28, 31, 35, 38, 41, 45];
    const ours = reference.map((ms) => ms * 1.25);
    const interval = lib.ratioInterval(ours, reference);
    expect(interval.low).toBeCloseTo(1.25, 10);
    expect(interval.high).toBeCloseTo(1.25, 10);
  });

  it('refuses samples that are not paired', () => {
    expect(() => lib.ratioInterval([1, 2], [1])).toThrow(/paired/);
    expect(() => lib.ratioInterval([], [])).toThrow(/paired/);
  });

  it('is shown in the table beside the ratio', () => {
    const table = lib.renderTable(
      [{ ok: true, name: 'init', oursMs: 40, referenceMs: 30, referenceLabel: '`node -e 0`', ratio: 4 / 3, interval: { low: 1.2912, high: 1.4012, level: 0.9 }, target: { maxRatio: 1.3 }, met: false, runs: 21 }],
      { date: 'd', cpu: 'c', cores: 2, node: 'v20', os: 'linux', runs: 21, load: '0.1' },
    );
    expect(table).toContain('| 90 % interval |');
    expect(table).toContain('| 1.33× | 1.29–1.40× | ≤ 1.3× | ✗ |');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp } from '../../src/timestamp.js';

// The whole range a Date can hold: ±8.64e15 ms around the epoch.
const LIMIT = 8.64e15;

describe('formatTimestamp', () => {
  it('writes what toISOString writes, across the whole range of Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: -LIMIT, max: LIMIT }), (ms) => {
        const date = new Date(ms);
        expect(formatTimestamp(date)).toBe(date.toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it.each([0, -1, 1, 999, 253402300799999, 253402300800000, -62167219200000, -62167219200001, LIMIT, -LIMIT, Date.UTC(2026, 11, 1, 20, 59, 29)])(
    'writes %d as toISOString does (year and millisecond edges)',
    (ms) => {
      const date = new Date(ms);
      expect(formatTimestamp(date)).toBe(date.toISOString());
    },
  );

  it('refuses an invalid date as toISOString does', () => {
    expect(() => new Date(Number.NaN).toISOString()).toThrow(RangeError);
    expect(() => formatTimestamp(new Date(Number.NaN))).toThrow(RangeError);
  });
});

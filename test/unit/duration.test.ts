import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_TIMER_MS, parseDuration, parseTimeout } from '../../src/duration.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [300, '300ms'],
    [-250, '-250ms'],
    [1000, '1s'],
    [1499, '1s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [172_800_000, '2d'],
  ])('%d ms is %s (under a second in ms, not "0s")', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['600', 600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text, '--x')).toBe(ms);
  });

  it.each(['3d', '-1s', '', 'soon'])('refuses %j (exit 2)', (text) => {
    expect(() => parseDuration(text, '--x')).toThrow(expect.objectContaining({ code: 'ERR_BAD_DURATION', exitCode: 2 }));
  });
});

describe('parseTimeout', () => {
  it('takes what a timer can hold, up to 2^31 - 1 ms', () => {
    expect(parseTimeout('5s', '--timeout')).toBe(5000);
    expect(parseTimeout('596h31m23.647s', '--timeout')).toBe(MAX_TIMER_MS);
    // --duration (a token's lifetime, no timer) may be longer: parseDuration does not refuse it.
    expect(parseDuration('8760h', '--duration')).toBe(8760 * 3_600_000);
  });

  it.each(['596h31m23.648s', '600h', '1000h', '2147484s'])('refuses %s (a Node timer would fire at once), exit 2', (text) => {
    expect(() => parseTimeout(text, '--timeout')).toThrow(expect.objectContaining({ code: 'ERR_BAD_DURATION', message: `--timeout ${text} is longer than the longest wait a timer takes (24d20h31m24s)` }));
  });
});

// Go-style durations as kubectl takes them ("90s", "10m", "1h30m", "500ms"); a bare number is seconds.
import { CliError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string, flag: string): number {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || consumed !== value) {
    throw new CliError('ERR_BAD_DURATION', `invalid duration "${text}" for ${flag}`, {
      hint: 'use a Go-style duration such as 90s, 10m, 1h or 1h30m',
    });
  }
  return Math.round(parts.reduce((total, [, amount, unit]) => total + Number(amount) * (UNIT_MS[unit ?? 's'] ?? 0), 0));
}

/** The longest delay a Node timer takes (2^31 - 1 ms); a longer one fires at once, with a warning. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A duration that bounds a wait (a timeout, a lock wait, a poll): as parseDuration, and refused
 * past what a timer can hold, which would otherwise end the wait at once ("no answer within
 * 3600000s").
 */
export function parseTimeout(text: string, flag: string): number {
  const ms = parseDuration(text, flag);
  if (ms > MAX_TIMER_MS) {
    throw new CliError('ERR_BAD_DURATION', `${flag} ${text.trim()} is longer than the longest wait a timer takes (${formatDuration(MAX_TIMER_MS)})`, { hint: 'use a shorter duration, such as 1h' });
  }
  return ms;
}

/** "1h30m" style, for messages; under a second, in milliseconds ("300ms", not "0s"). */
export function formatDuration(ms: number): string {
  if (ms !== 0 && Math.abs(ms) < 1000) return `${Math.round(ms)}ms`;
  const negative = ms < 0;
  let seconds = Math.round(Math.abs(ms) / 1000);
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = [days && `${days}d`, hours && `${hours}h`, minutes && `${minutes}m`, (seconds || (!days && !hours && !minutes)) && `${seconds}s`];
  return `${negative ? '-' : ''}${parts.filter(Boolean).join('')}`;
}

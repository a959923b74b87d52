// An instant as Date.prototype.toISOString() writes it ("2026-12-01T20:59:29.000Z"), from the UTC
// fields alone. Why not toISOString itself: in V8 its first call in a process sets up the local
// time zone (ICU reads /etc/localtime and resolves its symlinks), ~0.2 ms of every `init` here, for
// a UTC string; the getUTC* accessors need no time zone. Used on init's path (the lock file, the
// summary); messages elsewhere may call toISOString.

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Exactly `date.toISOString()` (years outside 0–9999 as ±YYYYYY); a RangeError for an invalid date, as toISOString. */
export function formatTimestamp(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('Invalid time value');
  const year = date.getUTCFullYear();
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : `${year < 0 ? '-' : '+'}${pad(Math.abs(year), 6)}`;
  return `${yearText}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds(), 3)}Z`;
}

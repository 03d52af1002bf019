const pad = (value: number, width = 2): string => String(Math.trunc(Math.abs(value))).padStart(width, '0');

/** ISO-8601 in local time with its offset, e.g. 2025-03-14T15:09:26.535+01:00. */
export function toLocalIso(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;

/**
 * Timestamps from servers: naive ones (LabThings' timeRequested/Started/Completed carry no
 * offset) are taken as the local time of this machine, which is right for instruments in
 * the same lab; ones with `Z` or an offset are kept exact. Numbers are epoch seconds
 * (Python's `record.created`). Returns ISO-8601 with offset, or null when unparseable.
 */
export function normaliseTimestamp(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return toLocalIso(new Date(value * 1000));
  if (typeof value !== 'string') return null;
  const naive = NAIVE.exec(value.trim());
  if (naive) {
    const [, y, mo, d, h, mi, s, frac] = naive;
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
    const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
    return Number.isNaN(date.getTime()) ? null : toLocalIso(date);
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : toLocalIso(date);
}

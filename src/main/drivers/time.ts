/** ISO 8601 in UTC with `Z`, the one format every boundary uses. */
const toUtc = (date: Date): string | null => (Number.isNaN(date.getTime()) ? null : date.toISOString());

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;

/**
 * Timestamps from servers: naive ones (LabThings' timeRequested/Started/Completed carry no
 * offset) are taken as the local time of this machine, which is right for instruments in
 * the same lab; ones with `Z` or an offset are kept exact. Numbers are epoch seconds
 * (Python's `record.created`). Returns ISO 8601 in UTC with `Z`, or null when unparseable.
 */
export function normaliseTimestamp(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return toUtc(new Date(value * 1000));
  if (typeof value !== 'string') return null;
  const naive = NAIVE.exec(value.trim());
  if (naive) {
    const [, y, mo, d, h, mi, s, frac] = naive;
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
    const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
    return toUtc(date);
  }
  return toUtc(new Date(value));
}

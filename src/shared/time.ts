/**
 * Times cross every boundary as ISO 8601 in UTC with `Z`, but peers send offsets or naive
 * times: order by the instant, never by the string ("…T10:00+02:00" is before "…T09:00Z").
 * Unparseable times sort first.
 */
export function compareIso(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(ta) ? (Number.isNaN(tb) ? 0 : -1) : 1;
  return ta - tb;
}

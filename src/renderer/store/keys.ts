/** Live keys join thing and affordance with a separator no Thing or affordance name uses. */
const SEPARATOR = '\u001f';

/**
 * The key strings already made, reused: a batch looks each key up in several maps, and a
 * string seen before has its hash computed and is already internalized, so each lookup is
 * cheap, where a fresh concatenation is hashed (and flattened) anew every time. A pure memo:
 * bounded, and cleared when full (the same string is then simply made again).
 */
const made = new Map<string, Map<string, string>>();
let madeCount = 0;
const MAX_MADE = 100_000;

export function liveKey(thing: string, affordance: string): string {
  let byAffordance = made.get(thing);
  const known = byAffordance?.get(affordance);
  if (known !== undefined) return known;
  if (madeCount >= MAX_MADE) {
    made.clear();
    madeCount = 0;
    byAffordance = undefined;
  }
  if (byAffordance === undefined) {
    byAffordance = new Map();
    made.set(thing, byAffordance);
  }
  const key = `${thing}${SEPARATOR}${affordance}`;
  byAffordance.set(affordance, key);
  madeCount += 1;
  return key;
}

export function splitLiveKey(key: string): { thing: string; affordance: string } {
  const at = key.indexOf(SEPARATOR);
  return at < 0 ? { thing: key, affordance: '' } : { thing: key.slice(0, at), affordance: key.slice(at + 1) };
}

/** Live keys join thing and affordance with a separator no Thing or affordance name uses. */
const SEPARATOR = '\u001f';

export const liveKey = (thing: string, affordance: string): string => `${thing}${SEPARATOR}${affordance}`;

export function splitLiveKey(key: string): { thing: string; affordance: string } {
  const at = key.indexOf(SEPARATOR);
  return at < 0 ? { thing: key, affordance: '' } : { thing: key.slice(0, at), affordance: key.slice(at + 1) };
}

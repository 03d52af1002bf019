import { useEffect } from 'react';
import type { WatchSelector } from '../lab/thing-watch';
import { useLabContext } from './lab-context';

/**
 * Follows, while the component is mounted, what `selector` names of every Thing (an overview
 * of all Things asks for a few properties of each). Pass a stable selector (module level or
 * memoised): a new one replaces the old. The values arrive in the store as usual.
 */
export function useThingWatch(selector: WatchSelector): void {
  const { watch } = useLabContext();
  useEffect(() => watch?.add(selector), [watch, selector]);
}

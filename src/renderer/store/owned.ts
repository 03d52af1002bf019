/**
 * Bookkeeping the store mutates in place, so applying a batch costs its items and not what
 * the store already knows. An object is mutated only by the store that made it: anything
 * else (the initial state, which `getInitialState()` hands back; a value set from outside)
 * is copied once, on its first change. So resetting to the initial state resets everything.
 */
export interface Ownership {
  /** `value` if this store made it, else a copy it now owns. */
  own<T extends object>(value: T, copy: (value: T) => T): T;
}

export function createOwnership(): Ownership {
  const owned = new WeakSet<object>();
  return {
    own(value, copy) {
      if (owned.has(value)) return value;
      const mine = copy(value);
      owned.add(mine);
      return mine;
    },
  };
}

export const copyMap = <K, V>(map: Map<K, V>): Map<K, V> => new Map(map);
export const copyRecord = <V>(record: Record<string, V>): Record<string, V> => ({ ...record });

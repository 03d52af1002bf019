/** Wall-clock time in ms since the epoch; injectable so tests control it. */
export type Now = () => number;

/** Timers and wall clock, injectable so tests need not wait for real backoff or timeouts. */
export interface Clock {
  now: Now;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * The one time format at every boundary: ISO 8601 in UTC with `Z`
 * (e.g. 2026-03-14T15:09:26.535Z). Compare parsed times, never these strings.
 */
export const toIso = (ms: number): string => new Date(ms).toISOString();

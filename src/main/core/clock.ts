import type { Disposer } from '../../shared/disposable';

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

/** What can own a timer: a DisposableStore, or an AsyncDisposableStore. */
interface TimerOwner {
  add(disposer: () => void): () => unknown;
}

/**
 * Starts a timer owned by `owner`: disposing the owner cancels it, and it leaves the owner
 * when it fires (a timer started again and again does not pile up disposers). On an owner
 * already disposed it never fires. Returns its cancel function.
 */
export function ownedTimeout(owner: TimerOwner, clock: Clock, callback: () => void, ms: number): Disposer {
  let pending = true;
  let forget: (() => unknown) | undefined = undefined;
  const cancel = (): void => {
    if (!pending) return;
    pending = false;
    clock.clearTimeout(handle);
  };
  const handle = clock.setTimeout(() => {
    if (!pending) return;
    pending = false;
    void forget?.();
    callback();
  }, ms);
  forget = owner.add(cancel);
  return () => {
    cancel();
    void forget?.();
  };
}

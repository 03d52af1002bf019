import type { Disposer } from '../../shared/disposable';
import type { LabStore } from '../store/lab-store';
import type { LabState } from '../store/types';

/**
 * Binds a high-rate view to the store without React: `draw` runs on the next animation frame
 * after `select(state)` changes (at most once per frame), and once at the start. The returned
 * disposer ends the store subscription and any frame still pending: return it from the effect.
 */
export function bindToFrames(store: LabStore, select: (state: LabState) => unknown, draw: () => void): Disposer {
  let frame = 0;
  let seen = select(store.getState());
  const schedule = () => {
    if (frame === 0) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        draw();
      });
    }
  };
  schedule();
  const unsubscribe = store.subscribe((state) => {
    const next = select(state);
    if (next !== seen) {
      seen = next;
      schedule();
    }
  });
  return () => {
    unsubscribe();
    if (frame !== 0) cancelAnimationFrame(frame);
    frame = 0;
  };
}

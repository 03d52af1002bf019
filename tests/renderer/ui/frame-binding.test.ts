import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { liveKey } from '../../../src/renderer/store/keys';
import { createLabStore } from '../../../src/renderer/store/lab-store';
import { bindToFrames } from '../../../src/renderer/ui/frame-binding';
import { batch, item } from '../fixtures';

/** A hand-driven requestAnimationFrame: frames run only when the test says so. */
let frames = new Map<number, () => void>();
let nextFrame = 1;
const runFrames = () => {
  const due = [...frames.values()];
  frames = new Map();
  for (const callback of due) callback();
};

beforeEach(() => {
  frames = new Map();
  vi.stubGlobal('requestAnimationFrame', (callback: () => void) => {
    const id = nextFrame++;
    frames.set(id, callback);
    return id;
  });
  vi.stubGlobal('cancelAnimationFrame', (id: number) => frames.delete(id));
});
afterEach(() => vi.unstubAllGlobals());

describe('bindToFrames', () => {
  it('draws once at the start, then at most once per frame while the selected value changes', () => {
    const store = createLabStore();
    const key = liveKey('thermo', 'temperature');
    const draw = vi.fn();
    const dispose = bindToFrames(store, (state) => state.live[key]?.value, draw);
    runFrames();
    expect(draw).toHaveBeenCalledTimes(1);

    for (let seq = 1; seq <= 5; seq += 1) store.getState().applyBatch(batch(seq, [item({ thing: 'thermo', affordance: 'temperature', seq, payload: seq })]));
    runFrames();
    expect(draw).toHaveBeenCalledTimes(2);

    // Changes elsewhere in the store schedule nothing.
    store.getState().addEvent({ time: 1, thing: 'thermo', kind: 'write', text: 'x', level: 'info' });
    runFrames();
    expect(draw).toHaveBeenCalledTimes(2);
    dispose();
  });

  it('disposes the store subscription and the pending frame', () => {
    const store = createLabStore();
    const key = liveKey('thermo', 'temperature');
    const draw = vi.fn();
    const dispose = bindToFrames(store, (state) => state.live[key]?.value, draw);
    dispose();
    expect(frames.size).toBe(0);
    store.getState().applyBatch(batch(1, [item({ thing: 'thermo', affordance: 'temperature', seq: 1, payload: 1 })]));
    expect(frames.size).toBe(0);
    runFrames();
    expect(draw).not.toHaveBeenCalled();
  });
});

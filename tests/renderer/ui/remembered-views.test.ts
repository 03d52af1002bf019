import { describe, expect, it } from 'vitest';
import { createLabStore } from '../../../src/renderer/store/lab-store';
import { loadViews, rememberViews } from '../../../src/renderer/ui/remembered-views';

const memory = () => {
  const values = new Map<string, string>();
  return { values, getItem: (key: string) => values.get(key) ?? null, setItem: (key: string, value: string) => void values.set(key, value) };
};

describe('remembered charts and pins', () => {
  it('a new store (a reload) gets back the charts, the active chart and the pins of the last one', () => {
    const storage = memory();
    const first = createLabStore();
    const stop = rememberViews(first, storage);
    first.getState().addToChart({ thing: 'thermo', property: 'temperature' });
    first.getState().addToChart({ thing: 'thermo', property: 'setpoint' });
    const second = first.getState().addChart([{ thing: 'psu', property: 'voltage' }]);
    first.getState().togglePin('psu', 'current');
    first.getState().setActiveChart('chart-1');
    stop();

    const reloaded = createLabStore();
    rememberViews(reloaded, storage);
    const state = reloaded.getState();
    expect(state.charts).toEqual([
      { id: 'chart-1', series: [{ thing: 'thermo', property: 'temperature' }, { thing: 'thermo', property: 'setpoint' }] },
      { id: second, series: [{ thing: 'psu', property: 'voltage' }] },
    ]);
    expect(state.activeChart).toBe('chart-1');
    expect(state.pinned).toEqual({ psu: ['current'] });
    // A chart added after the reload gets a number of its own.
    expect(reloaded.getState().addChart()).toBe('chart-3');
  });

  it('ignores what is not its own shape and keeps the defaults', () => {
    const storage = memory();
    for (const bad of ['{nope', 'null', '[]', JSON.stringify({ version: 2, pinned: {}, charts: [], activeChart: null }), JSON.stringify({ version: 1, pinned: {}, charts: [{ id: 'x', series: [] }], activeChart: null })]) {
      storage.setItem('lab-monitor:views', bad);
      expect(loadViews(storage), bad).toBeUndefined();
      const store = createLabStore();
      rememberViews(store, storage);
      expect(store.getState().charts).toEqual([]);
    }
    const tooMany = { version: 1, pinned: {}, charts: Array.from({ length: 17 }, (_, i) => ({ id: `chart-${i + 1}`, series: [] })), activeChart: null };
    storage.setItem('lab-monitor:views', JSON.stringify(tooMany));
    expect(loadViews(storage)).toBeUndefined();
  });

  it('an active chart that is not among the charts falls back to the last one', () => {
    const storage = memory();
    storage.setItem('lab-monitor:views', JSON.stringify({ version: 1, pinned: {}, charts: [{ id: 'chart-4', series: [] }], activeChart: 'chart-9' }));
    expect(loadViews(storage)?.activeChart).toBe('chart-4');
  });

  it('a storage that refuses writes loses nothing on screen', () => {
    const store = createLabStore();
    rememberViews(store, { getItem: () => null, setItem: () => { throw new Error('quota'); } });
    store.getState().addChart([{ thing: 'a', property: 'b' }]);
    expect(store.getState().charts).toHaveLength(1);
  });
});

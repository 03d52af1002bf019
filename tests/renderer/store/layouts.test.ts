import { describe, expect, it } from 'vitest';
import type { Layout } from '../../../src/shared/layout';
import { liveKey } from '../../../src/renderer/store/keys';
import { createLabStore } from '../../../src/renderer/store/lab-store';
import { currentBody, keepOpenLayout, reduceLayoutList, templateFor, upsertLayout } from '../../../src/renderer/store/layouts-slice';
import { batch, item } from '../fixtures';

const layout = (over: Partial<Layout> = {}): Layout => ({
  id: 'l1',
  forType: null,
  saved: { name: 'Bench', panels: [] },
  working: null,
  savedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('layouts slice', () => {
  it('takes the host announcement on ($lab, layouts) from a live batch', () => {
    const store = createLabStore();
    const list = [layout(), layout({ id: 't1', forType: 'simulated:thermo' })];
    store.getState().applyBatch(batch(1, [item({ thing: '$lab', affordance: 'layouts', seq: 1, payload: list })]));
    expect(store.getState().layouts.map((each) => each.id)).toEqual(['l1', 't1']);
  });

  it('keeps the list when the payload does not parse, and keeps live values flowing', () => {
    const store = createLabStore();
    store.getState().setLayouts([layout()]);
    store.getState().applyBatch(
      batch(1, [item({ thing: '$lab', affordance: 'layouts', seq: 1, payload: [{ id: 42 }] }), item({ thing: 'thermo', affordance: 'temperature', seq: 1, payload: 21 })]),
    );
    expect(store.getState().layouts).toHaveLength(1);
    expect(store.getState().live[liveKey('thermo', 'temperature')]?.value).toBe(21);
  });

  it('closes an open layout that was deleted elsewhere', () => {
    const store = createLabStore();
    store.getState().setLayouts([layout()]);
    store.getState().showLayout('l1');
    store.getState().applyBatch(batch(1, [item({ thing: '$lab', affordance: 'layouts', seq: 1, payload: [] })]));
    expect(store.getState().openLayout).toBeNull();
  });

  it('puts, replaces and drops single layouts', () => {
    const one = upsertLayout([], layout());
    const replaced = upsertLayout(one, layout({ working: { name: 'Bench', panels: [] }, saved: { name: 'Old', panels: [] } }));
    expect(replaced).toHaveLength(1);
    expect(replaced[0]?.saved.name).toBe('Old');
    expect(keepOpenLayout('l1', replaced)).toBe('l1');
    expect(keepOpenLayout('gone', replaced)).toBeNull();
    expect(reduceLayoutList(replaced, 'nonsense')).toBe(replaced);
  });

  it('finds the template of a type and shows the working copy while there is one', () => {
    const template = layout({ id: 't', forType: 'simulated:stage', working: { name: 'Edited', panels: [] } });
    expect(templateFor([layout(), template], 'simulated:stage')).toBe(template);
    expect(templateFor([layout(), template], undefined)).toBeUndefined();
    expect(currentBody(template).name).toBe('Edited');
    expect(currentBody(layout()).name).toBe('Bench');
  });
});

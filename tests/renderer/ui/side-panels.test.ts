import { describe, expect, it } from 'vitest';
import { buildPanel } from '../../../src/renderer/ui/layout-place';
import { loadSidePanels, saveSidePanels, stepThing } from '../../../src/renderer/ui/side-panels';

const memory = () => {
  const values = new Map<string, string>();
  return { getItem: (key: string) => values.get(key) ?? null, setItem: (key: string, value: string) => void values.set(key, value) };
};

describe('side panels', () => {
  it('remembers which panels are collapsed, and opens both on nonsense', () => {
    const storage = memory();
    expect(loadSidePanels(storage)).toEqual({ things: false, timeline: false });
    saveSidePanels({ things: true, timeline: false }, storage);
    expect(loadSidePanels(storage)).toEqual({ things: true, timeline: false });
    storage.setItem('lab-monitor:collapsed', '{not json');
    expect(loadSidePanels(storage)).toEqual({ things: false, timeline: false });
  });

  it('steps through the Thing list, wrapping around', () => {
    const names = ['a', 'b', 'c'];
    expect(stepThing(names, 'a', 1)).toBe('b');
    expect(stepThing(names, 'c', 1)).toBe('a');
    expect(stepThing(names, 'a', -1)).toBe('c');
    expect(stepThing(names, null, -1)).toBe('c');
    expect(stepThing([], 'a', 1)).toBeNull();
  });
});

describe('buildPanel', () => {
  const body = { name: 'L', panels: [] };
  it('needs a Thing and an affordance where the kind has them', () => {
    expect(buildPanel(body, 'value', undefined, ['temperature'])).toBeUndefined();
    expect(buildPanel(body, 'value', { self: true }, [])).toBeUndefined();
    expect(buildPanel(body, 'value', { self: true }, ['temperature'])).toMatchObject({ kind: 'value', property: 'temperature', x: 0, y: 0, w: 3, h: 2 });
    expect(buildPanel(body, 'chart', { name: 'thermo' }, ['temperature', 'setpoint'])).toMatchObject({ kind: 'chart', series: [{ property: 'temperature' }, { property: 'setpoint' }] });
    expect(buildPanel(body, 'alarms', undefined, [])).toMatchObject({ kind: 'alarms' });
    expect(buildPanel(body, 'action', { self: true }, ['rampTo'])).toMatchObject({ kind: 'action', action: 'rampTo' });
  });
});

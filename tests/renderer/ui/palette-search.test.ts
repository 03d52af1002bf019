import { describe, expect, it } from 'vitest';
import { rankPalette, type PaletteEntry } from '../../../src/renderer/ui/palette-search';

const entries: PaletteEntry[] = [
  { id: 'cmd-ack', kind: 'command', label: 'Acknowledge all alarms' },
  { id: 'act-thermo-rampTo', kind: 'action', label: 'Run rampTo on thermo', keywords: ['thermo', 'Temperature controller', 'rampTo'] },
  { id: 'prop-thermo-setpoint', kind: 'property', label: 'thermo · setpoint', keywords: ['Temperature controller', 'Setpoint'] },
  { id: 'prop-thermo-temperature', kind: 'property', label: 'thermo · temperature', keywords: ['Temperature controller'] },
  { id: 'thing-thermo', kind: 'thing', label: 'thermo', keywords: ['Temperature controller'] },
  { id: 'thing-stage', kind: 'thing', label: 'stage', keywords: ['XYZ stage'] },
  { id: 'act-stage-moveTo', kind: 'action', label: 'Run moveTo on stage', keywords: ['stage', 'moveTo'] },
  { id: 'layout-morning', kind: 'layout', label: 'Morning check', keywords: ['layout'] },
];
const ids = (query: string): string[] => rankPalette(entries, query).map((entry) => entry.id);

describe('palette ranking', () => {
  it('lists Things and layouts before properties, actions and commands when nothing is typed', () => {
    expect(ids('').slice(0, 3)).toEqual(['thing-thermo', 'thing-stage', 'layout-morning']);
    expect(ids('').at(-1)).toBe('cmd-ack');
  });

  it('puts an exact name first, then names that start with it, then the rest', () => {
    const ranked = ids('thermo');
    expect(ranked[0]).toBe('thing-thermo');
    expect(ranked.slice(1, 3).sort()).toEqual(['prop-thermo-setpoint', 'prop-thermo-temperature']);
    expect(ranked).toContain('act-thermo-rampTo');
    expect(ranked).not.toContain('thing-stage');
  });

  it('finds letters in order (fuzzy) and words in titles', () => {
    expect(ids('rmpto')[0]).toBe('act-thermo-rampTo');
    expect(ids('xyz')).toEqual(['thing-stage']);
    expect(ids('ack')[0]).toBe('cmd-ack');
  });

  it('narrows with every word: "thermo set" is the setpoint, "stage ramp" is nothing', () => {
    expect(ids('thermo set')[0]).toBe('prop-thermo-setpoint');
    expect(ids('thermo ramp')).toEqual(['act-thermo-rampTo']);
    expect(ids('stage ramp')).toEqual([]);
  });

  it('ignores case and surrounding blanks, and caps the list', () => {
    expect(ids('  THERMO  ')[0]).toBe('thing-thermo');
    expect(rankPalette(entries, '', 2)).toHaveLength(2);
  });
});

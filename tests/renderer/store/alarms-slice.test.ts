import { describe, expect, it } from 'vitest';
import type { AlarmSnapshot, AlarmTransition } from '../../../src/shared/alarms';
import { createLabStore } from '../../../src/renderer/store/lab-store';
import { selectThingSeverity, selectUnacknowledged } from '../../../src/renderer/store/alarms-slice';
import { titleFor } from '../../../src/renderer/ui/alarm-effects';
import { batch, item } from '../fixtures';

const snapshot = (overrides: Partial<AlarmSnapshot> = {}): AlarmSnapshot => ({
  time: '2026-03-01T10:00:00.000Z',
  alarms: [
    {
      id: 'psu/v',
      thing: 'psu',
      rule: 'v',
      kind: 'threshold',
      property: 'voltage',
      severity: 'major',
      current: 'major',
      state: 'unacknowledged',
      message: 'Output voltage 6 V at or above HIHI 5.8 V',
      value: 6,
      since: '2026-03-01T10:00:00.000Z',
      raisedAt: '2026-03-01T10:00:00.000Z',
      acknowledged: null,
      shelved: null,
      disabled: null,
    },
  ],
  omitted: 0,
  counts: { minor: 0, major: 1, invalid: 0, unacknowledged: 1, shelved: 0, disabled: 0 },
  things: { psu: 'major' },
  notices: [],
  ...overrides,
});

describe('lab store: alarms', () => {
  it('takes the pushed alarm state, ignores a malformed one, and puts transitions on the timeline', () => {
    const store = createLabStore();
    store.getState().applyBatch(batch(1, [item({ thing: '$alarms', affordance: 'state', seq: 1, payload: snapshot() })]));
    expect(selectUnacknowledged(store.getState())).toBe(1);
    expect(selectThingSeverity('psu')(store.getState())).toBe('major');
    expect(selectThingSeverity('thermo')(store.getState())).toBeNull();
    store.getState().applyBatch(batch(2, [item({ thing: '$alarms', affordance: 'state', seq: 2, payload: { nonsense: true } })]));
    expect(selectUnacknowledged(store.getState())).toBe(1);

    const transition: AlarmTransition = {
      id: 'psu/v',
      thing: 'psu',
      rule: 'v',
      kind: 'threshold',
      property: 'voltage',
      event: 'acknowledged',
      severity: 'major',
      state: 'acknowledged',
      previous: 'unacknowledged',
      message: 'Output voltage 6 V at or above HIHI 5.8 V',
      value: 6,
      time: '2026-03-01T10:00:05.000Z',
      by: 'bench-pc',
      note: 'known spike',
    };
    store.getState().applyBatch(batch(3, [item({ thing: 'psu', affordance: '$alarm', seq: 1, payload: transition })]));
    const event = store.getState().events.at(-1);
    expect(event).toMatchObject({ kind: 'alarm', thing: 'psu', level: 'info', time: Date.parse('2026-03-01T10:00:05Z') });
    expect(event?.text).toBe('acknowledged major by bench-pc: Output voltage 6 V at or above HIHI 5.8 V (known spike)');
    expect(store.getState().live['psu\u001f$alarm']).toBeUndefined();
  });

  it('titles the page with the unacknowledged count', () => {
    expect(titleFor(0)).toBe('Lab Monitor');
    expect(titleFor(2)).toBe('(2) Lab Monitor');
  });
});

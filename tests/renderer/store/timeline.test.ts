import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../src/shared/history';
import { createLabStore } from '../../../src/renderer/store/lab-store';
import { matchesQuery } from '../../../src/renderer/store/events-slice';

const event = (id: number, kind: HistoryEvent['kind'], thing: string, summary: string, detail: unknown = null): HistoryEvent => ({
  id: String(id),
  time: new Date(Date.parse('2026-03-14T12:00:00Z') + id * 1000).toISOString(),
  thing,
  kind,
  affordance: kind === 'connection' ? '$connection' : 'setpoint',
  summary,
  detail,
});

const batch = (seq: number, itemSeq: number, payload: unknown) => ({
  seq,
  conflated: 0,
  dropped: 0,
  items: [{ thing: '$lab', affordance: 'events', messageType: 'property' as const, payload, seq: itemSeq, time: Date.now() }],
});

describe('timeline from the recorder', () => {
  it('shows a recorded page oldest first, keeps the link events, and appends live ones once', () => {
    const store = createLabStore();
    store.getState().addEvent({ time: Date.parse('2026-03-14T12:00:02.500Z'), thing: '', kind: 'connection', text: 'link to Lab Monitor restored', level: 'info' });
    store.getState().showRecorded([event(3, 'write', 'psu', 'output ← true by a (operator)', { ok: true }), event(2, 'action', 'thermo', 'rampTo error: hot', { invocation: { status: 'error' } })], '2');
    const state = store.getState();
    expect(state.timelineSource).toBe('recorder');
    expect(state.olderCursor).toBe('2');
    expect(state.events.map((e) => `${e.kind}:${e.text}:${e.level}`)).toEqual([
      'action:rampTo error: hot:error',
      'connection:link to Lab Monitor restored:info',
      'write:output ← true by a (operator):info',
    ]);
    store.getState().applyBatch(batch(1, 1, [event(3, 'write', 'psu', 'dup'), event(4, 'connection', 'psu', 'disconnected — cable', { status: 'disconnected' })]));
    expect(store.getState().events.map((e) => e.recordedId ?? 'local')).toEqual(['2', 'local', '3', '4']);
    expect(store.getState().events.at(-1)?.level).toBe('error');
    store.getState().addOlder([event(1, 'write', 'psu', 'first')], null);
    expect(store.getState().events[0]?.recordedId).toBe('1');
    expect(store.getState().olderCursor).toBeNull();
  });

  it('derives no events of its own from the live stream once the recorder answers, and asks again after a gap', () => {
    const store = createLabStore({ numericEventSpacingMs: 0 });
    store.getState().showRecorded([], null);
    store.getState().applyBatch({ seq: 1, conflated: 0, dropped: 0, items: [{ thing: 'thermo', affordance: 'mode', messageType: 'property', payload: 'ramping', seq: 1, time: 1 }] });
    store.getState().applyBatch({ seq: 2, conflated: 0, dropped: 0, items: [{ thing: 'thermo', affordance: '$write', messageType: 'property', payload: { property: 'x' }, seq: 1, time: 1 }] });
    expect(store.getState().events).toEqual([]);
    expect(store.getState().live['thermo/$write']).toBeUndefined();
    expect(store.getState().applyBatch(batch(3, 1, [])).reloadTimeline).toBeUndefined();
    expect(store.getState().applyBatch(batch(4, 3, [])).reloadTimeline).toBe(true);
  });

  it('leaves out live events the query does not match, the way the recorder filters', () => {
    const store = createLabStore();
    store.getState().showRecorded([], null);
    store.getState().setTimelineQuery({ thing: 'psu', text: 'OUT' });
    store.getState().applyBatch(batch(1, 1, [event(5, 'write', 'psu', 'output ← false'), event(6, 'write', 'thermo', 'output ← 1'), event(7, 'write', 'psu', 'limit ← 2')]));
    expect(store.getState().events.map((e) => e.recordedId)).toEqual(['5']);
    const query = { thing: '', kinds: ['alarm' as const], text: '' };
    expect(matchesQuery({ thing: 'a', kind: 'alarm', text: 'x' }, query)).toBe(true);
    expect(matchesQuery({ thing: 'a', kind: 'write', text: 'x' }, query)).toBe(false);
  });
});

describe('timeline from the recorder: actions', () => {
  it('adds no action transitions of its own', () => {
    const store = createLabStore();
    store.getState().showRecorded([], null);
    const payload = {
      invocation: { id: 'i1', thing: 'thermo', action: 'rampTo', status: 'pending', progress: null, timeRequested: '2026-03-14T12:00:00Z', timeStarted: null, timeCompleted: null, input: null, output: null, error: null },
      newLog: [],
    };
    store.getState().applyBatch({ seq: 1, conflated: 0, dropped: 0, items: [{ thing: 'thermo', affordance: 'rampTo', messageType: 'action', payload, seq: 1, time: 1 }] });
    expect(store.getState().events).toEqual([]);
  });
});

describe('timeline from the recorder: a page that arrives late', () => {
  it('keeps events that arrived live after the page was asked for', () => {
    const store = createLabStore();
    store.getState().showRecorded([event(1, 'write', 'psu', 'a')], null);
    store.getState().applyBatch(batch(1, 1, [event(2, 'write', 'psu', 'b')]));
    // The answer to a request made before event 2 was recorded.
    store.getState().showRecorded([event(1, 'write', 'psu', 'a')], null);
    expect(store.getState().events.map((e) => e.recordedId)).toEqual(['1', '2']);
  });
});

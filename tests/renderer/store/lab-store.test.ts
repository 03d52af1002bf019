import { describe, expect, it } from 'vitest';
import { createLabStore } from '../../../src/renderer/store/lab-store';
import { liveKey } from '../../../src/renderer/store/keys';
import { MAX_EVENTS } from '../../../src/renderer/store/events-slice';
import { SeriesRegistry } from '../../../src/renderer/store/series';
import { actionItem, batch, invocation, item, record } from '../fixtures';

const connection = (status: 'connected' | 'connecting' | 'disconnected', reason?: string) => ({ status, reason, since: '2025-01-01T10:00:00Z' });
const summary = (name: string) => ({ name, title: name, source: 'simulated' as const, connection: connection('connected') });

describe('lab store: applyBatch', () => {
  it('applies a whole batch with exactly one store notification', () => {
    const store = createLabStore();
    store.getState().setThings([summary('thermo'), summary('stage')]);
    let notifications = 0;
    store.subscribe(() => (notifications += 1));
    store.getState().applyBatch(
      batch(1, [
        item({ thing: 'thermo', affordance: 'temperature', seq: 1, payload: 21.5 }),
        item({ thing: 'stage', affordance: 'x', seq: 1, payload: 100 }),
        item({ thing: 'stage', affordance: '$connection', seq: 1, payload: connection('disconnected', 'stalled') }),
        actionItem(1, invocation(), [record(1)]),
      ]),
    );
    expect(notifications).toBe(1);
    const state = store.getState();
    expect(state.live[liveKey('thermo', 'temperature')]?.value).toBe(21.5);
    expect(state.live[liveKey('stage', 'x')]?.value).toBe(100);
    expect(state.things.find((thing) => thing.name === 'stage')?.connection.status).toBe('disconnected');
    expect(state.invocations['inv-1']?.log).toHaveLength(1);
  });

  it('counts conflated and dropped messages and missed batches; a property gap is conflation, not a loss', () => {
    const store = createLabStore();
    const key = liveKey('thermo', 'temperature');
    store.getState().applyBatch(batch(1, [item({ thing: 'thermo', affordance: 'temperature', seq: 1, payload: 1 })], { conflated: 2 }));
    store.getState().applyBatch(batch(3, [item({ thing: 'thermo', affordance: 'temperature', seq: 5, payload: 5 })], { dropped: 1 }));
    const { stats, live } = store.getState();
    expect(live[key]?.value).toBe(5);
    expect(stats).toMatchObject({ batches: 2, lastBatchSeq: 3, missedBatches: 1, skipped: 0, conflated: 2, dropped: 1 });
  });

  it('ignores items older than or equal to the seq it holds, until sequences are reset', () => {
    const store = createLabStore();
    const key = liveKey('psu', 'voltage');
    store.getState().applyBatch(batch(1, [item({ thing: 'psu', affordance: 'voltage', seq: 4, payload: 4 })]));
    store.getState().applyBatch(batch(2, [item({ thing: 'psu', affordance: 'voltage', seq: 3, payload: 3 }), item({ thing: 'psu', affordance: 'voltage', seq: 4, payload: 44 })]));
    expect(store.getState().live[key]?.value).toBe(4);
    // A new channel after a reconnect starts again at 1.
    store.getState().resetSequences();
    store.getState().applyBatch(batch(1, [item({ thing: 'psu', affordance: 'voltage', seq: 1, payload: 7 })]));
    expect(store.getState().live[key]?.value).toBe(7);
    expect(store.getState().stats.missedBatches).toBe(0);
  });

  it('keeps counted losses across a sequence reset', () => {
    const store = createLabStore();
    store.getState().applyBatch(batch(1, []));
    store.getState().applyBatch(batch(4, [], { dropped: 2 }));
    store.getState().resetSequences();
    // The new channel starts at 1 again: no gap against the old channel's last batch.
    store.getState().applyBatch(batch(1, []));
    expect(store.getState().stats).toMatchObject({ lastBatchSeq: 1, missedBatches: 2, dropped: 2 });
  });

  it('asks for a refetch when an action key has a gap', () => {
    const store = createLabStore();
    const first = store.getState().applyBatch(batch(1, [actionItem(1, invocation(), [])]));
    expect(first.refetch).toEqual([]);
    const second = store.getState().applyBatch(batch(2, [actionItem(3, invocation({ progress: 50 }), [])]));
    expect(second.refetch).toEqual([{ thing: 'thermo', id: 'inv-1' }]);
    // Actions are never conflated: the missing transition counts as lost.
    expect(store.getState().stats.skipped).toBe(1);
  });

  it('replaces the Thing list from ($lab, things) and keeps a valid selection', () => {
    const store = createLabStore();
    store.getState().setThings([summary('thermo'), summary('stage')]);
    store.getState().select('stage');
    store.getState().applyBatch(batch(1, [item({ thing: '$lab', affordance: 'things', seq: 1, payload: [summary('thermo')] })]));
    expect(store.getState().things.map((thing) => thing.name)).toEqual(['thermo']);
    expect(store.getState().selected).toBe('thermo');
  });

  it('drops malformed payloads without throwing', () => {
    const store = createLabStore();
    store.getState().applyBatch(
      batch(1, [
        item({ thing: '$lab', affordance: 'things', seq: 1, payload: 'nope' }),
        item({ thing: 'thermo', affordance: 'rampTo', seq: 1, messageType: 'action', payload: { bad: true } }),
        item({ thing: 'thermo', affordance: '$connection', seq: 1, payload: { status: 'weird' } }),
      ]),
    );
    expect(store.getState().things).toEqual([]);
    expect(store.getState().invocations).toEqual({});
  });

  it('records numeric samples in the bounded series registry', () => {
    const series = new SeriesRegistry(3);
    const store = createLabStore({ series });
    for (let seq = 1; seq <= 5; seq += 1) {
      store.getState().applyBatch(batch(seq, [item({ thing: 't', affordance: 'p', seq, payload: seq * 10 })]), seq * 100);
    }
    const values: number[] = [];
    series.numbers(liveKey('t', 'p'))?.forEach((_time, value) => values.push(value));
    expect(values).toEqual([30, 40, 50]);
  });

  it("breaks a Thing's numeric series where its connection was lost, and only that Thing's", () => {
    const series = new SeriesRegistry();
    const store = createLabStore({ series });
    store.getState().setThings([summary('t'), summary('u')]);
    const apply = (seq: number, items: Parameters<typeof batch>[1]) => store.getState().applyBatch(batch(seq, items), seq * 100);
    apply(1, [item({ thing: 't', affordance: 'p', seq: 1, payload: 1 }), item({ thing: 'u', affordance: 'p', seq: 1, payload: 1 })]);
    apply(2, [item({ thing: 't', affordance: '$connection', seq: 1, payload: connection('disconnected', 'server gone') })]);
    apply(3, [item({ thing: 't', affordance: '$connection', seq: 2, payload: connection('connecting') })]);
    apply(4, [item({ thing: 't', affordance: '$connection', seq: 3, payload: connection('connected') })]);
    apply(5, [item({ thing: 't', affordance: 'p', seq: 2, payload: 2 })]);
    const samples = (thing: string) => {
      const values: number[] = [];
      series.numbers(liveKey(thing, 'p'))?.forEach((_time, value) => values.push(value));
      return values;
    };
    expect(samples('t')).toEqual([1, Number.NaN, 2]);
    expect(samples('u')).toEqual([1]);
  });

  it('read-once values never overwrite a live value', () => {
    const store = createLabStore();
    const key = liveKey('thermo', 'setpoint');
    store.getState().applyBatch(batch(1, [item({ thing: 'thermo', affordance: 'setpoint', seq: 1, payload: 80 })]));
    store.getState().setReadValue('thermo', 'setpoint', 20);
    expect(store.getState().live[key]?.value).toBe(80);
    store.getState().setReadValue('thermo', 'stable', true);
    expect(store.getState().live[liveKey('thermo', 'stable')]).toMatchObject({ value: true, seq: 0 });
  });
});

describe('lab store: events timeline', () => {
  it('stays bounded and keeps the newest', () => {
    const store = createLabStore();
    for (let index = 0; index < MAX_EVENTS + 50; index += 1) {
      store.getState().addEvent({ time: index, thing: 'x', kind: 'write', text: `e${index}`, level: 'info' });
    }
    const { events } = store.getState();
    expect(events).toHaveLength(MAX_EVENTS);
    expect(events.at(-1)?.text).toBe(`e${MAX_EVENTS + 49}`);
    expect(events[0]?.text).toBe('e50');
  });

  it('samples numeric property changes and logs discrete ones, action transitions and connection changes', () => {
    const store = createLabStore({ numericEventSpacingMs: 10_000, discreteEventSpacingMs: 1000 });
    store.getState().setThings([summary('thermo')]);
    for (let seq = 1; seq <= 20; seq += 1) {
      store.getState().applyBatch(batch(seq, [item({ thing: 'thermo', affordance: 'temperature', seq, payload: 20 + seq / 10 })]), 1000 + seq * 100);
    }
    expect(store.getState().events.filter((event) => event.kind === 'property')).toHaveLength(1);
    store.getState().applyBatch(batch(21, [item({ thing: 'thermo', affordance: 'stable', seq: 1, payload: true })]), 5000);
    store.getState().applyBatch(batch(22, [actionItem(1, invocation({ status: 'running' }), [])]), 5000);
    store.getState().applyBatch(batch(23, [actionItem(2, invocation({ status: 'running', progress: 20 }), [])]), 5000);
    store.getState().applyBatch(batch(24, [item({ thing: 'thermo', affordance: '$connection', seq: 1, payload: connection('disconnected', 'stalled') })]), 5000);
    const kinds = store.getState().events.map((event) => `${event.kind}:${event.text}`);
    expect(kinds).toContain('property:stable = true');
    expect(kinds.filter((text) => text.startsWith('action:'))).toEqual(['action:rampTo running']);
    expect(kinds).toContain('connection:disconnected — stalled');
  });

  it('logs the last value of a burst once the spacing has passed, even if the property then stays put', () => {
    const store = createLabStore({ numericEventSpacingMs: 10_000 });
    const setpoint = (seq: number, payload: number, at: number) =>
      store.getState().applyBatch(batch(seq, [item({ thing: 'psu', affordance: 'voltageSetpoint', seq, payload })]), at);
    const texts = () => store.getState().events.filter((event) => event.kind === 'property').map((event) => event.text);
    setpoint(1, 6, 1000);
    setpoint(2, 5, 1500);
    expect(texts()).toEqual(['voltageSetpoint = 6']);
    // Another key's batch after the spacing brings the held-back value out.
    store.getState().applyBatch(batch(3, [item({ thing: 'thermo', affordance: 'temperature', seq: 1, payload: 25 })]), 11_500);
    expect(texts()).toEqual(['voltageSetpoint = 6', 'temperature = 25', 'voltageSetpoint = 5']);
    // A value that returns to the logged one before its turn adds nothing.
    store.getState().applyBatch(batch(4, [item({ thing: 'psu', affordance: 'voltageSetpoint', seq: 3, payload: 4 })]), 12_000);
    store.getState().applyBatch(batch(5, [item({ thing: 'psu', affordance: 'voltageSetpoint', seq: 4, payload: 5 })]), 12_500);
    store.getState().applyBatch(batch(6, [item({ thing: 'thermo', affordance: 'temperature', seq: 2, payload: 25 })]), 30_000);
    expect(texts()).toEqual(['voltageSetpoint = 6', 'temperature = 25', 'voltageSetpoint = 5']);
  });
});

describe('lab store: state and cost', () => {
  it('keeps all of its bookkeeping in the state: getInitialState() starts afresh', () => {
    const store = createLabStore({ numericEventSpacingMs: 10_000 });
    const initial = store.getInitialState();
    const run = () => {
      store.getState().applyBatch(batch(1, [item({ thing: 'psu', affordance: 'voltage', seq: 1, payload: 1 })]), 1000);
      store.getState().applyBatch(batch(2, [item({ thing: 'psu', affordance: 'voltage', seq: 2, payload: 2 })]), 1500); // held back
      store.getState().applyBatch(batch(3, [actionItem(1, invocation({ status: 'running' }), [])]), 1600);
      return store.getState();
    };
    const first = run();
    expect(first.events.map((event) => event.text)).toEqual(['voltage = 1', 'rampTo running']);
    // The initial state was never written to: what it holds is still empty.
    expect(initial.live).toEqual({});
    expect(initial.liveSeq.size).toBe(0);
    expect(initial.sampler.held.size).toBe(0);
    expect(initial.liveStatus.size).toBe(0);

    store.setState(store.getInitialState(), true);
    const second = run();
    // Same sequence numbers accepted again, the same timeline logged again, same counts.
    expect(second.live[liveKey('psu', 'voltage')]?.value).toBe(2);
    expect(second.events.map((event) => event.text)).toEqual(['voltage = 1', 'rampTo running']);
    expect(second.stats).toMatchObject({ batches: 3, lastBatchSeq: 3, missedBatches: 0, skipped: 0 });
    expect(second.sampler.held.size).toBe(1);
  });

  it('applies a batch without copying what it already holds', () => {
    const store = createLabStore();
    const many = Array.from({ length: 10_000 }, (_, index) => item({ thing: 'bench', affordance: `p${index}`, seq: 1, payload: index }));
    store.getState().applyBatch(batch(1, many), 1000);
    const before = store.getState();
    const untouched = before.live[liveKey('bench', 'p5')];
    store.getState().applyBatch(batch(2, [item({ thing: 'bench', affordance: 'p7', seq: 2, payload: -1 })]), 1100);
    const after = store.getState();
    expect(after).not.toBe(before); // one notification, as always
    expect(after.live[liveKey('bench', 'p7')]).toMatchObject({ value: -1, seq: 2 });
    expect(after.live[liveKey('bench', 'p5')]).toBe(untouched); // other entries keep their identity
    expect(after.live).toBe(before.live); // updated in place: no copy of the 10,000 entries
    expect(after.liveSeq).toBe(before.liveSeq);
  });

  it('releases held-back changes in due order, from many keys, each once', () => {
    const store = createLabStore({ numericEventSpacingMs: 1000 });
    const texts = () => store.getState().events.filter((event) => event.kind === 'property').map((event) => event.text);
    // Keys logged at 0, 100, 200; each changed again at once (held back).
    for (let k = 0; k < 3; k += 1) store.getState().applyBatch(batch(k * 2 + 1, [item({ thing: 't', affordance: `k${k}`, seq: 1, payload: 1 })]), k * 100);
    for (let k = 0; k < 3; k += 1) store.getState().applyBatch(batch(k * 2 + 2, [item({ thing: 't', affordance: `k${k}`, seq: 2, payload: 2 })]), 300);
    expect(texts()).toEqual(['k0 = 1', 'k1 = 1', 'k2 = 1']);
    store.getState().applyBatch(batch(7, []), 1150); // k0 and k1 are due
    expect(texts()).toEqual(['k0 = 1', 'k1 = 1', 'k2 = 1', 'k0 = 2', 'k1 = 2']);
    store.getState().applyBatch(batch(8, []), 5000);
    store.getState().applyBatch(batch(9, []), 9000);
    expect(texts()).toEqual(['k0 = 1', 'k1 = 1', 'k2 = 1', 'k0 = 2', 'k1 = 2', 'k2 = 2']);
    expect(store.getState().sampler.held.size).toBe(0);
    expect(store.getState().sampler.due).toHaveLength(0);
  });

  it('a read-once value set after a reset does not touch the initial state', () => {
    const store = createLabStore();
    store.getState().setReadValue('thermo', 'stable', true);
    store.setState(store.getInitialState(), true);
    expect(store.getState().live).toEqual({});
    store.getState().setReadValue('thermo', 'stable', false);
    expect(store.getState().live[liveKey('thermo', 'stable')]?.value).toBe(false);
    expect(store.getInitialState().live).toEqual({});
  });
});

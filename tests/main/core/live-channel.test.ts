import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveBatch } from '../../../src/shared/contract';
import { MessageBroker } from '../../../src/main/core/broker';
import { Message } from '../../../src/main/core/message';
import { createLiveChannel, type LiveChannelOptions } from '../../../src/main/core/live-channel';
import { silentLogger } from '../../../src/main/core/logger';

const prop = (thing: string, affordance: string, payload: unknown): Message =>
  new Message({ thing, affordance, messageType: 'property', payload });
const action = (thing: string, affordance: string, payload: unknown): Message =>
  new Message({ thing, affordance, messageType: 'action', payload });

/** An in-memory transport: the batches the channel sent, each checked against the contract. */
function setup(overrides: Partial<LiveChannelOptions> = {}) {
  const broker = new MessageBroker({ logger: silentLogger });
  const batches: LiveBatch[] = [];
  let clock = 1000;
  const channel = createLiveChannel({
    broker,
    send: (batch) => batches.push(LiveBatch.parse(structuredClone(batch))),
    now: () => clock,
    logger: silentLogger,
    ...overrides,
  });
  return { broker, batches, channel, tick: (ms: number) => (clock += ms) };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('live channel: subscriptions', () => {
  it('shares one broker subscription between references and releases it with the last', () => {
    const { broker, channel } = setup();
    for (let i = 0; i < 10; i++) channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    expect(broker.subscriptionCount()).toBe(1);
    expect(channel.subscriptions()).toEqual([{ thing: 'thermo', affordance: 'temperature', refs: 10 }]);
    for (let i = 0; i < 9; i++) channel.unsubscribe({ thing: 'thermo', affordance: 'temperature' });
    expect(broker.subscriptionCount()).toBe(1);
    channel.unsubscribe({ thing: 'thermo', affordance: 'temperature' });
    expect(broker.subscriptionCount()).toBe(0);
    expect(channel.subscriptions()).toEqual([]);
  });

  it('refuses to unsubscribe more often than subscribed, with NOT_FOUND', () => {
    const { channel } = setup();
    channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    channel.unsubscribe({ thing: 'thermo', affordance: 'temperature' });
    expect(() => channel.unsubscribe({ thing: 'thermo', affordance: 'temperature' })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining('temperature') }),
    );
  });

  it('stops delivering once unsubscribed', () => {
    const { broker, batches, channel } = setup();
    channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    channel.unsubscribe({ thing: 'thermo', affordance: 'temperature' });
    broker.publish(prop('thermo', 'temperature', 1));
    vi.advanceTimersByTime(100);
    expect(batches).toEqual([]);
  });

  it("delivers each message once when subscribed to both '*' and an affordance", () => {
    const { broker, batches, channel } = setup();
    channel.subscribe({ thing: 'stage', affordance: '*' });
    channel.subscribe({ thing: 'stage', affordance: 'move' });
    broker.publish(action('stage', 'move', 'a'));
    broker.publish(prop('stage', 'position', 'p'));
    vi.advanceTimersByTime(16);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.items.map((item) => item.affordance)).toEqual(['move', 'position']);
  });
});

describe('live channel: batching', () => {
  it('starts a 16 ms timer with the first item and flushes everything in one batch', () => {
    const { broker, batches, channel } = setup();
    channel.subscribe({ thing: 'thermo', affordance: '*' });
    broker.publish(prop('thermo', 'temperature', 20));
    vi.advanceTimersByTime(10);
    broker.publish(prop('thermo', 'setpoint', 25));
    vi.advanceTimersByTime(5);
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ seq: 1, conflated: 0, dropped: 0 });
    expect(batches[0]?.items.map((item) => item.payload)).toEqual([20, 25]);
    // No items, no batch, no timer.
    vi.advanceTimersByTime(100);
    expect(batches).toHaveLength(1);
    broker.publish(prop('thermo', 'temperature', 21));
    vi.advanceTimersByTime(16);
    expect(batches.map((batch) => batch.seq)).toEqual([1, 2]);
  });

  it('flushes at once when a batch reaches its maximum size', () => {
    const { broker, batches, channel } = setup({ maxBatchItems: 500 });
    channel.subscribe({ thing: 'stage', affordance: 'move' });
    for (let i = 0; i < 499; i++) broker.publish(action('stage', 'move', i));
    expect(batches).toHaveLength(0);
    broker.publish(action('stage', 'move', 499));
    expect(batches).toHaveLength(1);
    expect(batches[0]?.items).toHaveLength(500);
    broker.publish(action('stage', 'move', 500));
    vi.advanceTimersByTime(16);
    expect(batches[1]?.items.map((item) => item.payload)).toEqual([500]);
  });

  it('stamps each item with its receive time and a per-key sequence number', () => {
    const { broker, batches, channel, tick } = setup();
    channel.subscribe({ thing: 'stage', affordance: '*' });
    broker.publish(action('stage', 'move', 'a'));
    tick(3);
    broker.publish(action('stage', 'move', 'b'));
    broker.publish(action('stage', 'home', 'c'));
    vi.advanceTimersByTime(16);
    expect(batches[0]?.items.map(({ affordance, seq, time }) => ({ affordance, seq, time }))).toEqual([
      { affordance: 'move', seq: 1, time: 1000 },
      { affordance: 'move', seq: 2, time: 1003 },
      { affordance: 'home', seq: 1, time: 1003 },
    ]);
  });
});

describe('live channel: conflation and order', () => {
  it('keeps only the latest property value per key between flushes and counts the rest', () => {
    const { broker, batches, channel } = setup();
    channel.subscribe({ thing: 'thermo', affordance: '*' });
    for (let i = 1; i <= 100; i++) broker.publish(prop('thermo', 'temperature', i));
    broker.publish(prop('thermo', 'setpoint', 30));
    vi.advanceTimersByTime(16);
    expect(batches).toHaveLength(1);
    const [batch] = batches;
    expect(batch?.conflated).toBe(99);
    expect(batch?.items.map(({ affordance, payload, seq }) => ({ affordance, payload, seq }))).toEqual([
      { affordance: 'temperature', payload: 100, seq: 100 },
      { affordance: 'setpoint', payload: 30, seq: 1 },
    ]);
    // The counter resets per batch; the per-key seq continues, so a gap shows conflation.
    broker.publish(prop('thermo', 'temperature', 101));
    vi.advanceTimersByTime(16);
    expect(batches[1]).toMatchObject({ conflated: 0, items: [{ payload: 101, seq: 101 }] });
  });

  it('keeps every action message, in order, interleaved with properties', () => {
    const { broker, batches, channel } = setup();
    channel.subscribe({ thing: 'spectrometer', affordance: '*' });
    const statuses = ['pending', 'running', 'running', 'running', 'completed'];
    for (const [i, status] of statuses.entries()) {
      broker.publish(action('spectrometer', 'acquire', { status, i }));
      broker.publish(prop('spectrometer', 'exposure', i));
    }
    vi.advanceTimersByTime(16);
    const items = batches.flatMap((batch) => batch.items);
    expect(items.filter((item) => item.messageType === 'action').map((item) => item.payload)).toEqual(
      statuses.map((status, i) => ({ status, i })),
    );
    expect(items.filter((item) => item.messageType === 'property').map((item) => item.payload)).toEqual([4]);
    expect(batches[0]?.conflated).toBe(4);
  });

  it('counts and reports overflow instead of losing actions silently', () => {
    const warn = vi.fn();
    let congested = true;
    const { broker, batches, channel } = setup({
      maxPendingItems: 100,
      ready: () => !congested,
      logger: { ...silentLogger, warn },
    });
    channel.subscribe({ thing: 'stage', affordance: 'move' });
    for (let i = 0; i < 130; i++) broker.publish(action('stage', 'move', i));
    vi.advanceTimersByTime(100);
    expect(batches).toHaveLength(0);
    expect(warn).toHaveBeenCalledTimes(1);
    congested = false;
    vi.advanceTimersByTime(16);
    const items = batches.flatMap((batch) => batch.items);
    expect(items.map((item) => item.payload)).toEqual([...Array(100).keys()]);
    expect(batches.reduce((sum, batch) => sum + batch.dropped, 0)).toBe(30);
    // Sequence numbers show the gap too.
    broker.publish(action('stage', 'move', 'next'));
    vi.advanceTimersByTime(16);
    expect(batches.at(-1)?.items[0]).toMatchObject({ payload: 'next', seq: 131 });
  });

  it('waits while the transport is congested and keeps conflating properties', () => {
    let congested = true;
    const { broker, batches, channel } = setup({ ready: () => !congested });
    channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    for (let i = 0; i < 1000; i++) broker.publish(prop('thermo', 'temperature', i));
    vi.advanceTimersByTime(200);
    expect(batches).toHaveLength(0);
    congested = false;
    vi.advanceTimersByTime(16);
    expect(batches).toEqual([{ seq: 1, conflated: 999, dropped: 0, items: [expect.objectContaining({ payload: 999 })] }]);
  });

  it('keeps at most four batches unacknowledged once the client acknowledges, and resumes on ack', () => {
    const { broker, batches, channel } = setup();
    channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    channel.subscribe({ thing: 'thermo', affordance: 'rampTo' });
    broker.publish(prop('thermo', 'temperature', 0));
    vi.advanceTimersByTime(16);
    channel.ack(1);
    for (let i = 1; i <= 10; i++) {
      broker.publish(prop('thermo', 'temperature', i));
      vi.advanceTimersByTime(16);
    }
    // Batches 2–5 went out; since then everything waits, properties conflating, actions queued.
    expect(batches.map((b) => b.seq)).toEqual([1, 2, 3, 4, 5]);
    broker.publish(action('thermo', 'rampTo', 'a'));
    broker.publish(action('thermo', 'rampTo', 'b'));
    vi.advanceTimersByTime(500);
    expect(batches).toHaveLength(5);
    channel.ack(5);
    expect(batches.at(-1)).toMatchObject({
      seq: 6,
      conflated: 5,
      dropped: 0,
      items: [{ payload: 10 }, { payload: 'a' }, { payload: 'b' }],
    });
  });

  it('refuses to acknowledge a batch that was never sent', () => {
    const { channel } = setup();
    expect(() => channel.ack(3)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('is paced by the transport alone while the client never acknowledges', () => {
    const { broker, batches, channel } = setup();
    channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    for (let i = 0; i < 10; i++) {
      broker.publish(prop('thermo', 'temperature', i));
      vi.advanceTimersByTime(16);
    }
    expect(batches).toHaveLength(10);
  });
});

describe('live channel: isolation and disposal', () => {
  it('survives a transport that throws, without disturbing the broker or other subscribers', () => {
    const broker = new MessageBroker({ logger: silentLogger });
    const good: LiveBatch[] = [];
    const bad = createLiveChannel({
      broker,
      logger: silentLogger,
      send: () => {
        throw new Error('window is gone');
      },
    });
    const ok = createLiveChannel({ broker, logger: silentLogger, send: (batch) => good.push(batch) });
    bad.subscribe({ thing: 'thermo', affordance: 'temperature' });
    ok.subscribe({ thing: 'thermo', affordance: 'temperature' });
    expect(() => broker.publish(prop('thermo', 'temperature', 1))).not.toThrow();
    vi.advanceTimersByTime(16);
    broker.publish(prop('thermo', 'temperature', 2));
    vi.advanceTimersByTime(16);
    expect(good.map((batch) => batch.items[0]?.payload)).toEqual([1, 2]);
    expect(broker.stats().every((stats) => stats.errors === 0)).toBe(true);
  });

  it('removes all its broker subscriptions and pending items on dispose', () => {
    const { broker, batches, channel } = setup();
    channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    channel.subscribe({ thing: 'stage', affordance: '*' });
    broker.publish(prop('thermo', 'temperature', 1));
    channel.dispose();
    expect(broker.subscriptionCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(batches).toEqual([]);
    expect(channel.disposed).toBe(true);
    expect(() => channel.subscribe({ thing: 'thermo', affordance: 'temperature' })).toThrow(
      expect.objectContaining({ code: 'CANCELLED' }),
    );
    channel.dispose();
  });

  it('keeps its sink alive although the broker holds it weakly', async () => {
    const { broker, batches, channel } = setup();
    channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    vi.useRealTimers();
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      globalThis.gc?.();
    }
    vi.useFakeTimers();
    broker.publish(prop('thermo', 'temperature', 7));
    vi.advanceTimersByTime(16);
    expect(batches.flatMap((batch) => batch.items.map((item) => item.payload))).toEqual([7]);
  });
});

describe('live channel: per-client key limit', () => {
  it('refuses a key beyond maxKeys, counts references to a held key as none, and frees a slot on the last release', () => {
    const { broker, channel } = setup({ maxKeys: 3 });
    for (const affordance of ['a', 'b', 'c']) channel.subscribe({ thing: 't', affordance });
    channel.subscribe({ thing: 't', affordance: 'a' }); // a second reference: no new key
    let refused: unknown;
    try {
      channel.subscribe({ thing: 't', affordance: 'd' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/at most 3 keys/) as unknown });
    expect(broker.subscriptionCount()).toBe(3); // the refused key never reached the broker
    channel.unsubscribe({ thing: 't', affordance: 'a' });
    expect(() => channel.subscribe({ thing: 't', affordance: 'd' })).toThrow(/at most 3 keys/); // 'a' still has a reference
    channel.unsubscribe({ thing: 't', affordance: 'a' });
    channel.subscribe({ thing: 't', affordance: 'd' });
    expect(channel.subscriptions().map((sub) => sub.affordance).sort()).toEqual(['b', 'c', 'd']);
    expect(broker.subscriptionCount()).toBe(3);
  });

  it('defaults to 10,000 keys per client', () => {
    const { channel } = setup();
    for (let i = 0; i < 10_000; i++) channel.subscribe({ thing: 't', affordance: `p${i}` });
    expect(() => channel.subscribe({ thing: 't', affordance: 'one-more' })).toThrow(/at most 10000 keys/);
  });
});

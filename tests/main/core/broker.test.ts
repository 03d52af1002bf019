import { afterEach, describe, expect, it, vi } from 'vitest';
import { LabError } from '../../../src/shared/errors';
import { ANY_AFFORDANCE, ANY_THING } from '../../../src/shared/model';
import {
  MessageBroker,
  SubscriptionNotFoundError,
  type BrokerLogger,
  type DropEvent,
  type SubscriberErrorEvent,
} from '../../../src/main/core/broker';
import { Message, type Publisher } from '../../../src/main/core/message';
import {
  BrokenResourceError,
  ClosedResourceError,
  createConflatingStream,
  createMemoryObjectStream,
  DELIVERY_TARGET,
  WouldBlock,
  type MessageSendStream,
} from '../../../src/main/core/streams';

const msg = (thing: string, affordance: string, payload: unknown = null, messageType: 'property' | 'action' = 'property') =>
  new Message({ thing, affordance, messageType, payload });

/** A sink that records what it gets; `fail` makes it throw instead. */
class RecordingSink implements MessageSendStream {
  readonly got: Message[] = [];
  closed = false;
  closeCalls = 0;
  fail: Error | undefined;
  sendNowait(message: Message): void {
    if (this.fail) throw this.fail;
    this.got.push(message);
  }
  close(): void {
    this.closeCalls++;
    this.closed = true;
  }
  get payloads(): unknown[] {
    return this.got.map((m) => m.payload);
  }
}

/** A logger that keeps its lines, so tests can count reports. */
function recordingLogger(): BrokerLogger & { lines: string[]; details: unknown[][] } {
  const lines: string[] = [];
  const details: unknown[][] = [];
  return {
    lines,
    details,
    warn(message: string, ...rest: unknown[]) {
      lines.push(message);
      details.push(rest);
    },
  };
}

const quietBroker = () => new MessageBroker({ logger: recordingLogger() });

afterEach(() => {
  vi.useRealTimers();
});

describe('MessageBroker: subscribe and unsubscribe', () => {
  it('rejects non-string names with a TypeError naming the field', () => {
    const broker = quietBroker();
    const sink = new RecordingSink();
    const bad = (v: unknown) => v as string;
    expect(() => broker.subscribe(bad(1), 'a', sink)).toThrow(TypeError);
    expect(() => broker.subscribe(bad(1), 'a', sink)).toThrow(/thing.*number 1/);
    expect(() => broker.subscribe('t', bad(null), sink)).toThrow(/affordance.*null/);
    expect(() => broker.subscribe('t', bad({}), sink)).toThrow(/affordance.*an object/);
    expect(() => broker.unsubscribe(bad(undefined), 'a', sink)).toThrow(/thing.*undefined/);
    expect(() => broker.unsubscribe('t', bad(2), sink)).toThrow(TypeError);
    expect(() => broker.unsubscribe('t', bad(2), sink)).toThrow(/affordance/);
    expect(broker.subscriptionCount()).toBe(0);
  });

  it('rejects a stream without sendNowait', () => {
    const broker = quietBroker();
    expect(() => broker.subscribe('t', 'a', {} as MessageSendStream)).toThrow(/stream/);
    expect(() => broker.subscribe('t', 'a', null as unknown as MessageSendStream)).toThrow(TypeError);
  });

  it('raises SubscriptionNotFoundError for an unknown thing, affordance or stream', () => {
    const broker = quietBroker();
    const sink = new RecordingSink();
    broker.subscribe('t', 'a', sink);
    const other = new RecordingSink();
    expect(() => broker.unsubscribe('nope', 'a', sink)).toThrow(SubscriptionNotFoundError);
    expect(() => broker.unsubscribe('nope', 'a', sink)).toThrow(/thing "nope"/);
    expect(() => broker.unsubscribe('t', 'b', sink)).toThrow(/affordance "b" of thing "t"/);
    expect(() => broker.unsubscribe('t', 'a', other)).toThrow(/not subscribed to "t"\/"a"/);
    try {
      broker.unsubscribe('t', 'b', sink);
    } catch (error) {
      expect(error).toBeInstanceOf(LabError);
      expect((error as LabError).code).toBe('NOT_FOUND');
    }
    broker.unsubscribe('t', 'a', sink);
    expect(() => broker.unsubscribe('t', 'a', sink)).toThrow(SubscriptionNotFoundError);
  });

  it('delivers once to a stream subscribed twice, and one unsubscribe ends it', () => {
    const broker = quietBroker();
    const sink = new RecordingSink();
    broker.subscribe('t', 'a', sink);
    broker.subscribe('t', 'a', sink);
    expect(broker.subscriptionCount()).toBe(1);
    broker.publish(msg('t', 'a', 1));
    expect(sink.payloads).toEqual([1]);
    broker.unsubscribe('t', 'a', sink);
    broker.publish(msg('t', 'a', 2));
    expect(sink.payloads).toEqual([1]);
    expect(broker.subscriptionCount()).toBe(0);
  });

  it('leaves the registry empty after 10,000 subscribe/unsubscribe cycles', () => {
    const broker = quietBroker();
    for (let i = 0; i < 10_000; i++) {
      const sink = new RecordingSink();
      const thing = `thing-${i % 7}`;
      const affordance = i % 3 === 0 ? ANY_AFFORDANCE : `prop-${i % 11}`;
      broker.subscribe(thing, affordance, sink);
      broker.publish(msg(thing, `prop-${i % 11}`, i));
      broker.unsubscribe(thing, affordance, sink);
      expect(sink.payloads).toEqual([i]);
    }
    expect(broker.subscriptionCount()).toBe(0);
    expect(broker.keyCount()).toBe(0);
    expect(broker.stats()).toEqual([]);
    expect(broker.hasSubscribers('thing-0', 'prop-0')).toBe(false);
  });

  it('is a Publisher', () => {
    const publisher: Publisher = quietBroker();
    expect(() => publisher.publish(msg('nobody', 'listens'))).not.toThrow();
  });
});

describe('MessageBroker: routing and delivery', () => {
  it('routes on the exact (thing, affordance) pair', () => {
    const broker = quietBroker();
    const ta1 = new RecordingSink();
    const ta2 = new RecordingSink();
    const tb = new RecordingSink();
    const ua = new RecordingSink();
    broker.subscribe('t', 'a', ta1);
    broker.subscribe('t', 'a', ta2);
    broker.subscribe('t', 'b', tb);
    broker.subscribe('u', 'a', ua);
    broker.publish(msg('t', 'a', 'ta'));
    broker.publish(msg('t', 'b', 'tb'));
    broker.publish(msg('u', 'a', 'ua'));
    broker.publish(msg('u', 'b', 'ub'));
    broker.publish(msg('v', 'a', 'va'));
    broker.publish(msg('T', 'a', 'Ta'));
    expect(ta1.payloads).toEqual(['ta']);
    expect(ta2.payloads).toEqual(['ta']);
    expect(tb.payloads).toEqual(['tb']);
    expect(ua.payloads).toEqual(['ua']);
    expect(broker.hasSubscribers('t', 'a')).toBe(true);
    expect(broker.hasSubscribers('t', 'c')).toBe(false);
  });

  it('hands every subscriber the same message object, in publish order', () => {
    const broker = quietBroker();
    const sinks = [new RecordingSink(), new RecordingSink(), new RecordingSink()];
    for (const sink of sinks) broker.subscribe('t', 'a', sink);
    const messages = Array.from({ length: 100 }, (_, i) => msg('t', 'a', i, i % 2 ? 'action' : 'property'));
    for (const message of messages) broker.publish(message);
    for (const sink of sinks) {
      expect(sink.got).toHaveLength(100);
      sink.got.forEach((message, i) => expect(message).toBe(messages[i]));
    }
  });

  it('delivers in order through real streams, receiving concurrently', async () => {
    const broker = quietBroker();
    const [send, receive] = createMemoryObjectStream<Message>(16);
    broker.subscribe('t', 'a', send);
    const received: unknown[] = [];
    const reader = (async () => {
      for await (const message of receive) received.push(message.payload);
    })();
    for (let i = 0; i < 200; i++) {
      broker.publish(msg('t', 'a', i));
      if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
    broker.closeStreams();
    await reader;
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('publish is synchronous: the message is in the stream when publish returns', () => {
    const broker = quietBroker();
    const [send, receive] = createMemoryObjectStream<Message>(1);
    broker.subscribe('t', 'a', send);
    broker.publish(msg('t', 'a', 'now'));
    expect(receive.receiveNowait().payload).toBe('now');
  });

  it("'*' receives every affordance of its Thing only", () => {
    const broker = quietBroker();
    const all = new RecordingSink();
    const other = new RecordingSink();
    broker.subscribe('t', ANY_AFFORDANCE, all);
    broker.subscribe('u', ANY_AFFORDANCE, other);
    broker.publish(msg('t', 'a', 1));
    broker.publish(msg('t', 'b', 2, 'action'));
    broker.publish(msg('u', 'a', 3));
    expect(all.payloads).toEqual([1, 2]);
    expect(other.payloads).toEqual([3]);
    expect(broker.hasSubscribers('t', 'anything')).toBe(true);
  });

  it("delivers once to a stream subscribed to both '*' and the specific affordance", () => {
    const broker = quietBroker();
    const both = new RecordingSink();
    const star = new RecordingSink();
    broker.subscribe('t', ANY_AFFORDANCE, both);
    broker.subscribe('t', 'a', both);
    broker.subscribe('t', ANY_AFFORDANCE, star);
    broker.publish(msg('t', 'a', 1));
    broker.publish(msg('t', 'b', 2));
    expect(both.payloads).toEqual([1, 2]);
    expect(star.payloads).toEqual([1, 2]);
    // Counted on the specific subscription when both match.
    const stats = broker.stats();
    expect(stats).toContainEqual({ thing: 't', affordance: 'a', delivered: 1, dropped: 0, errors: 0 });
    expect(stats).toContainEqual({ thing: 't', affordance: '*', delivered: 1, dropped: 0, errors: 0 });
    expect(stats).toContainEqual({ thing: 't', affordance: '*', delivered: 2, dropped: 0, errors: 0 });
    // After leaving the specific one, '*' still delivers it.
    broker.unsubscribe('t', 'a', both);
    broker.publish(msg('t', 'a', 3));
    expect(both.payloads).toEqual([1, 2, 3]);
  });

  it("a message of a Thing named '*' reaches ('*', '*'), ('*', its affordance) and ('*', '*')-and-exact subscribers once each", () => {
    const broker = quietBroker();
    const everything = new RecordingSink();
    const exact = new RecordingSink();
    const both = new RecordingSink();
    const [stream, receive] = createMemoryObjectStream<Message>(10);
    broker.subscribe(ANY_THING, ANY_AFFORDANCE, everything);
    broker.subscribe(ANY_THING, ANY_AFFORDANCE, stream);
    broker.subscribe(ANY_THING, 'a', exact);
    broker.subscribe(ANY_THING, ANY_AFFORDANCE, both);
    broker.subscribe(ANY_THING, 'a', both);
    broker.publish(msg(ANY_THING, 'a', 1));
    broker.publish(msg(ANY_THING, 'b', 2));
    broker.publish(msg('t', 'a', 3));
    expect(everything.payloads).toEqual([1, 2, 3]);
    expect(exact.payloads).toEqual([1]);
    expect(both.payloads).toEqual([1, 2, 3]);
    expect([1, 2, 3].map(() => receive.receiveNowait().payload)).toEqual([1, 2, 3]);
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
  });

  it("('*', '*') and a Thing's '*' both get a message of that Thing, without a lookup by name", () => {
    const broker = quietBroker();
    const everything = new RecordingSink();
    const thing = new RecordingSink();
    broker.subscribe(ANY_THING, ANY_AFFORDANCE, everything);
    broker.subscribe('t', ANY_AFFORDANCE, thing);
    broker.publish(msg('t', 'a', 1)); // the Thing has routes, no exact entry
    broker.publish(msg('u', 'a', 2)); // no routes at all
    expect(everything.payloads).toEqual([1, 2]);
    expect(thing.payloads).toEqual([1]);
  });

  it("a message whose affordance is literally '*' reaches '*' subscribers once", () => {
    const broker = quietBroker();
    const sink = new RecordingSink();
    broker.subscribe('t', ANY_AFFORDANCE, sink);
    broker.publish(msg('t', ANY_AFFORDANCE, 1));
    expect(sink.payloads).toEqual([1]);
  });

  it('counts delivered, dropped and errors per subscription', () => {
    const broker = quietBroker();
    const ok = new RecordingSink();
    const [full] = createMemoryObjectStream<Message>(0);
    const throwing = new RecordingSink();
    throwing.fail = new Error('boom');
    broker.subscribe('t', 'a', ok);
    broker.subscribe('t', 'a', full);
    broker.subscribe('t', 'b', throwing);
    broker.publish(msg('t', 'a'));
    broker.publish(msg('t', 'a'));
    broker.publish(msg('t', 'b'));
    expect(broker.stats()).toEqual([
      { thing: 't', affordance: 'a', delivered: 2, dropped: 0, errors: 0 },
      { thing: 't', affordance: 'a', delivered: 0, dropped: 2, errors: 0 },
      { thing: 't', affordance: 'b', delivered: 0, dropped: 0, errors: 1 },
    ]);
  });

  it('works with a conflating stream as the subscriber', () => {
    const broker = quietBroker();
    const [send, receive] = createConflatingStream(2);
    broker.subscribe('t', ANY_AFFORDANCE, send);
    for (let i = 0; i < 100; i++) {
      broker.publish(msg('t', 'x', i));
      broker.publish(msg('t', 'y', -i));
    }
    expect(receive.receiveNowait().payload).toBe(99);
    expect(receive.receiveNowait().payload).toBe(-99);
    expect(broker.stats()[0]).toMatchObject({ delivered: 200, dropped: 0 });
  });
});

describe('MessageBroker: full streams', () => {
  it('buffer of 1: the 3rd publish is dropped with exactly one report; delivery resumes after draining', async () => {
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger });
    const drops: DropEvent[] = [];
    broker.on('drop', (event) => drops.push(event));
    const [send, receive] = createMemoryObjectStream<Message>(1);
    const healthy = new RecordingSink();
    broker.subscribe('t', 'a', send);
    broker.subscribe('t', 'a', healthy);

    const first = receive.receive(); // a receiver is waiting: #1 goes straight to it
    broker.publish(msg('t', 'a', 1));
    broker.publish(msg('t', 'a', 2)); // fills the buffer
    broker.publish(msg('t', 'a', 3)); // dropped, for this subscriber only
    expect((await first).payload).toBe(1);
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ thing: 't', affordance: 'a', dropped: 1 });
    expect(drops[0]?.message.payload).toBe(3);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/dropped 1 message.*"t"\/"a"/);

    expect(receive.receiveNowait().payload).toBe(2); // drain
    broker.publish(msg('t', 'a', 4));
    expect(receive.receiveNowait().payload).toBe(4);
    expect(healthy.payloads).toEqual([1, 2, 3, 4]);
    expect(drops).toHaveLength(1);
    expect(broker.subscriptionCount()).toBe(2);
    expect(broker.stats()[0]).toEqual({ thing: 't', affordance: 'a', delivered: 3, dropped: 1, errors: 0 });
  });

  it('rate-limits drop log lines per subscription and summarises the counts', () => {
    vi.useFakeTimers();
    let now = 0;
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger, reportIntervalMs: 1000, now: () => now });
    const [fullA] = createMemoryObjectStream<Message>(0);
    const [fullB] = createMemoryObjectStream<Message>(0);
    const drops: DropEvent[] = [];
    broker.on('drop', (event) => drops.push(event));
    broker.subscribe('t', 'a', fullA);
    broker.subscribe('t', 'b', fullB);

    for (let i = 0; i < 50; i++) broker.publish(msg('t', 'a', i));
    broker.publish(msg('t', 'b'));
    expect(drops).toHaveLength(51); // every drop is an event
    expect(logger.lines).toHaveLength(2); // but one line per subscription
    expect(logger.lines[0]).toMatch(/dropped 1 message\(s\).*"t"\/"a" \(1 in total\)/);

    // The 49 held back are logged when the interval ends, even with no further drop.
    now = 1000;
    vi.advanceTimersByTime(1000);
    expect(logger.lines).toHaveLength(3);
    expect(logger.lines[2]).toMatch(/dropped 49 message\(s\).*"t"\/"a" \(50 in total\)/);

    // Nothing pending: no more lines.
    now = 5000;
    vi.advanceTimersByTime(4000);
    expect(logger.lines).toHaveLength(3);

    // A later drop after a quiet interval logs at once.
    broker.publish(msg('t', 'a'));
    expect(logger.lines).toHaveLength(4);
    expect(logger.lines[3]).toMatch(/dropped 1 message\(s\).*\(51 in total\)/);
  });

  it('held-back drops are summarised when the interval ends, without reading the clock per drop', () => {
    vi.useFakeTimers();
    let now = 0;
    let clockReads = 0;
    const logger = recordingLogger();
    const broker = new MessageBroker({
      logger,
      reportIntervalMs: 1000,
      now: () => {
        clockReads++;
        return now;
      },
    });
    const [full] = createMemoryObjectStream<Message>(0);
    broker.subscribe('t', 'a', full);
    broker.publish(msg('t', 'a'));
    broker.publish(msg('t', 'a'));
    const readsAfterTwo = clockReads;
    for (let i = 0; i < 100; i++) broker.publish(msg('t', 'a'));
    expect(clockReads).toBe(readsAfterTwo); // a drop while a summary is due only counts
    expect(logger.lines).toHaveLength(1);
    now = 1000;
    vi.advanceTimersByTime(1000);
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]).toMatch(/dropped 101 message\(s\).*\(102 in total\)/);
    now = 1500;
    broker.publish(msg('t', 'a'));
    expect(logger.lines).toHaveLength(2); // within the interval of the summary: held back
    now = 2500;
    vi.advanceTimersByTime(1000);
    expect(logger.lines).toHaveLength(3);
    expect(logger.lines[2]).toMatch(/dropped 1 message\(s\).*\(103 in total\)/);
    broker.closeStreams();
  });

  it('logs held-back counts on closeStreams', () => {
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger, reportIntervalMs: 60_000 });
    const [full] = createMemoryObjectStream<Message>(0);
    broker.subscribe('t', 'a', full);
    broker.publish(msg('t', 'a'));
    broker.publish(msg('t', 'a'));
    broker.closeStreams();
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]).toMatch(/dropped 1 message\(s\).*\(2 in total\)/);
  });

  it('logs through console.warn by default', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const broker = new MessageBroker();
      const [full] = createMemoryObjectStream<Message>(0);
      broker.subscribe('t', 'a', full);
      broker.publish(msg('t', 'a'));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/dropped 1 message/);
      broker.closeStreams();
    } finally {
      warn.mockRestore();
    }
  });

  it('a custom sink signals full with WouldBlock and keeps its subscription', () => {
    const broker = quietBroker();
    const sink = new RecordingSink();
    sink.fail = new WouldBlock();
    broker.subscribe('t', 'a', sink);
    broker.publish(msg('t', 'a', 1));
    sink.fail = undefined;
    broker.publish(msg('t', 'a', 2));
    expect(sink.payloads).toEqual([2]);
    expect(broker.stats()[0]).toMatchObject({ delivered: 1, dropped: 1 });
  });
});

describe('MessageBroker: isolation', () => {
  it('isolates a throwing subscriber between two healthy ones and reports it', () => {
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger });
    const errors: SubscriberErrorEvent[] = [];
    broker.on('error', (event) => errors.push(event));
    const before = new RecordingSink();
    const throwing = new RecordingSink();
    const after = new RecordingSink();
    const boom = new Error('boom');
    throwing.fail = boom;
    broker.subscribe('t', 'a', before);
    broker.subscribe('t', 'a', throwing);
    broker.subscribe('t', 'a', after);

    expect(() => broker.publish(msg('t', 'a', 1))).not.toThrow();
    broker.publish(msg('t', 'a', 2));
    expect(before.payloads).toEqual([1, 2]);
    expect(after.payloads).toEqual([1, 2]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ thing: 't', affordance: 'a', error: boom, errors: 1 });
    expect(logger.lines).toHaveLength(1); // rate-limited like drops
    expect(logger.lines[0]).toMatch(/subscriber of "t"\/"a" threw/);
    expect(logger.details[0]).toEqual([boom]);
    // The subscription stays: a transient fault must not silence it for good.
    throwing.fail = undefined;
    broker.publish(msg('t', 'a', 3));
    expect(throwing.payloads).toEqual([3]);
    expect(broker.stats().map((s) => s.errors)).toEqual([0, 2, 0]);
  });

  it('summarises held-back subscriber errors when the interval ends', () => {
    vi.useFakeTimers();
    let now = 0;
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger, reportIntervalMs: 1000, now: () => now });
    const throwing = new RecordingSink();
    throwing.fail = new Error('boom');
    broker.subscribe('t', 'a', throwing);
    for (let i = 0; i < 5; i++) broker.publish(msg('t', 'a'));
    expect(logger.lines).toEqual(['message broker: a subscriber of "t"/"a" threw 1 time(s) (1 in total)']);
    now = 1000;
    vi.advanceTimersByTime(1000);
    expect(logger.lines[1]).toBe('message broker: a subscriber of "t"/"a" threw 4 time(s) (5 in total)');
    expect(logger.details[1]).toEqual([]);
  });

  it('isolates a throwing report listener', () => {
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger });
    const seen: number[] = [];
    broker.on('drop', () => {
      throw new Error('listener broke');
    });
    broker.on('drop', (event) => seen.push(event.dropped));
    const [full] = createMemoryObjectStream<Message>(0);
    const healthy = new RecordingSink();
    broker.subscribe('t', 'a', full);
    broker.subscribe('t', 'a', healthy);
    expect(() => broker.publish(msg('t', 'a'))).not.toThrow();
    expect(seen).toEqual([1]);
    expect(healthy.got).toHaveLength(1);
    expect(logger.lines.some((line) => /listener threw/.test(line))).toBe(true);
  });

  it('on() returns a disposer that stops the listener (twice is harmless)', () => {
    const broker = quietBroker();
    const seen: DropEvent[] = [];
    const dispose = broker.on('drop', (event) => seen.push(event));
    const [full] = createMemoryObjectStream<Message>(0);
    broker.subscribe('t', 'a', full);
    broker.publish(msg('t', 'a'));
    dispose();
    dispose();
    broker.publish(msg('t', 'a'));
    expect(seen).toHaveLength(1);
    const unknown = 'dorp' as 'drop';
    expect(() => broker.on(unknown, () => undefined)).toThrow(/unknown broker event "dorp"/);
  });

  it('survives sinks that subscribe or unsubscribe others while being delivered to', () => {
    const broker = quietBroker();
    const victim = new RecordingSink();
    const late = new RecordingSink();
    const meddler: MessageSendStream = {
      sendNowait: () => {
        broker.unsubscribe('t', 'a', victim);
        broker.subscribe('t', 'a', late);
      },
    };
    broker.subscribe('t', 'a', meddler);
    broker.subscribe('t', 'a', victim);
    broker.publish(msg('t', 'a', 1));
    expect(victim.got).toHaveLength(0); // unsubscribed before its turn
    expect(late.got).toHaveLength(0); // joined after this publish began
    broker.unsubscribe('t', 'a', meddler);
    broker.publish(msg('t', 'a', 2));
    expect(late.payloads).toEqual([2]);
  });

  it('skips a subscription removed during a fan-out, although its sink was already at hand in this job', () => {
    const broker = quietBroker();
    const plain = new RecordingSink();
    const [stream, receive] = createMemoryObjectStream<Message>(10);
    let meddle = false;
    const disposers: Array<() => void> = [];
    const meddler: MessageSendStream = {
      sendNowait: () => {
        if (meddle) for (const dispose of disposers) dispose();
      },
    };
    broker.subscribe('t', 'a', meddler);
    disposers.push(broker.subscribe('t', 'a', plain), broker.subscribe('t', 'a', stream));
    broker.publish(msg('t', 'a', 1)); // the plain sink is now held for this job, the target always
    meddle = true;
    broker.publish(msg('t', 'a', 2)); // the meddler, first, ends both before their turn
    broker.publish(msg('t', 'a', 3));
    expect(plain.payloads).toEqual([1]);
    expect(receive.receiveNowait().payload).toBe(1);
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
    expect(broker.subscriptionCount()).toBe(1);
  });
});

describe('MessageBroker: pruning', () => {
  it('prunes a stream whose send side was closed, at the next publish, silently', () => {
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger });
    const [send, receive] = createMemoryObjectStream<Message>(4);
    const other = new RecordingSink();
    broker.subscribe('t', 'a', send);
    broker.subscribe('t', 'a', other);
    send.close();
    expect(broker.subscriptionCount()).toBe(2);
    broker.publish(msg('t', 'a', 1));
    expect(broker.subscriptionCount()).toBe(1);
    expect(other.payloads).toEqual([1]);
    expect(() => receive.receiveNowait()).toThrow();
    expect(logger.lines).toEqual([]);
  });

  it('prunes a stream whose receive side was closed (broken), silently', () => {
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger });
    const errors: SubscriberErrorEvent[] = [];
    broker.on('error', (event) => errors.push(event));
    const [send, receive] = createMemoryObjectStream<Message>(4);
    broker.subscribe('t', 'a', send);
    broker.subscribe('t', ANY_AFFORDANCE, send);
    receive.close();
    broker.publish(msg('t', 'a', 1)); // both subscriptions of the stream match, both go
    expect(broker.subscriptionCount()).toBe(0);
    expect(broker.keyCount()).toBe(0);
    expect(errors).toEqual([]);
    expect(logger.lines).toEqual([]);
  });

  it('prunes custom sinks reporting closed or throwing Closed/Broken errors', () => {
    const broker = quietBroker();
    const closedFlag = new RecordingSink();
    const closedError = new RecordingSink();
    const brokenError = new RecordingSink();
    closedError.fail = new ClosedResourceError();
    brokenError.fail = new BrokenResourceError();
    for (const sink of [closedFlag, closedError, brokenError]) broker.subscribe('t', 'a', sink);
    closedFlag.closed = true;
    broker.publish(msg('t', 'a'));
    expect(closedFlag.got).toHaveLength(0); // not even called
    expect(broker.subscriptionCount()).toBe(0);
    expect(() => broker.unsubscribe('t', 'a', closedError)).toThrow(SubscriptionNotFoundError);
  });

  it('prunes streams their owners dropped, after garbage collection, with no call needed', async () => {
    expect(typeof globalThis.gc).toBe('function');
    const gc = globalThis.gc as () => void;
    const broker = quietBroker();
    const kept = new RecordingSink();
    broker.subscribe('t', 'a', kept);
    // The streams live only inside this function: a memory stream (delivery-target path)
    // and a plain sink (WeakRef path), both used once before being dropped.
    (() => {
      const [send] = createMemoryObjectStream<Message>(4);
      const plain = new RecordingSink();
      broker.subscribe('t', 'a', send);
      broker.subscribe('t', ANY_AFFORDANCE, send);
      broker.subscribe('u', 'b', send);
      broker.subscribe('t', 'a', plain);
      broker.subscribe('u', 'b', plain);
      broker.publish(msg('t', 'a', 0));
      broker.publish(msg('u', 'b', 0));
    })();
    kept.got.length = 0;
    expect(broker.subscriptionCount()).toBe(6);
    for (let i = 0; i < 50 && broker.subscriptionCount() > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
    }
    expect(broker.subscriptionCount()).toBe(1);
    expect(broker.keyCount()).toBe(1);
    broker.publish(msg('t', 'a', 1));
    expect(kept.payloads).toEqual([1]);
  });
});

describe('MessageBroker: DELIVERY_TARGET fast path', () => {
  /** A sink whose deliveries go to a separate target object that never points back. */
  class SplitSink implements MessageSendStream {
    readonly target = new RecordingSink();
    sendNowait(): void {
      throw new Error('the broker should call the target');
    }
    get [DELIVERY_TARGET](): RecordingSink {
      return this.target;
    }
  }

  it('delivers to the target, deduplicates and unsubscribes by the sink', () => {
    const broker = quietBroker();
    const sink = new SplitSink();
    broker.subscribe('t', 'a', sink);
    broker.subscribe('t', 'a', sink);
    broker.subscribe('t', ANY_AFFORDANCE, sink);
    broker.publish(msg('t', 'a', 1));
    broker.publish(msg('t', 'b', 2));
    expect(sink.target.payloads).toEqual([1, 2]);
    expect(broker.subscriptionCount()).toBe(2);
    broker.unsubscribe('t', 'a', sink);
    broker.unsubscribe('t', ANY_AFFORDANCE, sink);
    expect(broker.subscriptionCount()).toBe(0);
    expect(() => broker.unsubscribe('t', 'a', sink)).toThrow(SubscriptionNotFoundError);
  });

  it('applies the closed flag and errors of the target', () => {
    const broker = quietBroker();
    const sink = new SplitSink();
    broker.subscribe('t', 'a', sink);
    sink.target.fail = new WouldBlock();
    broker.publish(msg('t', 'a'));
    expect(broker.stats()[0]).toMatchObject({ dropped: 1 });
    sink.target.fail = undefined;
    sink.target.closed = true;
    broker.publish(msg('t', 'a'));
    expect(broker.subscriptionCount()).toBe(0);
  });

  it('closes targets on closeStreams', () => {
    const broker = quietBroker();
    const sink = new SplitSink();
    broker.subscribe('t', 'a', sink);
    broker.closeStreams();
    expect(sink.target.closeCalls).toBe(1);
  });

  it('treats a target that is the sink itself as a plain sink, and rejects a target without sendNowait', () => {
    const broker = quietBroker();
    const got: Message[] = [];
    const self: MessageSendStream = {
      sendNowait: (message) => got.push(message),
      get [DELIVERY_TARGET]() {
        return self;
      },
    };
    broker.subscribe('t', 'a', self);
    broker.publish(msg('t', 'a'));
    expect(got).toHaveLength(1);
    const bad = { sendNowait: () => undefined, [DELIVERY_TARGET]: {} } as unknown as MessageSendStream;
    expect(() => broker.subscribe('u', 'a', bad)).toThrow(TypeError);
    expect(broker.keyCount()).toBe(1); // nothing left behind for 'u'
  });

  it('memory streams offer their shared state as target, which closes the send side', async () => {
    const [send, receive] = createMemoryObjectStream<Message>(2);
    const target = send[DELIVERY_TARGET];
    expect(target).not.toBe(send);
    target.sendNowait(msg('t', 'a', 1));
    expect(target.closed).toBe(false);
    target.close();
    expect(send.closed).toBe(true);
    expect((await receive.receive()).payload).toBe(1);
    await expect(receive.receive()).rejects.toThrow(/ended/);
  });

  it('prunes a collected sink although its target is held strongly', async () => {
    const gc = globalThis.gc as () => void;
    const broker = quietBroker();
    let target: RecordingSink | undefined;
    (() => {
      const sink = new SplitSink();
      target = sink.target;
      broker.subscribe('t', 'a', sink);
    })();
    for (let i = 0; i < 50 && broker.subscriptionCount() > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
    }
    expect(broker.subscriptionCount()).toBe(0);
    broker.publish(msg('t', 'a'));
    expect(target?.got).toHaveLength(0);
  });
});

describe('MessageBroker: closeStreams', () => {
  it('closes every subscribed stream, ends receivers and empties the registry', async () => {
    const broker = quietBroker();
    const [sendA, receiveA] = createMemoryObjectStream<Message>(4);
    const [sendB, receiveB] = createConflatingStream(4);
    const custom = new RecordingSink();
    broker.subscribe('t', 'a', sendA);
    broker.subscribe('t', ANY_AFFORDANCE, sendA);
    broker.subscribe('u', 'b', sendB);
    broker.subscribe('u', 'c', custom);
    broker.publish(msg('t', 'a', 1));
    const endedA = (async () => {
      const out: unknown[] = [];
      for await (const message of receiveA) out.push(message.payload);
      return out;
    })();
    const pendingB = receiveB.receive();
    broker.closeStreams();
    expect(await endedA).toEqual([1]); // buffered messages are still read, then it ends
    await expect(pendingB).rejects.toThrow(/ended/);
    expect(custom.closeCalls).toBe(1);
    expect(sendA.closed).toBe(true);
    expect(broker.subscriptionCount()).toBe(0);
    expect(broker.keyCount()).toBe(0);
    expect(broker.stats()).toEqual([]);
    broker.publish(msg('t', 'a', 2));
    expect(custom.got).toHaveLength(0);
  });

  it('keeps closing when one stream fails to close, and accepts sinks without close()', () => {
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger });
    const noClose: MessageSendStream = { sendNowait: () => undefined };
    const badClose: MessageSendStream = {
      sendNowait: () => undefined,
      close: () => {
        throw new Error('cannot close');
      },
    };
    const good = new RecordingSink();
    broker.subscribe('t', 'a', noClose);
    broker.subscribe('t', 'a', badClose);
    broker.subscribe('t', 'a', good);
    expect(() => broker.closeStreams()).not.toThrow();
    expect(good.closeCalls).toBe(1);
    expect(logger.lines).toEqual(['message broker: closing a stream failed']);
    expect(broker.subscriptionCount()).toBe(0);
  });

  it('can be used again after closeStreams', () => {
    const broker = quietBroker();
    broker.subscribe('t', 'a', new RecordingSink());
    broker.closeStreams();
    const sink = new RecordingSink();
    broker.subscribe('t', 'a', sink);
    broker.publish(msg('t', 'a', 1));
    expect(sink.payloads).toEqual([1]);
  });
});

describe('MessageBroker: every Thing and disposers', () => {
  it("('*', '*') receives every message of every Thing, Things that appear later included", async () => {
    const broker = new MessageBroker();
    const got: string[] = [];
    const sink = { sendNowait: (m: { thing: string; affordance: string }) => void got.push(`${m.thing}/${m.affordance}`) };
    const dispose = broker.subscribe('*', '*', sink as never);
    broker.publish(new Message({ thing: 'a', affordance: 'x', messageType: 'property', payload: 1 }));
    broker.publish(new Message({ thing: 'later', affordance: 'y', messageType: 'action', payload: 2 }));
    expect(got).toEqual(['a/x', 'later/y']);
    expect(broker.hasSubscribers('nobody', 'z')).toBe(true);
    dispose();
    dispose();
    broker.publish(new Message({ thing: 'a', affordance: 'x', messageType: 'property', payload: 3 }));
    expect(got).toHaveLength(2);
    expect(broker.keyCount()).toBe(0);
  });

  it('subscribe returns a disposer that ends only that subscription', () => {
    const broker = new MessageBroker();
    const a: number[] = [];
    const b: number[] = [];
    const sinkA = { sendNowait: (m: { payload: number }) => void a.push(m.payload) };
    const sinkB = { sendNowait: (m: { payload: number }) => void b.push(m.payload) };
    const disposeA = broker.subscribe('t', 'p', sinkA as never);
    broker.subscribe('t', 'p', sinkB as never);
    broker.publish(new Message({ thing: 't', affordance: 'p', messageType: 'property', payload: 1 }));
    disposeA();
    broker.publish(new Message({ thing: 't', affordance: 'p', messageType: 'property', payload: 2 }));
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
  });
});

describe('MessageBroker: conformance details', () => {
  it('isolates a subscriber whose closed getter throws, like any other subscriber failure', () => {
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger });
    const before = new RecordingSink();
    const after = new RecordingSink();
    const broken: MessageSendStream & { calls: number } = {
      calls: 0,
      sendNowait() {
        this.calls++;
      },
      get closed(): boolean {
        throw new Error('closed getter exploded');
      },
    };
    const errors: SubscriberErrorEvent[] = [];
    broker.on('error', (event) => errors.push(event));
    broker.subscribe('t', 'a', before);
    broker.subscribe('t', 'a', broken);
    broker.subscribe('t', 'a', after);
    expect(() => broker.publish(msg('t', 'a', 1))).not.toThrow();
    broker.publish(msg('t', 'a', 2));
    expect(before.payloads).toEqual([1, 2]);
    expect(after.payloads).toEqual([1, 2]);
    expect(broken.calls).toBe(0);
    expect(errors.map((event) => (event.error as Error).message)).toEqual(['closed getter exploded', 'closed getter exploded']);
    expect(broker.stats().map((stat) => stat.errors)).toEqual([0, 2, 0]);
    expect(broker.subscriptionCount()).toBe(3); // reported, kept, as a throwing sendNowait is
    expect(logger.lines[0]).toMatch(/threw 1 time/);
  });

  it('keeps per-subscriber order when a subscriber publishes from inside a delivery', () => {
    const broker = quietBroker();
    const first: MessageSendStream = {
      sendNowait(message) {
        if (message.payload === 'outer') broker.publish(msg('t', 'a', 'inner'));
      },
    };
    const second = new RecordingSink();
    const third = new RecordingSink();
    broker.subscribe('t', 'a', first);
    broker.subscribe('t', 'a', second);
    broker.subscribe('t', ANY_AFFORDANCE, third);
    broker.publish(msg('t', 'a', 'outer'));
    // Both arrive before the outer publish returns, the outer one first for everyone.
    expect(second.payloads).toEqual(['outer', 'inner']);
    expect(third.payloads).toEqual(['outer', 'inner']);
  });

  it('delivers nested publishes in publish order, however deep', () => {
    const broker = quietBroker();
    const seen: unknown[] = [];
    const republisher: MessageSendStream = {
      sendNowait(message) {
        const n = message.payload as number;
        if (n < 3) {
          broker.publish(msg('t', 'a', n * 10 + 1));
          broker.publish(msg('t', 'a', n * 10 + 2));
        }
      },
    };
    broker.subscribe('t', 'a', republisher);
    broker.subscribe('t', 'a', { sendNowait: (message) => seen.push(message.payload) });
    broker.publish(msg('t', 'a', 0));
    expect(seen).toEqual([0, 1, 2, 11, 12, 21, 22]);
  });

  it('a subscriber that publishes for every message cannot hang publish: the excess is dropped and logged', () => {
    const logger = recordingLogger();
    const broker = new MessageBroker({ logger });
    const echo: MessageSendStream = { sendNowait: (message) => broker.publish(msg('t', 'a', message.payload)) };
    const counter = new RecordingSink();
    broker.subscribe('t', 'a', echo);
    broker.subscribe('t', 'a', counter);
    broker.publish(msg('t', 'a', 0));
    expect(counter.got.length).toBeGreaterThan(1000);
    expect(logger.lines.some((line) => /published from inside deliveries/.test(line))).toBe(true);
    // The broker still works afterwards.
    broker.unsubscribe('t', 'a', echo);
    counter.got.length = 0;
    broker.publish(msg('t', 'a', 'later'));
    expect(counter.payloads).toEqual(['later']);
  });

  it('drops through trySendNowait when a sink offers it: no WouldBlock thrown, the drop counted', () => {
    const broker = quietBroker();
    let sends = 0;
    let offers = 0;
    let room = 1;
    const sink: MessageSendStream = {
      sendNowait() {
        sends++;
      },
      trySendNowait() {
        offers++;
        if (room === 0) return false;
        room--;
        return true;
      },
    };
    const drops: DropEvent[] = [];
    broker.on('drop', (event) => drops.push(event));
    broker.subscribe('t', 'a', sink);
    broker.publish(msg('t', 'a', 1));
    broker.publish(msg('t', 'a', 2));
    expect({ sends, offers }).toEqual({ sends: 0, offers: 2 });
    expect(drops.map((event) => event.message.payload)).toEqual([2]);
    expect(broker.stats()).toEqual([{ thing: 't', affordance: 'a', delivered: 1, dropped: 1, errors: 0 }]);
  });

  it('memory streams answer trySendNowait with false when full, and throw once closed', () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    expect(send.trySendNowait(1)).toBe(true);
    expect(send.trySendNowait(2)).toBe(false);
    expect(() => send.sendNowait(2)).toThrow(WouldBlock);
    expect(receive.receiveNowait()).toBe(1);
    receive.close();
    expect(() => send.trySendNowait(3)).toThrow(BrokenResourceError);
    send.close();
    expect(() => send.trySendNowait(3)).toThrow(ClosedResourceError);
  });

  it('counts deliveries, skips and drops per subscription without touching the hot path', () => {
    const broker = quietBroker();
    const both = new RecordingSink();
    const [full] = createMemoryObjectStream<Message>(0);
    broker.subscribe('t', 'a', both);
    broker.subscribe('t', ANY_AFFORDANCE, both);
    broker.subscribe('t', 'a', full);
    broker.publish(msg('t', 'a', 1)); // to both once, through its exact subscription
    broker.publish(msg('t', 'b', 2)); // through '*'
    const late = new RecordingSink();
    broker.subscribe('t', 'a', late);
    broker.publish(msg('t', 'a', 3));
    expect(both.payloads).toEqual([1, 2, 3]);
    expect(late.payloads).toEqual([3]);
    expect(broker.stats()).toEqual([
      { thing: 't', affordance: 'a', delivered: 2, dropped: 0, errors: 0 },
      { thing: 't', affordance: 'a', delivered: 0, dropped: 2, errors: 0 },
      { thing: 't', affordance: 'a', delivered: 1, dropped: 0, errors: 0 },
      { thing: 't', affordance: ANY_AFFORDANCE, delivered: 1, dropped: 0, errors: 0 },
    ]);
  });

  it('holds a plain sink only until the current job ends, so a dropped one is still collected', async () => {
    const gc = globalThis.gc as () => void;
    const broker = quietBroker();
    (() => {
      const plain = new RecordingSink();
      broker.subscribe('t', 'a', plain);
      for (let i = 0; i < 100; i++) broker.publish(msg('t', 'a', i));
      expect(plain.got).toHaveLength(100);
    })();
    for (let i = 0; i < 50 && broker.subscriptionCount() > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
    }
    expect(broker.subscriptionCount()).toBe(0);
  });
});

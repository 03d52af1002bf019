import { describe, expect, it } from 'vitest';
import { Message } from '../../../src/main/core/message';
import {
  BrokenResourceError,
  ClosedResourceError,
  createConflatingStream,
  createMemoryObjectStream,
  EndOfStream,
  WouldBlock,
} from '../../../src/main/core/streams';

const prop = (affordance: string, payload: unknown, thing = 't') =>
  new Message({ thing, affordance, messageType: 'property', payload });
const action = (affordance: string, payload: unknown, thing = 't') =>
  new Message({ thing, affordance, messageType: 'action', payload });

async function collect<T>(receive: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of receive) out.push(item);
  return out;
}

describe('createMemoryObjectStream', () => {
  it('buffers up to bufferSize items, then throws WouldBlock', () => {
    const [send, receive] = createMemoryObjectStream<number>(2);
    send.sendNowait(1);
    send.sendNowait(2);
    expect(() => send.sendNowait(3)).toThrow(WouldBlock);
    expect(receive.receiveNowait()).toBe(1);
    send.sendNowait(4);
    expect(receive.receiveNowait()).toBe(2);
    expect(receive.receiveNowait()).toBe(4);
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
  });

  it('defaults to a buffer of 0: a send succeeds only while a receiver waits', async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    expect(() => send.sendNowait('lost')).toThrow(WouldBlock);
    const pending = receive.receive();
    send.sendNowait('direct');
    await expect(pending).resolves.toBe('direct');
  });

  it('hands an item straight to a waiting receiver, leaving the buffer free', async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    const first = receive.receive();
    send.sendNowait(1); // to the waiting receiver
    send.sendNowait(2); // into the buffer
    expect(() => send.sendNowait(3)).toThrow(WouldBlock);
    await expect(first).resolves.toBe(1);
    expect(receive.statistics()).toMatchObject({ bufferUsed: 1, maxBufferSize: 1, waitingReceivers: 0 });
  });

  it('serves waiting receivers in order', async () => {
    const [send, receive] = createMemoryObjectStream<number>(0);
    const a = receive.receive();
    const b = receive.receive();
    send.sendNowait(1);
    send.sendNowait(2);
    expect(await Promise.all([a, b])).toEqual([1, 2]);
  });

  it('ends the iteration after draining once the send side closes', async () => {
    const [send, receive] = createMemoryObjectStream<number>(10);
    const done = collect(receive);
    send.sendNowait(1);
    send.sendNowait(2);
    await Promise.resolve();
    send.sendNowait(3);
    send.close();
    expect(await done).toEqual([1, 2, 3]);
  });

  it('drains buffered items after the send side closed, then reports EndOfStream', async () => {
    const [send, receive] = createMemoryObjectStream<number>(5);
    send.sendNowait(1);
    send.sendNowait(2);
    send.close();
    expect(await collect(receive)).toEqual([1, 2]);
    await expect(receive.receive()).rejects.toBeInstanceOf(EndOfStream);
    expect(() => receive.receiveNowait()).toThrow(EndOfStream);
  });

  it('ends a waiting receiver when the send side closes', async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    const pending = receive.receive();
    send.close();
    await expect(pending).rejects.toBeInstanceOf(EndOfStream);
  });

  it('throws ClosedResourceError on a closed send side, even when the receiver is closed too', () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    send.close();
    send.close(); // idempotent
    expect(send.closed).toBe(true);
    expect(() => send.sendNowait(1)).toThrow(ClosedResourceError);
    receive.close();
    expect(() => send.sendNowait(1)).toThrow(ClosedResourceError);
  });

  it('throws BrokenResourceError when the receive side is closed', () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    receive.close();
    expect(receive.closed).toBe(true);
    expect(send.closed).toBe(false);
    expect(() => send.sendNowait(1)).toThrow(BrokenResourceError);
  });

  it('rejects receives on a closed receive side, including pending ones', async () => {
    const [, receive] = createMemoryObjectStream<number>(1);
    const pending = receive.receive();
    receive.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(receive.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
  });

  it('closes the receive side when a for-await loop is left early', async () => {
    const [send, receive] = createMemoryObjectStream<number>(5);
    send.sendNowait(1);
    send.sendNowait(2);
    for await (const item of receive) {
      expect(item).toBe(1);
      break;
    }
    expect(receive.closed).toBe(true);
    expect(() => send.sendNowait(3)).toThrow(BrokenResourceError);
  });

  it('accepts Infinity and rejects invalid buffer sizes', () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    for (let i = 0; i < 5000; i++) send.sendNowait(i);
    for (let i = 0; i < 5000; i++) expect(receive.receiveNowait()).toBe(i);
    expect(() => createMemoryObjectStream(-1)).toThrow(RangeError);
    expect(() => createMemoryObjectStream(1.5)).toThrow(RangeError);
    expect(() => createMemoryObjectStream(Number.NaN)).toThrow(RangeError);
  });

  it('keeps FIFO order across many interleaved sends and receives', () => {
    const [send, receive] = createMemoryObjectStream<number>(12_000);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 2000; i++) send.sendNowait(next++);
      for (let i = 0; i < 1500; i++) out.push(receive.receiveNowait());
    }
    while (receive.statistics().bufferUsed > 0) out.push(receive.receiveNowait());
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('exports error classes with their names', () => {
    expect(new WouldBlock().name).toBe('WouldBlock');
    expect(new ClosedResourceError().name).toBe('ClosedResourceError');
    expect(new BrokenResourceError().name).toBe('BrokenResourceError');
    expect(new EndOfStream().name).toBe('EndOfStream');
    expect(new WouldBlock()).toBeInstanceOf(Error);
  });
});

describe('createConflatingStream', () => {
  it('replaces a pending property value with the newer one, keeping first-arrival order', () => {
    const [send, receive] = createConflatingStream(10);
    send.sendNowait(prop('a', 1));
    send.sendNowait(prop('b', 1));
    send.sendNowait(prop('a', 2));
    send.sendNowait(prop('a', 3));
    send.sendNowait(prop('c', 1));
    send.sendNowait(prop('b', 2));
    const out = [receive.receiveNowait(), receive.receiveNowait(), receive.receiveNowait()];
    expect(out.map((m) => [m.affordance, m.payload])).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ]);
    expect(receive.statistics().conflated).toBe(3);
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
  });

  it('distinguishes keys by thing as well as affordance', () => {
    const [send, receive] = createConflatingStream(10);
    send.sendNowait(prop('x', 1, 'one'));
    send.sendNowait(prop('x', 1, 'two'));
    send.sendNowait(prop('x', 2, 'one'));
    expect(receive.receiveNowait().payload).toBe(2);
    expect(receive.receiveNowait().thing).toBe('two');
  });

  it('gives a slow reader the latest value and never falls behind', () => {
    const [send, receive] = createConflatingStream(1);
    for (let i = 0; i < 1000; i++) send.sendNowait(prop('temperature', i));
    expect(receive.receiveNowait().payload).toBe(999);
    send.sendNowait(prop('temperature', 1000));
    expect(receive.receiveNowait().payload).toBe(1000);
  });

  it('starts a new slot once the pending value was read', () => {
    const [send, receive] = createConflatingStream(4);
    send.sendNowait(prop('a', 1));
    send.sendNowait(prop('b', 1));
    expect(receive.receiveNowait().affordance).toBe('a');
    send.sendNowait(prop('a', 2));
    send.sendNowait(prop('b', 2));
    expect([receive.receiveNowait(), receive.receiveNowait()].map((m) => [m.affordance, m.payload])).toEqual([
      ['b', 2],
      ['a', 2],
    ]);
  });

  it('never conflates action messages: all kept, in order, each using a slot', () => {
    const [send, receive] = createConflatingStream(4);
    send.sendNowait(action('move', 'pending'));
    send.sendNowait(prop('pos', 1));
    send.sendNowait(action('move', 'running'));
    send.sendNowait(prop('pos', 2));
    send.sendNowait(action('move', 'completed'));
    expect(() => send.sendNowait(action('move', 'extra'))).toThrow(WouldBlock);
    const out = [1, 2, 3, 4].map(() => receive.receiveNowait());
    expect(out.map((m) => [m.messageType, m.payload])).toEqual([
      ['action', 'pending'],
      ['property', 2],
      ['action', 'running'],
      ['action', 'completed'],
    ]);
    expect(receive.statistics().conflated).toBe(1);
  });

  it('blocks a new key when full, but still accepts newer values of pending keys', () => {
    const [send, receive] = createConflatingStream(2);
    send.sendNowait(prop('a', 1));
    send.sendNowait(prop('b', 1));
    expect(() => send.sendNowait(prop('c', 1))).toThrow(WouldBlock);
    send.sendNowait(prop('a', 2));
    expect(receive.receiveNowait().payload).toBe(2);
    send.sendNowait(prop('c', 1));
    expect(receive.statistics().bufferUsed).toBe(2);
  });

  it('delivers straight to a waiting receiver and shares the close semantics', async () => {
    const [send, receive] = createConflatingStream(2);
    const pending = receive.receive();
    send.sendNowait(prop('a', 1));
    expect((await pending).payload).toBe(1);
    send.sendNowait(prop('a', 2));
    send.close();
    expect((await collect(receive)).map((m) => m.payload)).toEqual([2]);
    expect(() => send.sendNowait(prop('a', 3))).toThrow(ClosedResourceError);
  });

  it('reports BrokenResourceError once the reader closed', () => {
    const [send, receive] = createConflatingStream(2);
    send.sendNowait(prop('a', 1));
    receive.close();
    expect(() => send.sendNowait(prop('a', 2))).toThrow(BrokenResourceError);
  });
});

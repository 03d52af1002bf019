import type { Message } from './message';

/**
 * In-memory object streams with anyio's semantics (`anyio.create_memory_object_stream`), so the
 * broker behaves like labthings-fastapi's: a bounded buffer, a non-blocking send that fails
 * loudly, and a receive side that ends once the send side is closed and the buffer drained.
 *
 * One send side and one receive side per stream (no `clone()`).
 */

/** The buffer is full and no receiver is waiting: the item was not sent. */
export class WouldBlock extends Error {
  override readonly name: string = 'WouldBlock';
  constructor(message = 'the stream buffer is full') {
    super(message);
  }
}

/** This side of the stream was closed by its owner. */
export class ClosedResourceError extends Error {
  override readonly name: string = 'ClosedResourceError';
  constructor(message = 'this side of the stream is closed') {
    super(message);
  }
}

/** The other side of the stream is closed: nobody will ever read (or write) again. */
export class BrokenResourceError extends Error {
  override readonly name: string = 'BrokenResourceError';
  constructor(message = 'the other side of the stream is closed') {
    super(message);
  }
}

/** The send side is closed and the buffer is drained. */
export class EndOfStream extends Error {
  override readonly name: string = 'EndOfStream';
  constructor(message = 'the stream has ended') {
    super(message);
  }
}

/**
 * Key of an optional fast path on a sink: the object the broker should call instead of the
 * sink itself. The broker holds that object strongly and the sink weakly, so it can deliver
 * without a `WeakRef.deref()` per message (which costs more than the rest of a delivery)
 * while a sink its owner dropped is still collected and pruned. The target must not
 * reference the sink (beware closures sharing a scope with it), must be the same object
 * every time, and follows the same contract as the sink.
 */
export const DELIVERY_TARGET: unique symbol = Symbol('lab.deliveryTarget');

/**
 * The sink the broker accepts. Anything with a `sendNowait` can subscribe, e.g. the live
 * channel's own batching sink. Contract:
 * - `sendNowait` never blocks; it throws `WouldBlock` when it cannot take the message now
 *   (the broker counts a drop and keeps the subscription), `ClosedResourceError` or
 *   `BrokenResourceError` when it will never take one again (the broker prunes it). Any other
 *   exception is reported as a subscriber error and the subscription stays.
 * - `trySendNowait`, if present, is what the broker calls instead: the same, except that it
 *   returns false where `sendNowait` would throw `WouldBlock`, so a drop costs about what a
 *   delivery costs (no exception, no stack trace) exactly when a subscriber is overloaded.
 *   Such a sink tells it is closed by throwing `ClosedResourceError` from `trySendNowait`
 *   (the memory streams do): the broker then does not read `closed` before each delivery.
 * - `closed`, if present and true, makes the broker prune the sink before the next delivery.
 * - `close`, if present, is called by `MessageBroker.closeStreams()`.
 * The broker holds sinks weakly: the owner must keep a reference for as long as it listens.
 */
export interface MessageSendStream {
  sendNowait(message: Message): void;
  trySendNowait?(message: Message): boolean;
  readonly closed?: boolean;
  close?(): void;
  readonly [DELIVERY_TARGET]?: MessageSendStream;
}

export interface MemoryStreamStatistics {
  /** Items waiting in the buffer (for a conflating stream: pending keys and actions). */
  bufferUsed: number;
  maxBufferSize: number;
  /** `receive()` calls waiting for an item. */
  waitingReceivers: number;
  /** Property messages replaced by a newer one before being read (conflating streams only). */
  conflated: number;
  sendClosed: boolean;
  receiveClosed: boolean;
}

/** What the shared state buffers items in: FIFO for plain streams, keyed for conflating ones. */
interface ItemQueue<T> {
  readonly length: number;
  readonly conflated: number;
  /** Adds the item if there is room (or it replaces a pending one); false when full. */
  offer(item: T, max: number): boolean;
  /** Removes the oldest item; only called when `length > 0`. */
  take(): T;
  clear(): void;
}

/** An array with a moving head: O(1) take without `shift()`'s copying. */
class FifoQueue<T> implements ItemQueue<T> {
  private items: T[] = [];
  private head = 0;
  readonly conflated = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  offer(item: T, max: number): boolean {
    if (this.items.length - this.head >= max) return false;
    this.items.push(item);
    return true;
  }

  take(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T; // release the reference for GC
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

interface Slot {
  message: Message;
}

/**
 * Pending messages in order of first arrival; a property message whose (thing, affordance)
 * is already pending replaces it in place, so a slow reader gets the latest value and the
 * buffer holds at most one entry per key. Action messages are status transitions that must
 * all be seen, so they are never conflated: each takes its own slot, in order.
 */
class ConflatingQueue implements ItemQueue<Message> {
  private readonly fifo = new FifoQueue<Slot>();
  private readonly pending = new Map<string, Map<string, Slot>>();
  conflated = 0;

  get length(): number {
    return this.fifo.length;
  }

  offer(message: Message, max: number): boolean {
    if (message.messageType === 'property') {
      let byAffordance = this.pending.get(message.thing);
      const slot = byAffordance?.get(message.affordance);
      if (slot !== undefined) {
        slot.message = message;
        this.conflated++;
        return true;
      }
      const fresh: Slot = { message };
      if (!this.fifo.offer(fresh, max)) return false;
      if (byAffordance === undefined) {
        byAffordance = new Map();
        this.pending.set(message.thing, byAffordance);
      }
      byAffordance.set(message.affordance, fresh);
      return true;
    }
    return this.fifo.offer({ message }, max);
  }

  take(): Message {
    const { message } = this.fifo.take();
    if (message.messageType === 'property') {
      const byAffordance = this.pending.get(message.thing);
      if (byAffordance !== undefined) {
        byAffordance.delete(message.affordance);
        if (byAffordance.size === 0) this.pending.delete(message.thing);
      }
    }
    return message;
  }

  clear(): void {
    this.fifo.clear();
    this.pending.clear();
  }
}

interface Waiter<T> {
  resolve(item: T): void;
  reject(error: Error): void;
}

/**
 * Shared by both sides; holds no reference to either, so each side can be collected alone.
 * It is also the send side's delivery target, so it implements the send operations.
 */
class StreamState<T> {
  readonly waiters: Waiter<T>[] = [];
  sendClosed = false;
  receiveClosed = false;

  constructor(
    readonly queue: ItemQueue<T>,
    readonly maxBufferSize: number,
  ) {}

  get closed(): boolean {
    return this.sendClosed;
  }

  sendNowait(item: T): void {
    if (!this.trySendNowait(item)) throw new WouldBlock();
  }

  /** `sendNowait` that answers false instead of throwing WouldBlock. */
  trySendNowait(item: T): boolean {
    if (this.sendClosed) throw new ClosedResourceError();
    if (this.receiveClosed) throw new BrokenResourceError();
    if (this.waiters.length > 0) {
      (this.waiters.shift() as Waiter<T>).resolve(item);
      return true;
    }
    return this.queue.offer(item, this.maxBufferSize);
  }

  close(): void {
    if (this.sendClosed) return;
    this.sendClosed = true;
    // The buffer is empty whenever receivers wait, so they can end now.
    const waiters = this.waiters.splice(0);
    for (const waiter of waiters) waiter.reject(new EndOfStream());
  }

  statistics(): MemoryStreamStatistics {
    return {
      bufferUsed: this.queue.length,
      maxBufferSize: this.maxBufferSize,
      waitingReceivers: this.waiters.length,
      conflated: this.queue.conflated,
      sendClosed: this.sendClosed,
      receiveClosed: this.receiveClosed,
    };
  }
}

export class MemoryObjectSendStream<T> {
  /** @internal Use `createMemoryObjectStream` or `createConflatingStream`. */
  constructor(private readonly state: StreamState<T>) {}

  /** True once this side is closed (the broker then prunes it without calling it). */
  get closed(): boolean {
    return this.state.sendClosed;
  }

  /**
   * Sends without waiting: straight to the oldest waiting receiver, else into the buffer.
   * @throws ClosedResourceError if this side is closed
   * @throws BrokenResourceError if the receive side is closed
   * @throws WouldBlock if the buffer is full
   */
  sendNowait(item: T): void {
    this.state.sendNowait(item);
  }

  /**
   * As `sendNowait`, but returns false when the buffer is full instead of throwing WouldBlock.
   * @throws ClosedResourceError if this side is closed
   * @throws BrokenResourceError if the receive side is closed
   */
  trySendNowait(item: T): boolean {
    return this.state.trySendNowait(item);
  }

  /** Closes the send side: the receiver reads what is buffered, then ends. Idempotent. */
  close(): void {
    this.state.close();
  }

  /** The broker's fast path (see DELIVERY_TARGET): the shared state, which never points back here. */
  get [DELIVERY_TARGET](): {
    sendNowait(item: T): void;
    trySendNowait(item: T): boolean;
    readonly closed: boolean;
    close(): void;
  } {
    return this.state;
  }

  statistics(): MemoryStreamStatistics {
    return this.state.statistics();
  }
}

export class MemoryObjectReceiveStream<T> implements AsyncIterable<T> {
  /** @internal Use `createMemoryObjectStream` or `createConflatingStream`. */
  constructor(private readonly state: StreamState<T>) {}

  get closed(): boolean {
    return this.state.receiveClosed;
  }

  /**
   * Takes the next buffered item without waiting.
   * @throws ClosedResourceError if this side is closed
   * @throws EndOfStream if the send side is closed and the buffer is drained
   * @throws WouldBlock if nothing is buffered yet
   */
  receiveNowait(): T {
    const state = this.state;
    if (state.receiveClosed) throw new ClosedResourceError();
    if (state.queue.length > 0) return state.queue.take();
    if (state.sendClosed) throw new EndOfStream();
    throw new WouldBlock('no item is buffered');
  }

  /**
   * The next item, waiting for one if needed. Rejects with `EndOfStream` once the send side
   * is closed and drained, with `ClosedResourceError` if this side is (or gets) closed.
   */
  receive(): Promise<T> {
    const state = this.state;
    if (state.receiveClosed) return Promise.reject(new ClosedResourceError());
    if (state.queue.length > 0) return Promise.resolve(state.queue.take());
    if (state.sendClosed) return Promise.reject(new EndOfStream());
    return new Promise<T>((resolve, reject) => state.waiters.push({ resolve, reject }));
  }

  /**
   * Closes the receive side: later sends fail with `BrokenResourceError` (so the broker prunes
   * the stream), buffered items are discarded and pending `receive()` calls reject. Idempotent.
   */
  close(): void {
    const state = this.state;
    if (state.receiveClosed) return;
    state.receiveClosed = true;
    state.queue.clear();
    const waiters = state.waiters.splice(0);
    for (const waiter of waiters) waiter.reject(new ClosedResourceError());
  }

  statistics(): MemoryStreamStatistics {
    return this.state.statistics();
  }

  /**
   * Iterates until the send side is closed and drained. Leaving the loop early (`break`,
   * `return`, a throw) closes the receive side, as Node's streams do, so the sender sees a
   * broken stream instead of filling a buffer nobody reads.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        try {
          return { done: false, value: await this.receive() };
        } catch (error) {
          if (error instanceof EndOfStream) return { done: true, value: undefined };
          throw error;
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }
}

export type MemoryObjectStream<T> = [send: MemoryObjectSendStream<T>, receive: MemoryObjectReceiveStream<T>];

function checkBufferSize(bufferSize: number): void {
  if (bufferSize !== Infinity && (!Number.isInteger(bufferSize) || bufferSize < 0)) {
    throw new RangeError(`bufferSize must be a non-negative integer or Infinity, got ${String(bufferSize)}`);
  }
}

/**
 * A bounded in-memory stream, as anyio's `create_memory_object_stream(max_buffer_size)`.
 * With a buffer of 0 a send succeeds only while a receiver is waiting.
 */
export function createMemoryObjectStream<T>(bufferSize = 0): MemoryObjectStream<T> {
  checkBufferSize(bufferSize);
  const state = new StreamState<T>(new FifoQueue<T>(), bufferSize);
  return [new MemoryObjectSendStream(state), new MemoryObjectReceiveStream(state)];
}

/**
 * A stream of broker messages for property values: a newer property message for a
 * (thing, affordance) that is still pending replaces it in place (keeping the position of its
 * first arrival), so a slow reader always sees the latest value and never falls behind.
 * Action messages are not conflated: each is kept, in order, and counts against the buffer.
 * `bufferSize` bounds the pending entries (distinct property keys plus actions); a send that
 * replaces a pending value never blocks.
 */
export function createConflatingStream(bufferSize: number): MemoryObjectStream<Message> {
  checkBufferSize(bufferSize);
  const state = new StreamState<Message>(new ConflatingQueue(), bufferSize);
  return [new MemoryObjectSendStream(state), new MemoryObjectReceiveStream(state)];
}

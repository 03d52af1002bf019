import type { LiveBatch, LiveItem } from '../../shared/contract';
import { DisposableStore, type Disposer } from '../../shared/disposable';
import { LabError } from '../../shared/errors';
import type { Message } from './message';
import type { Subscribable } from './ports';
import type { MessageSendStream } from './streams';
import { silentLogger, type Logger } from './logger';

/** The part of the MessageBroker a live channel uses: it only subscribes. */
export type LiveBroker = Subscribable;

export interface LiveKey {
  thing: string;
  affordance: string;
}

export interface LiveChannelOptions {
  broker: LiveBroker;
  /** Delivers one batch to the window or client; may throw (a closed window) without harm. */
  send: (batch: LiveBatch) => void;
  /** False while the transport is congested: the flush waits, properties keep conflating. */
  ready?: () => boolean;
  now?: () => number;
  /** Schedules a flush; returns its cancel function. */
  setTimer?: (callback: () => void, ms: number) => () => void;
  /** Upper bound on the time from the first pending item to its flush. */
  flushMs?: number;
  /**
   * A batch of this many items is flushed at once, without waiting for the timer. Large enough
   * that 1,000 busy properties fit one batch: each batch costs the renderer one store update.
   */
  maxBatchItems?: number;
  /** Pending items beyond this are dropped (counted, logged): only reached when the transport stalls. */
  maxPendingItems?: number;
  /** Distinct keys one client may hold, so a client cannot grow main's memory without bound. */
  maxKeys?: number;
  /**
   * Once the client acknowledges batches (`ack`), at most this many stay unacknowledged;
   * meanwhile properties conflate here rather than queue in socket and renderer buffers.
   * A client that never acknowledges is paced by `ready` alone.
   */
  maxUnacknowledged?: number;
  logger?: Logger;
}

export interface LiveChannel {
  /** Adds one reference to (thing, affordance); the first one subscribes at the broker. */
  subscribe(key: LiveKey): void;
  /** Drops one reference; the last one unsubscribes at the broker. */
  unsubscribe(key: LiveKey): void;
  /** Current subscriptions with their reference counts, for diagnostics and tests. */
  subscriptions(): Array<LiveKey & { refs: number }>;
  /** Queues a message for this client only, as if the broker had delivered it (a current state on subscribe). */
  inject(message: Message): void;
  /** The client has applied every batch up to `seq`; a held-back flush goes out. */
  ack(seq: number): void;
  /** Sends whatever is pending now (unless the transport or the client is behind). */
  flush(): void;
  /** Removes every broker subscription and pending item; later calls are refused. */
  dispose(): void;
  readonly disposed: boolean;
}

const defaultSetTimer = (callback: () => void, ms: number): (() => void) => {
  const handle = setTimeout(callback, ms);
  return () => clearTimeout(handle);
};

/** What the channel keeps per (thing, affordance) it has seen. */
interface KeyState {
  /** Sequence number of the last item of this key. */
  seq: number;
  /** Index in the pending items of this key's property item, or −1. */
  pendingAt: number;
}

// Thing and affordance names never contain NUL, so this key is unambiguous.
const keyOf = (thing: string, affordance: string): string => `${thing}\u0000${affordance}`;

/**
 * The live channel of one window or browser client. Widgets subscribe by reference count;
 * property updates are conflated to the latest value per key between flushes, action
 * messages are kept in order; everything leaves in batches (a timer started by the first
 * pending item, or at once when a batch is full), each with its sequence number and the
 * count of what was conflated or dropped since the previous batch.
 */
export function createLiveChannel(options: LiveChannelOptions): LiveChannel {
  const { broker, send } = options;
  const ready = options.ready ?? (() => true);
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? defaultSetTimer;
  const flushMs = options.flushMs ?? 16;
  const maxBatchItems = options.maxBatchItems ?? 2000;
  const maxPendingItems = options.maxPendingItems ?? 50_000;
  const maxKeys = options.maxKeys ?? 10_000;
  const maxUnacknowledged = options.maxUnacknowledged ?? 4;
  const logger = options.logger ?? silentLogger;

  // Reference counts by key; the broker sees one subscription per key.
  const subscriptions = new Map<string, LiveKey & { refs: number; release: Disposer }>();
  // Per key, thing → affordance: its sequence and its pending property item. Looked up by the
  // message's own strings (no key string is built per message).
  const keys = new Map<string, Map<string, KeyState>>();
  // Pending items in arrival order; a conflated property is replaced in place.
  let pending: LiveItem[] = [];
  // Keys with a property item in `pending` (their `pendingAt` is cleared at flush).
  let pendingKeys: KeyState[] = [];
  let batchSeq = 0;
  let ackedSeq: number | undefined;
  let conflated = 0;
  let dropped = 0;
  let cancelTimer: (() => void) | undefined;
  let disposed = false;
  let overflowLogged = false;

  const receive = (message: Message): void => {
    if (disposed) return;
    let byAffordance = keys.get(message.thing);
    if (byAffordance === undefined) {
      byAffordance = new Map();
      keys.set(message.thing, byAffordance);
    }
    let key = byAffordance.get(message.affordance);
    if (key === undefined) {
      key = { seq: 0, pendingAt: -1 };
      byAffordance.set(message.affordance, key);
    }

    key.seq += 1;
    const seq = key.seq;
    const item: LiveItem = {
      thing: message.thing,
      affordance: message.affordance,
      messageType: message.messageType,
      payload: message.payload,
      seq,
      time: now(),
    };

    if (message.messageType === 'property' && key.pendingAt >= 0) {
      pending[key.pendingAt] = item;
      conflated += 1;
      return;
    }
    if (pending.length >= maxPendingItems) {
      dropped += 1;
      if (!overflowLogged) {
        overflowLogged = true;
        logger.warn(`live channel: ${maxPendingItems} items pending, dropping new ones until the client catches up`);
      }
      return;
    }
    if (message.messageType === 'property') {
      key.pendingAt = pending.length;
      pendingKeys.push(key);
    }
    pending.push(item);

    if (pending.length >= maxBatchItems && canSend()) flush();
    else schedule();
  };

  const releasePending = (): void => {
    for (const key of pendingKeys) key.pendingAt = -1;
    pendingKeys = [];
  };

  const canSend = (): boolean => ready() && (ackedSeq === undefined || batchSeq - ackedSeq < maxUnacknowledged);

  const schedule = (): void => {
    if (cancelTimer || disposed) return;
    cancelTimer = setTimer(() => {
      cancelTimer = undefined;
      flush();
    }, flushMs);
  };

  const deliver = (batch: LiveBatch): void => {
    try {
      send(batch);
    } catch (error) {
      // A window closing mid-send must not reach the broker's publisher.
      logger.warn('live channel: sending a batch failed', error);
    }
  };

  function flush(): void {
    if (disposed) return;
    cancelTimer?.();
    cancelTimer = undefined;
    if (pending.length === 0 && conflated === 0 && dropped === 0) return;
    if (!canSend()) {
      schedule();
      return;
    }
    const items = pending;
    pending = [];
    releasePending();
    overflowLogged = false;
    for (let start = 0; start < items.length || start === 0; start += maxBatchItems) {
      batchSeq += 1;
      deliver({ seq: batchSeq, items: items.slice(start, start + maxBatchItems), conflated, dropped });
      conflated = 0;
      dropped = 0;
      if (disposed) return;
    }
  }

  // One sink for every key, held strongly here (the broker holds it weakly); subscribed to
  // both '*' and an affordance of a Thing, the broker hands it each message once.
  const sink: MessageSendStream = {
    sendNowait: receive,
    get closed() {
      return disposed;
    },
  };

  // Every broker subscription and the flush timer: one teardown for all of them.
  const owned = new DisposableStore();
  owned.add(() => {
    cancelTimer?.();
    cancelTimer = undefined;
  });

  const check = (key: LiveKey): string => {
    if (disposed) throw new LabError('CANCELLED', 'the live channel is closed');
    return keyOf(key.thing, key.affordance);
  };

  return {
    subscribe(key) {
      const id = check(key);
      const existing = subscriptions.get(id);
      if (existing) {
        existing.refs += 1;
        return;
      }
      if (subscriptions.size >= maxKeys) {
        throw new LabError('INVALID_ARGUMENT', `too many live subscriptions (at most ${maxKeys} keys per client)`);
      }
      const release = owned.add(broker.subscribe(key.thing, key.affordance, sink));
      subscriptions.set(id, { thing: key.thing, affordance: key.affordance, refs: 1, release });
    },

    unsubscribe(key) {
      const id = check(key);
      const existing = subscriptions.get(id);
      if (!existing) {
        throw new LabError('NOT_FOUND', `not subscribed to "${key.affordance}" of "${key.thing}" (unsubscribed more often than subscribed)`);
      }
      existing.refs -= 1;
      if (existing.refs > 0) return;
      subscriptions.delete(id);
      existing.release();
    },

    subscriptions() {
      return [...subscriptions.values()].map(({ thing, affordance, refs }) => ({ thing, affordance, refs }));
    },

    inject: receive,

    ack(seq) {
      if (disposed) return;
      if (!Number.isInteger(seq) || seq < 0 || seq > batchSeq) {
        throw new LabError('INVALID_ARGUMENT', `cannot acknowledge batch ${seq}: the last one sent is ${batchSeq}`);
      }
      ackedSeq = Math.max(ackedSeq ?? 0, seq);
      if (pending.length > 0 || conflated > 0 || dropped > 0) flush();
    },

    flush,

    dispose() {
      if (disposed) return;
      disposed = true;
      pending = [];
      releasePending();
      subscriptions.clear();
      try {
        owned.dispose();
      } catch (error) {
        logger.warn('live channel: releasing a subscription failed', error);
      }
    },

    get disposed() {
      return disposed;
    },
  };
}

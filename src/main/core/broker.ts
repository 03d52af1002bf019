import type { Disposer } from '../../shared/disposable';
import { LabError } from '../../shared/errors';
import { ANY_AFFORDANCE, ANY_THING } from '../../shared/model';
import type { Message, Publisher } from './message';
import {
  BrokenResourceError,
  ClosedResourceError,
  DELIVERY_TARGET,
  WouldBlock,
  type MessageSendStream,
} from './streams';

/** Raised by `unsubscribe` when the thing, the affordance or the stream is not subscribed. */
export class SubscriptionNotFoundError extends LabError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export interface DropEvent {
  thing: string;
  affordance: string;
  message: Message;
  /** Messages dropped for this subscription so far, this one included. */
  dropped: number;
}

export interface SubscriberErrorEvent {
  thing: string;
  affordance: string;
  message: Message;
  error: unknown;
  /** Errors thrown by this subscription so far, this one included. */
  errors: number;
}

export interface BrokerEvents {
  drop: DropEvent;
  error: SubscriberErrorEvent;
}

export interface SubscriptionStats {
  thing: string;
  affordance: string;
  delivered: number;
  dropped: number;
  errors: number;
}

export interface BrokerLogger {
  warn(message: string, ...details: unknown[]): void;
}

export interface MessageBrokerOptions {
  /** Where drop and subscriber-error reports go; `console` by default. */
  logger?: BrokerLogger;
  /** At most one drop line and one error line per subscription per this many ms (5000). */
  reportIntervalMs?: number;
  /** Clock for the rate limit, in ms; `Date.now` by default. */
  now?: () => number;
}

/** One line per kind per subscription per interval; what happens in between is summarised. */
interface ReportState {
  lastAt: number;
  /** Occurrences not yet in a log line. */
  pending: number;
}

interface Subscription {
  readonly thing: string;
  readonly affordance: string;
  /** The sink as subscribed, held weakly: its collection ends the subscription. */
  readonly ref: WeakRef<MessageSendStream>;
  /** Its DELIVERY_TARGET if it has one, held strongly: what the hot path calls. */
  readonly target: MessageSendStream | undefined;
  /** Whether what deliver calls offers `trySendNowait` (a drop without an exception). */
  readonly offers: boolean;
  /**
   * What deliver calls: the target, always; else the plain sink, dereferenced once and held
   * until the current job ends (as `deref()` itself keeps its target alive until then), so a
   * burst of publishes dereferences it once. Undefined once the subscription ended, so the
   * hot path needs no other check to skip one removed during a fan-out.
   */
  callee: MessageSendStream | undefined;
  readonly entry: Entry;
  active: boolean;
  /**
   * `entry.routed` when this subscription began: what it was delivered is what was routed
   * since, less what it dropped, threw on or skipped (kept so, the hot path writes nothing).
   */
  readonly routedBefore: number;
  /** Messages it got through another subscription of the same Thing instead (see `'*'`). */
  skipped: number;
  dropped: number;
  errors: number;
  dropReport: ReportState | undefined;
  errorReport: ReportState | undefined;
}

/**
 * Subscriptions of one (thing, affordance). `subs` is replaced, never mutated, so a publish
 * iterates a stable snapshot for free even if a sink subscribes or unsubscribes re-entrantly.
 */
interface Entry {
  subs: readonly Subscription[];
  /** Messages handed to this entry's subscribers so far. */
  routed: number;
  /** Keyed by what `deliver` calls: the delivery target, else the sink itself. */
  readonly byKey: WeakMap<MessageSendStream, Subscription>;
}

/**
 * The entries of one Thing. The `'*'` entry is kept in `entries` like any other and also in
 * `any`, so a publish finds it without a second map lookup.
 */
interface ThingRoutes {
  readonly entries: Map<string, Entry>;
  any: Entry | undefined;
}

/** Messages published from inside deliveries during one outer publish, at most. */
const MAX_REENTRANT_MESSAGES = 100_000;

type Listener<K extends keyof BrokerEvents> = (event: BrokerEvents[K]) => void;

function checkName(field: 'thing' | 'affordance', value: unknown): void {
  if (typeof value !== 'string') {
    const shown = typeof value === 'object' && value !== null ? 'an object' : `${typeof value} ${String(value)}`;
    throw new TypeError(`${field} must be a string, got ${shown}`);
  }
}

function checkStream(stream: unknown): asserts stream is MessageSendStream {
  const ok =
    (typeof stream === 'object' || typeof stream === 'function') &&
    stream !== null &&
    'sendNowait' in stream &&
    typeof stream.sendNowait === 'function';
  if (!ok) {
    throw new TypeError('stream must have a sendNowait(message) method');
  }
}

/** The strong fast-path target of a sink, if it offers one that is not the sink itself. */
function targetOf(stream: MessageSendStream): MessageSendStream | undefined {
  const target = stream[DELIVERY_TARGET];
  if (target === undefined || target === stream) return undefined;
  if (typeof target?.sendNowait !== 'function') {
    throw new TypeError('stream[DELIVERY_TARGET] must have a sendNowait(message) method');
  }
  return target;
}

/**
 * Relays every published message to the streams subscribed to its (thing, affordance), as
 * labthings-fastapi's MessageBroker does, with the guarantees the UI needs:
 * - `publish` is synchronous and never waits for a subscriber;
 * - streams are held weakly: one whose owner dropped it is collected and pruned by itself;
 *   closed or broken streams are pruned at the next publish;
 * - a full stream loses that message for itself only; the drop is counted and reported;
 * - a subscriber that throws is reported and does not stop delivery to the others;
 * - `'*'` (ANY_AFFORDANCE) subscribes to every affordance of a Thing. A stream subscribed to
 *   both `'*'` and a specific affordance of the same Thing gets each message once, counted on
 *   the specific subscription.
 * The broker does not check that Things or affordances exist: that is up to its callers.
 * Sinks that offer a DELIVERY_TARGET (the memory streams do) are delivered to without a
 * `WeakRef.deref()`; others are dereferenced at their first delivery in a job and held until
 * it ends (what `deref()` does anyway), so a burst of publishes costs one `deref()` each.
 * A drop costs about what a delivery does when the sink offers `trySendNowait`.
 */
export class MessageBroker implements Publisher {
  private readonly routes = new Map<string, ThingRoutes>();
  private readonly finalizer = new FinalizationRegistry<Subscription>((sub) => {
    if (sub.active) this.remove(sub, undefined);
  });
  private dropListeners: readonly Listener<'drop'>[] = [];
  private errorListeners: readonly Listener<'error'>[] = [];
  private readonly logger: BrokerLogger;
  private readonly reportIntervalMs: number;
  private readonly now: () => number;
  /** Subscriptions with occurrences still to log, and the timer that will log them. */
  private readonly pendingReports = new Set<Subscription>();
  private reportTimer: ReturnType<typeof setTimeout> | undefined;
  /** Messages published from inside a delivery, waiting for the current fan-out to end. */
  private readonly queued: Message[] = [];
  private publishing = false;
  private reentrantDropped = 0;
  /** Subscriptions whose plain sink is held until the current job ends. */
  private heldSubs: Subscription[] = [];
  /** The ('*', '*') entry, kept at hand: every publish looks at it. */
  private everything: Entry | undefined;

  constructor(options: MessageBrokerOptions = {}) {
    this.logger = options.logger ?? console;
    this.reportIntervalMs = options.reportIntervalMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Sends every message published on (thing, affordance) to `stream`; `'*'` as affordance
   * means every affordance of the Thing, and `('*', '*')` every message of every Thing,
   * Things added later included (what main-side services use). Subscribing the same stream
   * twice is a no-op. The broker keeps only a weak reference: keep the stream referenced
   * while listening. Returns the disposer (the same as `unsubscribe`, but never throws).
   * @throws TypeError if `thing` or `affordance` is not a string
   */
  subscribe(thing: string, affordance: string, stream: MessageSendStream): Disposer {
    checkName('thing', thing);
    checkName('affordance', affordance);
    checkStream(stream);
    const target = targetOf(stream); // may throw: before anything is created
    const key = target ?? stream;
    let routes = this.routes.get(thing);
    if (routes === undefined) {
      routes = { entries: new Map(), any: undefined };
      this.routes.set(thing, routes);
    }
    let entry = routes.entries.get(affordance);
    if (entry === undefined) {
      entry = { subs: [], routed: 0, byKey: new WeakMap() };
      routes.entries.set(affordance, entry);
      if (affordance === ANY_AFFORDANCE) {
        routes.any = entry;
        if (thing === ANY_THING) this.everything = entry;
      }
    }
    const existing = entry.byKey.get(key);
    if (existing !== undefined) return () => this.remove(existing, undefined);
    const sub: Subscription = {
      thing,
      affordance,
      ref: new WeakRef(stream),
      target,
      offers: typeof key.trySendNowait === 'function',
      callee: target,
      entry,
      active: true,
      routedBefore: entry.routed,
      skipped: 0,
      dropped: 0,
      errors: 0,
      dropReport: undefined,
      errorReport: undefined,
    };
    entry.byKey.set(key, sub);
    entry.subs = [...entry.subs, sub];
    this.finalizer.register(stream, sub, sub);
    return () => this.remove(sub, undefined);
  }

  /**
   * Ends a subscription. Rarely needed: closed, broken and collected streams are pruned.
   * @throws TypeError if `thing` or `affordance` is not a string
   * @throws SubscriptionNotFoundError if the thing, affordance or stream is not subscribed
   */
  unsubscribe(thing: string, affordance: string, stream: MessageSendStream): void {
    checkName('thing', thing);
    checkName('affordance', affordance);
    const byAffordance = this.routes.get(thing)?.entries;
    if (byAffordance === undefined) {
      throw new SubscriptionNotFoundError(`no subscription for thing ${JSON.stringify(thing)}`);
    }
    const entry = byAffordance.get(affordance);
    if (entry === undefined) {
      throw new SubscriptionNotFoundError(
        `no subscription for affordance ${JSON.stringify(affordance)} of thing ${JSON.stringify(thing)}`,
      );
    }
    const sub = entry.byKey.get(targetOf(stream) ?? stream);
    if (sub === undefined) {
      throw new SubscriptionNotFoundError(
        `this stream is not subscribed to ${JSON.stringify(thing)}/${JSON.stringify(affordance)}`,
      );
    }
    this.remove(sub, undefined);
  }

  /**
   * Hands the message to every stream subscribed to its exact (thing, affordance) and to its
   * Thing's `'*'`. Synchronous; never throws because of a subscriber. A message published
   * from inside a delivery (a subscriber that publishes) is delivered once the current one
   * has reached every subscriber, before the outer `publish` returns: every subscriber sees
   * messages in the order they were published.
   */
  publish(message: Message): void {
    if (this.publishing) {
      if (this.queued.length >= MAX_REENTRANT_MESSAGES) {
        this.reentrantDropped++;
        return;
      }
      this.queued.push(message);
      return;
    }
    this.publishing = true;
    try {
      this.route(message);
      if (this.queued.length !== 0) this.drain();
    } finally {
      this.publishing = false;
    }
  }

  private route(message: Message): void {
    const routes = this.routes.get(message.thing);
    const everything = this.everything;
    if (routes !== undefined) {
      const exact = routes.entries.get(message.affordance);
      if (exact !== undefined) this.deliver(exact, message);
      const any = routes.any;
      if (any !== undefined && any !== exact) {
        if (exact === undefined) this.deliver(any, message);
        else this.deliverSkipping(any, message, exact);
      }
      // A Thing named '*' has the ('*', '*') entry as its '*': served above. (Comparing
      // entries, not the name: a string comparison here costs more than a delivery.)
      if (everything !== undefined && everything !== any) this.deliver(everything, message);
    } else if (everything !== undefined) {
      this.deliver(everything, message);
    }
  }

  /** Delivers what was published from inside deliveries, in order; off the hot path. */
  private drain(): void {
    const queued = this.queued;
    try {
      for (let i = 0; i < queued.length; i++) this.route(queued[i] as Message);
    } finally {
      queued.length = 0;
      if (this.reentrantDropped > 0) this.reportReentrantDrops();
    }
  }

  /** Subscribers that publish for every message they get would otherwise never let publish return. */
  private reportReentrantDrops(): void {
    const count = this.reentrantDropped;
    this.reentrantDropped = 0;
    this.logger.warn(
      `message broker: dropped ${count} message(s) published from inside deliveries ` +
        `(more than ${MAX_REENTRANT_MESSAGES} during one publish: a subscriber publishing in a loop?)`,
    );
  }


  /** Closes every subscribed stream (their receivers end) and forgets all subscriptions. */
  closeStreams(): void {
    // A delivery target closes like its sink (contract), and outlives it if collected.
    const streams = new Set<MessageSendStream>();
    for (const { entries } of this.routes.values()) {
      for (const entry of entries.values()) {
        for (const sub of entry.subs) {
          sub.active = false;
          this.finalizer.unregister(sub);
          const stream = sub.target ?? sub.callee ?? sub.ref.deref();
          sub.callee = undefined;
          if (stream !== undefined) streams.add(stream);
        }
      }
    }
    this.routes.clear();
    this.everything = undefined;
    if (this.reportTimer !== undefined) clearTimeout(this.reportTimer);
    this.flushReports(true);
    for (const stream of streams) {
      try {
        stream.close?.();
      } catch (error) {
        this.logger.warn('message broker: closing a stream failed', error);
      }
    }
  }

  /** Listens to drop or subscriber-error reports; returns the disposer. */
  on<K extends keyof BrokerEvents>(event: K, listener: Listener<K>): Disposer {
    // The casts only re-narrow K, which TypeScript cannot track through the branch.
    if (event === 'drop') this.dropListeners = [...this.dropListeners, listener as Listener<'drop'>];
    else if (event === 'error') this.errorListeners = [...this.errorListeners, listener as Listener<'error'>];
    else throw new TypeError(`unknown broker event ${JSON.stringify(event)}`);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (event === 'drop') this.dropListeners = this.dropListeners.filter((l) => l !== listener);
      else this.errorListeners = this.errorListeners.filter((l) => l !== listener);
    };
  }

  /** Whether anything listens to (thing, affordance), directly or through `'*'`. */
  hasSubscribers(thing: string, affordance: string): boolean {
    if (this.everything !== undefined) return true;
    const routes = this.routes.get(thing);
    return routes !== undefined && (routes.any !== undefined || routes.entries.has(affordance));
  }

  /** Live subscriptions (collected streams stop counting once pruned). */
  subscriptionCount(): number {
    let count = 0;
    for (const { entries } of this.routes.values()) {
      for (const entry of entries.values()) count += entry.subs.length;
    }
    return count;
  }

  /** Entries in the routing table ((thing, affordance) pairs); 0 when nothing is subscribed. */
  keyCount(): number {
    let count = 0;
    for (const { entries } of this.routes.values()) count += entries.size;
    return count;
  }

  /** Per-subscription counts, in subscription order per key. */
  stats(): SubscriptionStats[] {
    const out: SubscriptionStats[] = [];
    for (const { entries } of this.routes.values()) {
      for (const entry of entries.values()) {
        for (const { thing, affordance, routedBefore, skipped, dropped, errors } of entry.subs) {
          const delivered = entry.routed - routedBefore - skipped - dropped - errors;
          out.push({ thing, affordance, delivered, dropped, errors });
        }
      }
    }
    return out;
  }

  // The hot path: no allocation unless something goes wrong. Everything a subscriber does,
  // its `closed` getter included, runs inside the try: whatever throws is that subscriber's.
  private deliver(entry: Entry, message: Message): void {
    const subs = entry.subs;
    entry.routed++;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i] as Subscription;
      // Set while the subscription is active and its sink at hand (a target: always).
      const sink = sub.callee ?? this.sinkOf(sub);
      if (sink === undefined) continue;
      try {
        if (sub.offers) {
          // trySendNowait throws ClosedResourceError once closed: no need to ask first.
          if (sink.trySendNowait?.(message) === false) this.dropped(sub, message);
        } else if (sink.closed === true) {
          this.remove(sub, sink);
        } else {
          sink.sendNowait(message);
        }
      } catch (error) {
        this.failed(sub, sink, message, error);
      }
    }
  }

  /**
   * `deliver` for a Thing's `'*'` entry when the message's own affordance has subscribers
   * too: a sink subscribed to both gets the message once, through `skip`.
   */
  private deliverSkipping(entry: Entry, message: Message, skip: Entry): void {
    const subs = entry.subs;
    entry.routed++;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i] as Subscription;
      const sink = sub.callee ?? this.sinkOf(sub);
      if (sink === undefined) continue;
      try {
        if (skip.byKey.has(sink)) {
          sub.skipped++;
        } else if (sub.offers) {
          if (sink.trySendNowait?.(message) === false) this.dropped(sub, message);
        } else if (sink.closed === true) {
          this.remove(sub, sink);
        } else {
          sink.sendNowait(message);
        }
      } catch (error) {
        this.failed(sub, sink, message, error);
      }
    }
  }

  /**
   * What to call for a subscription with nothing at hand: its plain sink, dereferenced and
   * held for the current job; undefined if it was removed (re-entrantly, during this
   * publish) or its sink was collected (it is removed now).
   */
  private sinkOf(sub: Subscription): MessageSendStream | undefined {
    if (!sub.active) return undefined;
    const sink = sub.ref.deref();
    if (sink === undefined) {
      this.remove(sub, undefined);
      return undefined;
    }
    this.hold(sub, sink);
    return sink;
  }

  /** Keeps a dereferenced plain sink until the current job ends; see `Subscription.callee`. */
  private hold(sub: Subscription, sink: MessageSendStream): void {
    sub.callee = sink;
    this.heldSubs.push(sub);
    if (this.heldSubs.length === 1) queueMicrotask(this.release);
  }

  private readonly release = (): void => {
    const subs = this.heldSubs;
    this.heldSubs = [];
    for (const sub of subs) if (sub.target === undefined) sub.callee = undefined;
  };

  private dropped(sub: Subscription, message: Message): void {
    sub.dropped++;
    // While a summary is due (its timer runs), a drop costs a count.
    const state = sub.dropReport;
    if (state !== undefined && state.pending > 0) state.pending++;
    else this.report(sub, 'drop');
    const listeners = this.dropListeners;
    if (listeners.length > 0) {
      const event: DropEvent = { thing: sub.thing, affordance: sub.affordance, message, dropped: sub.dropped };
      for (const listener of listeners) this.call(listener, event);
    }
  }

  private failed(sub: Subscription, sink: MessageSendStream, message: Message, error: unknown): void {
    if (error instanceof WouldBlock) {
      this.dropped(sub, message);
    } else if (error instanceof ClosedResourceError || error instanceof BrokenResourceError) {
      this.remove(sub, sink);
    } else {
      sub.errors++;
      this.report(sub, 'error', error);
      const listeners = this.errorListeners;
      if (listeners.length > 0) {
        const event: SubscriberErrorEvent = {
          thing: sub.thing,
          affordance: sub.affordance,
          message,
          error,
          errors: sub.errors,
        };
        for (const listener of listeners) this.call(listener, event);
      }
    }
  }

  private call<E>(listener: (event: E) => void, event: E): void {
    try {
      listener(event);
    } catch (error) {
      this.logger.warn('message broker: a report listener threw', error);
    }
  }

  /** Logs at once if this subscription has not logged this kind within the interval. */
  private report(sub: Subscription, kind: 'drop' | 'error', error?: unknown): void {
    const key = kind === 'drop' ? 'dropReport' : 'errorReport';
    const state = sub[key];
    // A summary is already due (its timer runs): while overloaded, a drop costs a count.
    if (state !== undefined && state.pending > 0) {
      state.pending++;
      return;
    }
    const now = this.now();
    if (state === undefined || now - state.lastAt >= this.reportIntervalMs) {
      const pending = (state?.pending ?? 0) + 1;
      sub[key] = { lastAt: now, pending: 0 };
      if (kind === 'error') this.log(sub, kind, pending, error);
      else this.log(sub, kind, pending);
      return;
    }
    state.pending++;
    this.pendingReports.add(sub);
    this.reportTimer ??= this.schedule(state.lastAt + this.reportIntervalMs - now);
  }

  /** `details` carries the error when this line is about a fresh one. */
  private log(sub: Subscription, kind: 'drop' | 'error', count: number, ...details: unknown[]): void {
    const where = `${JSON.stringify(sub.thing)}/${JSON.stringify(sub.affordance)}`;
    const line =
      kind === 'drop'
        ? `message broker: dropped ${count} message(s) for a full subscriber of ${where} (${sub.dropped} in total)`
        : `message broker: a subscriber of ${where} threw ${count} time(s) (${sub.errors} in total)`;
    this.logger.warn(line, ...details);
  }

  /** Logs the summaries that were held back, so a burst that stops is still reported. */
  private schedule(delay: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => this.flushReports(), Math.max(0, delay));
    timer.unref?.(); // reports must not keep the process alive
    return timer;
  }

  private flushReports(all = false): void {
    this.reportTimer = undefined;
    const now = this.now();
    let next = Infinity;
    for (const sub of this.pendingReports) {
      let waiting = false;
      for (const kind of ['drop', 'error'] as const) {
        const state = kind === 'drop' ? sub.dropReport : sub.errorReport;
        if (state === undefined || state.pending === 0) continue;
        const due = state.lastAt + this.reportIntervalMs;
        if (all || due <= now) {
          this.log(sub, kind, state.pending);
          state.pending = 0;
          state.lastAt = now;
        } else {
          waiting = true;
          next = Math.min(next, due);
        }
      }
      if (!waiting) this.pendingReports.delete(sub);
    }
    if (next !== Infinity && !all) this.reportTimer = this.schedule(next - now);
  }

  /** `sink` is what deliver called, when known (a collected sink's entry goes by itself). */
  private remove(sub: Subscription, sink: MessageSendStream | undefined): void {
    if (!sub.active) return;
    sub.active = false;
    sub.callee = undefined;
    this.finalizer.unregister(sub);
    const entry = sub.entry;
    const key = sub.target ?? sink ?? sub.ref.deref();
    if (key !== undefined) entry.byKey.delete(key);
    entry.subs = entry.subs.filter((s) => s !== sub);
    if (entry.subs.length === 0) {
      const routes = this.routes.get(sub.thing);
      // Only delete the entry if it is still the current one for this key.
      if (routes !== undefined && routes.entries.get(sub.affordance) === entry) {
        routes.entries.delete(sub.affordance);
        if (routes.any === entry) routes.any = undefined;
        if (this.everything === entry) this.everything = undefined;
        if (routes.entries.size === 0) this.routes.delete(sub.thing);
      }
    }
  }
}

import type { Credentials } from '../../shared/contract';
import { DisposableStore } from '../../shared/disposable';
import { LabError } from '../../shared/errors';
import {
  FRESHNESS_AFFORDANCE,
  LOST_ON_REMOVE,
  type ConnectionState,
  type Freshness,
  type FreshnessMap,
  type Invocation,
  type PropertyAffordance,
  type ThingDescription,
  type ThingSource,
} from '../../shared/model';
import { Message, type Publisher } from '../core/message';
import type { ThingDriver } from '../things/driver';
import type { BackoffOptions } from './backoff';
import { systemClock, type Clock } from '../core/clock';
import { ConnectionTracker } from './connection';
import { jsonDepthProblem } from '../../shared/bounded-json';
import { originOf, redactUrl, type FetchLike } from './http';
import { silentLogger, type Logger } from '../core/logger';
import { ReconnectLoop } from './reconnect';
import { hrefProblem, matchesSchemaType, withSafeForms } from './td-forms';

export interface RemoteDriverOptions {
  /** Unique name in this app. */
  name: string;
  td: ThingDescription;
  /** Where the TD came from: the fallback base for relative hrefs. */
  tdUrl: string;
  publisher: Publisher;
  fetch?: FetchLike;
  credentials?: Credentials;
  clock?: Clock;
  backoff?: BackoffOptions;
  logger?: Logger;
  /** Invocation follow-up poll while running (ms). */
  invocationPollMs?: number;
  /** Poll period for properties that cannot be observed (ms). */
  propertyPollMs?: number;
  /**
   * The origin the operator added the instrument at: credentials go there only. The TD URL's
   * origin when absent.
   */
  credentialOrigin?: string;
  /**
   * An event stream or long poll with no traffic for this long is probed (a read) and opened
   * again, or, when the server does not answer, the connection counts as lost (default 60 s).
   */
  streamIdleMs?: number;
}

/** Why an invocation was given up, for its error detail. */
export function lostDetail(reason: string, thing: string, id: string): string {
  return reason === LOST_ON_REMOVE
    ? `invocation ${id} had not finished when ${thing} was removed; how it ended is not known`
    : `${thing} answered that it does not know invocation ${id} (404): it restarted since, and how the run ended is not known`;
}

/**
 * What the HTTP-based drivers (LabThings, WoT) share: options, connection state, the
 * reconnect loop that calls `connect` and `teardown`, start/stop, and publishing a
 * property value after checking its type against the TD.
 */
export abstract class RemoteThingDriver implements ThingDriver {
  readonly name: string;
  abstract readonly source: ThingSource;
  readonly origin: string;

  protected readonly td: ThingDescription;
  /** The base for relative hrefs: the TD's own `base`, else where it came from. */
  protected readonly base: string;
  protected readonly publisher: Publisher;
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  protected readonly credentials?: Credentials;
  protected readonly tracker: ConnectionTracker;
  protected readonly loop: ReconnectLoop;
  protected stopped = true;
  /** JSON of the last value published per property. */
  protected readonly lastPublished = new Map<string, string>();
  /** Where credentials may go: the operator's origin. */
  protected readonly credentialOrigin: string | undefined;
  protected readonly streamIdleMs: number;
  /** Aborted when the driver stops: every request it made ends at once. */
  private life = new AbortController();
  /**
   * What the current run (start → stop) holds: the reconnect loop, the requests' abort and
   * whatever a driver adds (timers that outlive a connection). `stop()` disposes it; every
   * start gets a new one.
   */
  protected run = new DisposableStore();
  /**
   * What the current connection holds (sockets, event streams, long polls, timers): disposed
   * by `teardown()`, when a connection fails, is lost or the driver stops; each connection
   * gets a new one. A `connect` that outlives its connection adds to a disposed store, which
   * disposes what it adds at once.
   */
  protected session = new DisposableStore();
  /** How each property is kept fresh; every property `pushed` until a driver says otherwise. */
  private fresh: FreshnessMap = {};

  protected constructor(options: RemoteDriverOptions, label: string) {
    this.name = options.name;
    this.origin = redactUrl(options.tdUrl);
    // A base that is not an http(s) URL would make every relative href unsafe: use where the TD came from.
    this.base = options.td.base !== undefined && hrefProblem(options.td.base, options.tdUrl) === undefined ? options.td.base : options.tdUrl;
    const safe = withSafeForms(options.td, this.base);
    this.td = safe.td;
    this.credentialOrigin = options.credentialOrigin ?? originOf(options.tdUrl);
    this.streamIdleMs = options.streamIdleMs ?? 60_000;
    this.publisher = options.publisher;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.credentials = options.credentials;
    this.tracker = new ConnectionTracker(this.name, this.publisher, this.clock);
    this.loop = new ReconnectLoop({
      tracker: this.tracker,
      clock: this.clock,
      backoff: options.backoff,
      logger: this.logger,
      label: `${label} "${this.name}"`,
      connect: (session) => this.connect(session),
      teardown: () => this.teardown(),
    });
    this.run.dispose(); // not started yet
    if (options.td.base !== undefined && this.base !== options.td.base) this.logger.warn(`${label} "${this.name}": its base is not an http(s) URL; hrefs are taken relative to ${this.origin}`);
    for (const refused of safe.refused) this.logger.warn(`${label} "${this.name}": ${refused}`);
  }

  /** The signal of the current run: aborted by stop(), so no request outlives the driver. */
  protected get lifetime(): AbortSignal {
    return this.life.signal;
  }

  /** Opens one connection (see ReconnectOptions.connect); what it opens goes in `this.session`. */
  protected abstract connect(session: number): Promise<void>;

  /** Releases what a failed, lost or stopped connection holds: its store, in one call. */
  protected teardown(): void {
    const ended = this.session;
    this.session = new DisposableStore();
    this.disposeLogged(ended, 'closing a connection');
  }

  private disposeLogged(store: DisposableStore, what: string): void {
    try {
      store.dispose();
    } catch (error) {
      this.logger.warn(`${this.name}: ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  abstract readProperty(property: string): Promise<unknown>;
  abstract writeProperty(property: string, value: unknown): Promise<void>;
  abstract invokeAction(action: string, input: unknown): Promise<Invocation>;
  abstract cancelInvocation(id: string): Promise<Invocation>;
  abstract getInvocation(id: string): Promise<Invocation>;
  abstract listInvocations(): Promise<Invocation[]>;

  describe(): ThingDescription {
    return this.td;
  }

  connection(): ConnectionState {
    return this.tracker.current;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const run = new DisposableStore();
    const life = new AbortController();
    this.run = run;
    this.life = life;
    // Disposed in reverse: the requests are aborted, then the connection is torn down.
    run.add(() => this.loop.stop());
    run.add(() => life.abort());
    this.loop.start();
  }

  /** Ends the run in one call (`this.run`); stopping twice is harmless. */
  async stop(why?: 'removed'): Promise<void> {
    if (this.stopped) return;
    if (why === 'removed') this.endOpenInvocations(LOST_ON_REMOVE);
    this.disposeLogged(this.run, 'stopping');
    this.tracker.set('disconnected', 'stopped');
    this.stopped = true;
  }

  retryNow(): void {
    if (!this.stopped) this.loop.retryNow();
  }

  freshness(): FreshnessMap {
    const all: FreshnessMap = {};
    for (const [name, affordance] of Object.entries(this.td.properties)) {
      all[name] = this.fresh[name] ?? (affordance.writeOnly === true ? { mode: 'on-demand' } : { mode: 'pushed' });
    }
    return all;
  }

  /** Records how a property is kept fresh and publishes the map when it changed. */
  protected setFreshness(property: string, freshness: Freshness): void {
    const before = this.fresh[property];
    if (before?.mode === freshness.mode && before.periodMs === freshness.periodMs) return;
    this.fresh = { ...this.fresh, [property]: freshness };
    if (this.stopped) return;
    this.publisher.publish(new Message({ thing: this.name, affordance: FRESHNESS_AFFORDANCE, messageType: 'property', payload: this.freshness() }));
  }

  /** Ends every invocation still open as failed with this reason (published), and stops following it. */
  protected abstract endOpenInvocations(reason: string): void;

  /** The TD's property, or NOT_FOUND naming it. */
  protected property(property: string): PropertyAffordance {
    const affordance = this.td.properties[property];
    if (!affordance) throw new LabError('NOT_FOUND', `"${this.name}" has no property "${property}"`);
    return affordance;
  }

  /** A value read from the server, checked against the property's type before anyone sees it. */
  protected checkedRead(property: string, value: unknown): unknown {
    if (!matchesSchemaType(this.td.properties[property], value)) {
      throw new LabError('DRIVER_FAULT', `reading ${this.name}.${property}: the server sent a value that does not match its type`);
    }
    return value;
  }

  protected publishProperty(property: string, value: unknown): void {
    if (this.stopped) return;
    const deep = jsonDepthProblem(value);
    if (deep !== undefined) {
      this.logger.warn(`${this.name}.${property}: a value ${deep} was refused`);
      return;
    }
    if (!matchesSchemaType(this.td.properties[property], value)) {
      this.logger.warn(`${this.name}.${property}: value of the wrong type ignored`);
      return;
    }
    this.lastPublished.set(property, JSON.stringify(value));
    this.publisher.publish(new Message({ thing: this.name, affordance: property, messageType: 'property', payload: value }));
  }
}

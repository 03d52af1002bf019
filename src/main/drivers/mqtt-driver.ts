import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { z } from 'zod';
import { jsonDepthProblem } from '../../shared/bounded-json';
import type { Credentials } from '../../shared/contract';
import { LabError, LabErrorData } from '../../shared/errors';
import {
  ActionEventPayload,
  ConnectionState,
  Invocation,
  ThingDescription,
  TERMINAL_STATUSES,
  type ConnectionStatus,
} from '../../shared/model';
import { Message, type Publisher } from '../core/message';
import type { ThingDriver } from '../things/driver';
import { Backoff, type BackoffOptions } from './backoff';
import { ownedTimeout, systemClock, toIso, type Clock } from '../core/clock';
import { AsyncDisposableStore, type Disposer } from '../../shared/disposable';
import { completedInvocation } from './completed-invocation';
import type { DriverKind } from './driver-kind';
import { ConnectionTracker } from './connection';
import { redactUrl } from './http';
import { silentLogger, type Logger } from '../core/logger';
import { matchesSchemaType } from './td-forms';
import {
  hasWildcard,
  linkTopic,
  LM_CONNECTION_REL,
  LM_PUBLISHER_REL,
  LM_REPLIES,
  mqttForm,
  qosOf,
  retainOf,
  topicMatches,
  type TopicForm,
} from './mqtt-forms';

export { topicMatches } from './mqtt-forms';

/**
 * Lets go of a broker connection at once: its events no longer reach us, a late error from it is
 * swallowed (an unhandled 'error' would end the process), and it closes without waiting.
 */
export async function abandonClient(client: MqttClient): Promise<void> {
  client.removeAllListeners();
  client.on('error', () => {});
  await client.endAsync(true).catch(() => {});
}

/** Bounds on what a broker (and every client publishing to it) can make Lab Monitor hold. */
export interface MqttLimits {
  /** Largest MQTT packet accepted (MQTT 5 tells the broker; larger ones are dropped on 3.1.1). */
  maxPacketBytes: number;
  /** Largest Thing Description parsed. */
  maxTdBytes: number;
  /** Largest property value or action message parsed. */
  maxValueBytes: number;
  /** Things kept per broker; TDs beyond are ignored. */
  maxThings: number;
  /** Topics one Thing may make Lab Monitor subscribe to. */
  maxTopicsPerThing: number;
  /** Invocations kept per Thing (oldest finished ones go first). */
  maxInvocations: number;
  /** Requests waiting for an MQTT 5 reply at once. */
  maxPendingReplies: number;
  /** How long a request waits for its reply. */
  replyTimeoutMs: number;
  /**
   * A Thing with no Last Will to follow (node-wot's) that has sent nothing for this long is
   * shown stale again: its publisher may be gone, and nothing else would say so.
   */
  silentAfterMs: number;
}

export const DEFAULT_MQTT_LIMITS: MqttLimits = {
  maxPacketBytes: 2 * 1024 * 1024,
  // A TD with MQTT forms takes about 500 bytes per property: 1 MiB is some 2,000 properties.
  maxTdBytes: 1024 * 1024,
  maxValueBytes: 256 * 1024,
  maxThings: 500,
  maxTopicsPerThing: 2000,
  maxInvocations: 200,
  maxPendingReplies: 64,
  replyTimeoutMs: 10_000,
  silentAfterMs: 60_000,
};

export type MqttProtocolVersion = 4 | 5;

export interface MqttTlsOptions {
  /** Extra CA certificates (PEM) for `mqtts://` brokers with a private CA. */
  ca?: string | Buffer;
}

export interface MqttInstrumentOptions {
  /**
   * mqtt(s)://host:port[/prefix]: Things are discovered from Thing Descriptions published
   * anywhere under the prefix (the whole broker when there is none).
   */
  url: string;
  credentials?: Credentials;
  publisher: Publisher;
  logger?: Logger;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** 5 (MQTT 5, the default: falls back to 3.1.1 when the broker refuses it) or 4 (MQTT 3.1.1 only). */
  protocolVersion?: MqttProtocolVersion;
  tls?: MqttTlsOptions;
  limits?: Partial<MqttLimits>;
  uniqueName(key: string): string;
  onThing(driver: MqttThingDriver): void;
}

/** The topic filter under which Thing Descriptions are looked for. */
export function discoveryFilter(url: string): string {
  const path = new URL(url).pathname.replace(/^\/+|\/+$/g, '');
  const prefix = path === '' ? '' : decodeURIComponent(path);
  return prefix === '' ? '#' : hasWildcard(prefix) && prefix.endsWith('#') ? prefix : `${prefix}/#`;
}

const slug = (text: string): string =>
  text.trim().toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);

/** The Thing's name from its TD: the title, else the last part of its id. */
export function nameFromTd(td: ThingDescription): string {
  return slug(td.title) || slug(td.id?.split(/[:/]/).filter(Boolean).pop() ?? '') || 'thing';
}

const OPEN_BRACE = 0x7b;
const CONTEXT_KEY = Buffer.from('"@context"');

/** Cheap test before parsing: a TD is a JSON object that has an `@context`. */
function mayBeTd(payload: Buffer): boolean {
  let i = 0;
  while (i < payload.length && (payload[i] === 0x20 || payload[i] === 0x0a || payload[i] === 0x0d || payload[i] === 0x09)) i += 1;
  return payload[i] === OPEN_BRACE && payload.includes(CONTEXT_KEY);
}

function parseTd(payload: Buffer): ThingDescription | undefined {
  try {
    const json: unknown = JSON.parse(payload.toString('utf8'));
    // Nested too deeply to be handed on safely (it could not even be serialised): not a TD.
    if (jsonDepthProblem(json) !== undefined) return undefined;
    const parsed = ThingDescription.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The reply a Lab Monitor publisher sends on the response topic of a write or an invocation. */
export const MqttReply = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: LabErrorData }),
]);
export type MqttReply = z.infer<typeof MqttReply>;

interface PendingReply {
  resolve(reply: MqttReply): void;
  reject(error: LabError): void;
  /** Cancels its timeout. */
  cancel: Disposer;
}

/** Where one message goes: the drivers that asked for its topic. */
interface Route {
  exact: Map<string, Set<MqttThingDriver>>;
  wildcard: { filter: string; driver: MqttThingDriver }[];
}

/**
 * One broker: discovers Things from Thing Descriptions published on it (a message is a TD
 * when it parses as one; anything else is a value and says nothing), at the root or under
 * the prefix of the URL, and feeds their drivers. Reconnects with our backoff (MQTT.js's own
 * reconnect is off, so there is one policy); subscriptions are renewed on reconnect and
 * retained messages arrive again.
 */
export class MqttInstrument {
  private client?: MqttClient;
  private readonly tracker: ConnectionTracker;
  /** Drivers by the topic their TD came on. */
  private readonly things = new Map<string, MqttThingDriver>();
  private readonly route: Route = { exact: new Map(), wildcard: [] };
  private readonly pending = new Map<string, PendingReply>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private readonly filter: string;
  private readonly clientId = `lab-monitor-${randomBytes(6).toString('hex')}`;
  readonly replyTopic = `lab-monitor/replies/${this.clientId}`;
  readonly limits: MqttLimits;
  private protocolVersion: MqttProtocolVersion;
  /** Cancels the pending reconnect; set while one waits. */
  private retry: Disposer | undefined;
  private stopped = false;
  /**
   * Everything the instrument holds from start to stop: the broker connection, the replies
   * waiting, the reconnect and silence timers. `stop()` disposes it in one call.
   */
  private readonly owned: AsyncDisposableStore;
  private ignoredThings = 0;
  /** Messages dropped because they were larger than the limits allow. */
  dropped = 0;

  constructor(private readonly options: MqttInstrumentOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.backoff = new Backoff(options.backoff);
    this.limits = { ...DEFAULT_MQTT_LIMITS, ...options.limits };
    this.protocolVersion = options.protocolVersion ?? 5;
    this.tracker = new ConnectionTracker(`mqtt ${redactUrl(options.url)}`, undefined, this.clock);
    this.filter = discoveryFilter(options.url);
    this.owned = new AsyncDisposableStore((error) => this.logger.warn(`${this.label}: stopping: ${String(error)}`));
  }

  get label(): string {
    return `mqtt ${redactUrl(this.options.url)}`;
  }

  connection(): ConnectionState {
    return this.tracker.current;
  }

  /** The MQTT version of the current (or last) connection. */
  get version(): MqttProtocolVersion {
    return this.protocolVersion;
  }

  /** Starts connecting; resolves at once (the broker may be down: it keeps trying). */
  async start(): Promise<void> {
    if (this.client || this.stopped) return;
    // Disposed in reverse order: timers (added later) first, then these.
    this.owned.add(async () => {
      const client = this.client;
      this.client = undefined;
      if (client) await abandonClient(client);
    });
    this.owned.add(() => {
      for (const [id, pending] of this.pending) {
        pending.cancel();
        pending.reject(new LabError('DISCONNECTED', `${this.label}: stopped`));
        this.pending.delete(id);
      }
    });
    this.owned.add(() => {
      for (const driver of this.things.values()) driver.setBroker('disconnected', 'stopped');
    });
    this.tracker.set('connecting');
    this.connect();
    this.watchSilence();
  }

  /** Looks for Things gone silent, a few times per `silentAfterMs`. */
  private watchSilence(): void {
    const every = Math.max(50, Math.floor(this.limits.silentAfterMs / 4));
    ownedTimeout(this.owned, this.clock, () => {
      if (this.stopped) return;
      const now = this.clock.now();
      for (const driver of this.things.values()) driver.checkSilence(now, this.limits.silentAfterMs);
      this.watchSilence();
    }, every);
  }

  private clientOptions(): IClientOptions {
    const credentials = this.options.credentials;
    return {
      clientId: this.clientId,
      protocolVersion: this.protocolVersion,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      resubscribe: false,
      clean: true,
      ...(this.protocolVersion === 5 ? { properties: { maximumPacketSize: this.limits.maxPacketBytes } } : {}),
      ...(credentials?.scheme === 'basic' ? { username: credentials.username, password: credentials.password } : {}),
      ...(credentials?.scheme === 'bearer' ? { username: 'token', password: credentials.token } : {}),
      ...(this.options.tls?.ca ? { ca: this.options.tls.ca } : {}),
    };
  }

  private connect(): void {
    const url = new URL(this.options.url);
    const client = mqtt.connect(`${url.protocol}//${url.host}`, this.clientOptions());
    this.client = client;
    client.on('connect', () => {
      this.backoff.reset();
      this.setState('connected');
      const filters = [this.filter, ...this.extraFilters()];
      if (this.protocolVersion === 5) filters.push(this.replyTopic);
      client.subscribe(filters, { qos: 1 }, (error) => {
        if (error) this.logger.warn(`${this.label}: subscribe failed: ${error.message}`);
      });
    });
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    client.on('error', (error) => {
      // A broker that only speaks 3.1.1 refuses MQTT 5 (CONNACK 1 on 3.1.1, 132 on 5): ask again in 3.1.1.
      const code = (error as { code?: unknown }).code;
      if (this.protocolVersion === 5 && this.options.protocolVersion !== 5 && (code === 1 || code === 132)) {
        this.logger.info(`${this.label}: the broker refuses MQTT 5; using MQTT 3.1.1`);
        this.protocolVersion = 4;
      }
      this.lost(error.message);
    });
    client.on('close', () => this.lost('connection closed'));
  }

  /** Tears down everything in one call (see `owned`); resolves once the connection is closed. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.owned.dispose();
  }

  /** Publishes a JSON payload; resolves once the broker has it (QoS 1 and 2). */
  async publish(topic: string, payload: unknown, options: { qos?: 0 | 1 | 2; retain?: boolean } = {}): Promise<void> {
    const client = this.connected();
    await client.publishAsync(topic, JSON.stringify(payload ?? null), { qos: options.qos ?? 1, retain: options.retain ?? false });
  }

  /**
   * Publishes a request with an MQTT 5 response topic and correlation data and waits for the
   * reply (a Lab Monitor publisher answers `{ok, value | error}`). Needs MQTT 5.
   */
  async request(topic: string, payload: unknown, qos: 0 | 1 | 2 = 1): Promise<MqttReply> {
    const client = this.connected();
    if (this.protocolVersion !== 5) throw new LabError('DRIVER_FAULT', `${this.label}: replies need MQTT 5, the broker speaks 3.1.1`);
    if (this.pending.size >= this.limits.maxPendingReplies) throw new LabError('DRIVER_FAULT', `${this.label}: too many requests waiting for replies`);
    const id = randomBytes(12).toString('hex');
    const reply = new Promise<MqttReply>((resolve, reject) => {
      const cancel = ownedTimeout(this.owned, this.clock, () => {
        this.pending.delete(id);
        reject(new LabError('TIMEOUT', `${this.label}: no reply on ${topic} within ${this.limits.replyTimeoutMs} ms`));
      }, this.limits.replyTimeoutMs);
      this.pending.set(id, { resolve, reject, cancel });
    });
    try {
      await client.publishAsync(topic, JSON.stringify(payload ?? null), {
        qos,
        properties: { responseTopic: this.replyTopic, correlationData: Buffer.from(id) },
      });
    } catch (error) {
      this.pending.get(id)?.cancel();
      this.pending.delete(id);
      throw new LabError('DISCONNECTED', `${this.label}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return reply;
  }

  private connected(): MqttClient {
    const client = this.client;
    if (!client?.connected) throw new LabError('DISCONNECTED', `${this.label}: not connected`);
    return client;
  }

  /** The reconnect that was due later starts now; false when none was waiting. */
  retryNow(): boolean {
    if (this.stopped || this.retry === undefined) return false;
    this.retry();
    this.retry = undefined;
    this.reconnect(this.tracker.current.reason);
    return true;
  }

  private lost(reason: string): void {
    if (this.stopped || this.retry !== undefined) return;
    const delay = this.backoff.next();
    this.setState('disconnected', reason, delay);
    const client = this.client;
    this.client = undefined;
    if (client) void abandonClient(client);
    this.retry = ownedTimeout(this.owned, this.clock, () => {
      this.retry = undefined;
      this.reconnect(reason);
    }, delay);
  }

  private reconnect(reason: string | undefined): void {
    if (this.stopped) return;
    this.setState('connecting', reason);
    this.connect();
  }

  private setState(status: ConnectionStatus, reason?: string, delay?: number): void {
    this.tracker.set(status, reason, delay);
    for (const driver of this.things.values()) driver.setBroker(status, reason, delay);
  }

  /** Filters the Things need that the discovery filter does not cover. */
  private extraFilters(): string[] {
    const filters = new Set<string>();
    for (const driver of this.things.values()) for (const filter of driver.filters()) if (!topicMatches(this.filter, filter)) filters.add(filter);
    return [...filters];
  }

  private rebuildRoutes(): void {
    this.route.exact.clear();
    this.route.wildcard = [];
    for (const driver of this.things.values()) {
      for (const filter of driver.filters()) {
        if (hasWildcard(filter)) this.route.wildcard.push({ filter, driver });
        else {
          let set = this.route.exact.get(filter);
          if (!set) this.route.exact.set(filter, (set = new Set()));
          set.add(driver);
        }
      }
    }
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.stopped) return;
    if (payload.length > this.limits.maxPacketBytes) {
      this.dropped += 1;
      return;
    }
    if (topic === this.replyTopic) return this.onReply(payload, packet);
    const retained = packet.retain === true;
    const known = this.things.get(topic);
    if (known && payload.length === 0) return known.setWithdrawn();
    if (payload.length <= this.limits.maxTdBytes && topicMatches(this.filter, topic) && mayBeTd(payload)) {
      const td = parseTd(payload);
      if (td) return this.onTd(topic, td, payload, retained);
    }
    let delivered = false;
    for (const driver of this.route.exact.get(topic) ?? []) {
      driver.onMessage(topic, payload, retained);
      delivered = true;
    }
    for (const { filter, driver } of this.route.wildcard) {
      if (topicMatches(filter, topic)) {
        driver.onMessage(topic, payload, retained);
        delivered = true;
      }
    }
    if (!delivered) return;
  }

  private onReply(payload: Buffer, packet: IPublishPacket): void {
    const id = packet.properties?.correlationData?.toString();
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!pending || id === undefined) return;
    this.pending.delete(id);
    pending.cancel();
    let reply: MqttReply;
    try {
      const parsed = MqttReply.safeParse(JSON.parse(payload.toString('utf8')));
      reply = parsed.success ? parsed.data : { ok: false, error: { code: 'DRIVER_FAULT', message: 'the reply does not parse' } };
    } catch {
      reply = { ok: false, error: { code: 'DRIVER_FAULT', message: 'the reply is not JSON' } };
    }
    pending.resolve(reply);
  }

  private onTd(topic: string, td: ThingDescription, payload: Buffer, retained: boolean): void {
    const text = payload.toString('utf8');
    const known = this.things.get(topic);
    if (known) {
      known.update(td, text, retained);
      this.rebuildRoutes();
      this.subscribeExtra();
      return;
    }
    // The same Thing announced on a second topic is the same Thing.
    if (td.id !== undefined && [...this.things.values()].some((driver) => driver.describe().id === td.id)) return;
    if (this.things.size >= this.limits.maxThings) {
      if (this.ignoredThings++ === 0) this.logger.warn(`${this.label}: more than ${this.limits.maxThings} Things; the others are ignored`);
      return;
    }
    const driver = new MqttThingDriver({
      name: this.options.uniqueName(nameFromTd(td)),
      td,
      text,
      retained,
      broker: this,
      publisher: this.options.publisher,
      clock: this.clock,
      origin: redactUrl(this.options.url),
      limits: this.limits,
    });
    this.things.set(topic, driver);
    driver.setBroker(this.tracker.current.status, this.tracker.current.reason);
    this.options.onThing(driver);
    this.rebuildRoutes();
    this.subscribeExtra();
  }

  private subscribeExtra(): void {
    const filters = this.extraFilters();
    if (filters.length > 0) this.client?.subscribe(filters, { qos: 1 });
  }
}

interface ThingDriverInit {
  name: string;
  td: ThingDescription;
  text: string;
  retained: boolean;
  broker: MqttInstrument;
  publisher: Publisher;
  clock: Clock;
  origin: string;
  limits: MqttLimits;
}

interface TopicTarget {
  kind: 'property' | 'action' | 'publisher' | 'connection';
  name: string;
}

const PublisherState = z.object({ status: z.enum(['connected', 'disconnected']), reason: z.string().optional() }).loose();

/**
 * A Thing behind an MQTT broker (WoT MQTT binding): observes the topics its TD names
 * (`mqv:filter`, or the href path), writes JSON to `mqv:topic`. Reads return the last value
 * seen (brokers keep retained ones).
 *
 * Liveness: a TD from a Lab Monitor publisher links the publisher's state (kept by its Last
 * Will) and the Thing's own connection; the Thing follows them. A TD without such links that
 * the broker kept (retained) may outlive its publisher, as node-wot's do: the Thing is
 * `stale` until something live arrives from it.
 *
 * Actions with an `lm:replies` form get their outcome on an MQTT 5 response topic and their
 * progress on the `queryaction` topic; others complete when published (the binding has no
 * way to report an outcome).
 */
export class MqttThingDriver implements ThingDriver {
  readonly source = 'mqtt' as const;
  readonly name: string;
  readonly origin: string;
  private td: ThingDescription;
  private text: string;
  private readonly tracker: ConnectionTracker;
  private readonly values = new Map<string, unknown>();
  private readonly invocations = new Map<string, Invocation>();
  private readonly topics = new Map<string, TopicTarget[]>();
  private readonly wildcards: { filter: string; target: TopicTarget }[] = [];
  private broker: { status: ConnectionStatus; reason?: string; delay?: number } = { status: 'connecting' };
  private retainedOnly: boolean;
  private live = false;
  /** When something live last came from it (clock ms). */
  private lastLive = 0;
  private silent = false;
  private withdrawn = false;
  private publisherState?: z.infer<typeof PublisherState>;
  private thingState?: ConnectionState;
  private stopped = false;
  private count = 0;

  constructor(private readonly init: ThingDriverInit) {
    this.name = init.name;
    this.origin = init.origin;
    this.td = init.td;
    this.text = init.text;
    this.retainedOnly = init.retained;
    this.tracker = new ConnectionTracker(init.name, init.publisher, init.clock);
    this.index();
  }

  describe(): ThingDescription {
    return this.td;
  }
  connection(): ConnectionState {
    return this.tracker.current;
  }

  /** A new TD on the same topic: a changed one replaces the old; the same one again is a sign of life. */
  update(td: ThingDescription, text: string, retained: boolean): void {
    this.withdrawn = false;
    if (!retained) this.markLive();
    if (text !== this.text) {
      this.td = td;
      this.text = text;
      this.index();
    }
    this.refresh();
  }

  private markLive(): void {
    this.live = true;
    this.silent = false;
    this.lastLive = this.init.clock.now();
  }

  /** A Thing with no publisher state to follow that has said nothing for too long is stale again. */
  checkSilence(now: number, silentAfterMs: number): void {
    if (this.hasPublisherLink || !this.live || this.silent || now - this.lastLive < silentAfterMs) return;
    this.silent = true;
    this.refresh();
  }

  setWithdrawn(): void {
    this.withdrawn = true;
    this.refresh();
  }

  setBroker(status: ConnectionStatus, reason?: string, delay?: number): void {
    this.broker = { status, reason, delay };
    if (status !== 'connected') {
      // Everything is learnt again from the retained messages after a reconnect.
      this.live = false;
      this.silent = false;
      this.retainedOnly = true;
      this.publisherState = undefined;
      this.thingState = undefined;
    }
    this.refresh();
  }

  private refresh(): void {
    if (this.stopped) return;
    const { status, reason, delay } = this.broker;
    if (status !== 'connected') return this.tracker.set(status, reason, delay);
    if (this.withdrawn) return this.tracker.set('disconnected', 'its Thing Description was withdrawn from the broker');
    if (this.hasPublisherLink) {
      if (!this.publisherState) return this.tracker.set('connecting', "waiting for its publisher's state");
      if (this.publisherState.status === 'disconnected') {
        return this.tracker.set('disconnected', `its publisher is gone${this.publisherState.reason ? `: ${this.publisherState.reason}` : ''}`);
      }
      if (this.thingState && this.thingState.status !== 'connected') return this.tracker.set(this.thingState.status, this.thingState.reason);
      return this.tracker.set('connected');
    }
    if (this.retainedOnly && !this.live) {
      return this.tracker.set('stale', 'only its retained Thing Description is on the broker; nothing live from it yet');
    }
    if (this.silent) {
      return this.tracker.set('stale', `nothing from it for ${Math.round((this.init.clock.now() - this.lastLive) / 1000)} s; it sets no Last Will, so it may be gone`);
    }
    this.tracker.set('connected');
  }

  private get hasPublisherLink(): boolean {
    return linkTopic(this.td, LM_PUBLISHER_REL) !== undefined;
  }

  /** Topic → what it carries, from the TD's forms and links (bounded). */
  private index(): void {
    this.topics.clear();
    this.wildcards.length = 0;
    const add = (topic: string | undefined, target: TopicTarget): void => {
      if (topic === undefined || this.topics.size + this.wildcards.length >= this.init.limits.maxTopicsPerThing) return;
      if (hasWildcard(topic)) this.wildcards.push({ filter: topic, target });
      else {
        const list = this.topics.get(topic) ?? [];
        list.push(target);
        this.topics.set(topic, list);
      }
    };
    add(linkTopic(this.td, LM_PUBLISHER_REL), { kind: 'publisher', name: '' });
    add(linkTopic(this.td, LM_CONNECTION_REL), { kind: 'connection', name: '' });
    for (const [name, affordance] of Object.entries(this.td.properties)) {
      if (affordance.writeOnly === true) continue;
      add(this.form(name, 'property', ['observeproperty', 'readproperty'], 'subscribe')?.topic, { kind: 'property', name });
    }
    for (const name of Object.keys(this.td.actions)) {
      add(this.form(name, 'action', ['queryaction'], 'subscribe')?.topic, { kind: 'action', name });
    }
  }

  filters(): string[] {
    return [...this.topics.keys(), ...this.wildcards.map((each) => each.filter)];
  }

  private form(name: string, kind: 'property' | 'action', ops: readonly string[], use: 'subscribe' | 'publish'): TopicForm | undefined {
    const affordance = kind === 'property' ? this.td.properties[name] : this.td.actions[name];
    return affordance ? mqttForm(this.td, affordance.forms, ops, use, kind) : undefined;
  }

  onMessage(topic: string, payload: Buffer, retained: boolean): void {
    if (this.stopped) return;
    const targets = [...(this.topics.get(topic) ?? []), ...this.wildcards.filter((each) => topicMatches(each.filter, topic)).map((each) => each.target)];
    if (targets.length === 0) return;
    if (payload.length > this.init.limits.maxValueBytes) {
      this.init.broker.dropped += 1;
      return;
    }
    const text = payload.toString('utf8');
    let value: unknown;
    let json = true;
    try {
      value = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = false;
    }
    if (json && jsonDepthProblem(value) !== undefined) {
      this.init.broker.dropped += 1;
      return;
    }
    for (const target of targets) {
      if (target.kind === 'publisher') {
        const parsed = PublisherState.safeParse(value);
        this.publisherState = parsed.success ? parsed.data : undefined;
        this.refresh();
      } else if (target.kind === 'connection') {
        const parsed = ConnectionState.safeParse(value);
        this.thingState = parsed.success ? parsed.data : undefined;
        this.refresh();
      } else if (target.kind === 'property') {
        const affordance = this.td.properties[target.name];
        // Plain text is a string value (some publishers do not quote).
        const shown = json ? value : affordance?.type === 'string' ? text : undefined;
        if (shown === undefined || !matchesSchemaType(affordance, shown)) continue;
        if (!retained) {
          const wasLive = this.live && !this.silent;
          this.markLive();
          if (!wasLive) this.refresh();
        }
        this.values.set(target.name, shown);
        this.init.publisher.publish(new Message({ thing: this.name, affordance: target.name, messageType: 'property', payload: shown }));
      } else {
        const parsed = ActionEventPayload.safeParse(value);
        if (parsed.success) this.onActionEvent(target.name, parsed.data);
      }
    }
  }

  /** An invocation's progress from the Thing's `queryaction` topic, under this Thing's name. */
  private onActionEvent(action: string, event: ActionEventPayload): void {
    const previous = this.invocations.get(event.invocation.id);
    const log = [...(previous?.log ?? []), ...event.newLog].slice(-200);
    const invocation: Invocation = { ...event.invocation, thing: this.name, action, log };
    this.remember(invocation);
    const { log: _log, ...rest } = invocation;
    this.init.publisher.publish(
      new Message({ thing: this.name, affordance: action, messageType: 'action', payload: { invocation: rest, newLog: event.newLog } }),
    );
  }

  private remember(invocation: Invocation): void {
    this.invocations.delete(invocation.id);
    this.invocations.set(invocation.id, invocation);
    if (this.invocations.size <= this.init.limits.maxInvocations) return;
    const oldest =
      [...this.invocations.values()].find((each) => TERMINAL_STATUSES.includes(each.status)) ?? this.invocations.values().next().value;
    if (oldest) this.invocations.delete(oldest.id);
  }

  async readProperty(property: string): Promise<unknown> {
    if (!this.td.properties[property]) throw new LabError('NOT_FOUND', `"${this.name}" has no property "${property}"`);
    if (!this.values.has(property)) throw new LabError('DRIVER_FAULT', `${this.name}.${property}: no value received yet`);
    return this.values.get(property);
  }

  async writeProperty(property: string, value: unknown): Promise<void> {
    const affordance = this.td.properties[property];
    if (!affordance) throw new LabError('NOT_FOUND', `"${this.name}" has no property "${property}"`);
    const found = affordance.readOnly === true ? undefined : this.form(property, 'property', ['writeproperty'], 'publish');
    if (!found) throw new LabError('READ_ONLY', `${this.name}.${property} is read-only`);
    if (found.form[LM_REPLIES] === true && this.init.broker.version === 5) {
      const reply = await this.init.broker.request(found.topic, value, qosOf(found.form));
      if (!reply.ok) throw new LabError(reply.error.code, reply.error.message);
      return;
    }
    await this.init.broker.publish(found.topic, value, { qos: qosOf(found.form), retain: retainOf(found.form) });
  }

  async invokeAction(action: string, input: unknown): Promise<Invocation> {
    if (!this.td.actions[action]) throw new LabError('NOT_FOUND', `"${this.name}" has no action "${action}"`);
    const found = this.form(action, 'action', ['invokeaction'], 'publish');
    if (!found) throw new LabError('READ_ONLY', `${this.name}.${action} cannot be invoked over MQTT (its publisher takes no invocations)`);
    if (found.form[LM_REPLIES] === true && this.init.broker.version === 5) {
      const reply = await this.init.broker.request(found.topic, input ?? null, qosOf(found.form));
      if (!reply.ok) throw new LabError(reply.error.code, reply.error.message);
      const parsed = Invocation.safeParse(reply.value);
      if (!parsed.success) throw new LabError('DRIVER_FAULT', `${this.name}.${action}: the reply is not an invocation`);
      const invocation: Invocation = { ...parsed.data, thing: this.name, action };
      const known = this.invocations.get(invocation.id);
      // Progress may have arrived on the queryaction topic before the reply.
      if (known && TERMINAL_STATUSES.includes(known.status)) return known;
      this.remember(invocation);
      return invocation;
    }
    await this.init.broker.publish(found.topic, input ?? null, { qos: qosOf(found.form), retain: retainOf(found.form) });
    const now = toIso(this.init.clock.now());
    this.count += 1;
    const invocation = completedInvocation({
      id: `${this.name}-${this.init.clock.now().toString(36)}-${this.count}`,
      thing: this.name,
      action,
      input,
      output: null,
      at: now,
    });
    this.remember(invocation);
    const { log: _log, ...rest } = invocation;
    this.init.publisher.publish(new Message({ thing: this.name, affordance: action, messageType: 'action', payload: { invocation: rest, newLog: [] } }));
    return invocation;
  }

  async cancelInvocation(id: string): Promise<Invocation> {
    const invocation = await this.getInvocation(id);
    if (TERMINAL_STATUSES.includes(invocation.status)) {
      throw new LabError('CONFLICT', `invocation "${invocation.id}" is ${invocation.status} and cannot be cancelled`);
    }
    const found = this.form(invocation.action, 'action', ['cancelaction'], 'publish');
    if (!found || found.form[LM_REPLIES] !== true || this.init.broker.version !== 5) {
      throw new LabError('CONFLICT', `${this.name}.${invocation.action} cannot be cancelled over MQTT`);
    }
    const reply = await this.init.broker.request(found.topic, { id }, qosOf(found.form));
    if (!reply.ok) throw new LabError(reply.error.code, reply.error.message);
    const parsed = Invocation.safeParse(reply.value);
    if (!parsed.success) throw new LabError('DRIVER_FAULT', `${this.name}: the cancel reply is not an invocation`);
    const cancelled: Invocation = { ...parsed.data, thing: this.name };
    this.remember(cancelled);
    return cancelled;
  }
  async getInvocation(id: string): Promise<Invocation> {
    const invocation = this.invocations.get(id);
    if (!invocation) throw new LabError('NOT_FOUND', `no invocation "${id}" on "${this.name}"`);
    return invocation;
  }
  async listInvocations(): Promise<Invocation[]> {
    return [...this.invocations.values()];
  }
  /** The broker connection belongs to the instrument; starting a Thing needs nothing. */
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.tracker.set('disconnected', 'stopped');
    this.stopped = true;
  }
}

/**
 * An MQTT broker: Things from the Thing Descriptions published on it, at its root or under the
 * prefix the URL names (`mqtt://broker:1883/lab1`).
 */
export const mqttKind = {
  id: 'mqtt',
  title: 'MQTT broker',
  schemes: ['mqtt:', 'mqtts:'],
  async connect(context) {
    const instrument = new MqttInstrument({ ...context, onThing: (driver) => context.onThing(driver) });
    // Never throws: the broker connection retries by itself and reports its state.
    await instrument.start();
    return { connection: () => instrument.connection(), retryNow: () => instrument.retryNow(), stop: () => instrument.stop() };
  },
} as const satisfies DriverKind;

import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import type { Credentials } from '../../shared/contract';
import { LabError } from '../../shared/errors';
import { ThingDescription, type ConnectionState, type Form, type Invocation } from '../../shared/model';
import { Message, type Publisher } from '../core/message';
import type { ThingDriver } from '../things/driver';
import { Backoff, type BackoffOptions } from './backoff';
import { systemClock, type Clock } from '../core/clock';
import { completedInvocation } from './completed-invocation';
import type { DriverKind } from './driver-kind';
import { ConnectionTracker } from './connection';
import { redactUrl } from './http';
import { silentLogger, type Logger } from '../core/logger';
import { findForm, matchesSchemaType } from './td-forms';
import { toIso } from '../core/clock';

const DEFAULT_TD_PREFIX = 'wot/td';

export interface MqttInstrumentOptions {
  /** mqtt(s)://host:port/<td topic prefix>; the path defaults to `wot/td`. */
  url: string;
  credentials?: Credentials;
  publisher: Publisher;
  logger?: Logger;
  clock?: Clock;
  backoff?: BackoffOptions;
  uniqueName(key: string): string;
  onThing(driver: MqttThingDriver): void;
}

const topicOf = (form: Form): string | undefined => {
  const explicit = z.string().safeParse(form['mqv:filter'] ?? form['mqv:topic']);
  if (explicit.success) return explicit.data;
  try {
    return decodeURIComponent(new URL(form.href).pathname.replace(/^\//, '')) || undefined;
  } catch {
    return form.href.replace(/^\//, '') || undefined;
  }
};
/** The form for an operation that names a topic (forms without `op` serve every operation). */
const formFor = (forms: readonly Form[], op: string): Form | undefined => findForm(forms, op, (form) => topicOf(form) !== undefined);

/** MQTT topic filter match (+ and #). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/**
 * One broker: discovers Things from retained TDs on `<prefix>/<thing>` and feeds their
 * drivers. Reconnects with our backoff (MQTT.js's own reconnect is off, so there is one
 * policy); subscriptions are renewed on reconnect and retained values arrive again.
 */
export class MqttInstrument {
  private client?: MqttClient;
  private readonly tracker: ConnectionTracker;
  private readonly things = new Map<string, MqttThingDriver>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private readonly prefix: string;
  private timer: unknown;
  private stopped = false;

  constructor(private readonly options: MqttInstrumentOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.backoff = new Backoff(options.backoff);
    this.tracker = new ConnectionTracker(`mqtt ${redactUrl(options.url)}`, undefined, this.clock);
    const path = new URL(options.url).pathname.replace(/^\/+|\/+$/g, '');
    this.prefix = path === '' ? DEFAULT_TD_PREFIX : decodeURIComponent(path);
  }

  connection(): ConnectionState {
    return this.tracker.current;
  }

  /** Starts connecting; resolves at once (the broker may be down: it keeps trying). */
  async start(): Promise<void> {
    if (this.client) return;
    const url = new URL(this.options.url);
    const credentials = this.options.credentials;
    this.tracker.set('connecting');
    const client = mqtt.connect(`${url.protocol}//${url.host}`, {
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      resubscribe: true,
      ...(credentials?.scheme === 'basic' ? { username: credentials.username, password: credentials.password } : {}),
      ...(credentials?.scheme === 'bearer' ? { username: 'token', password: credentials.token } : {}),
    });
    this.client = client;
    client.on('connect', () => {
      this.backoff.reset();
      this.setState('connected');
      client.subscribe([`${this.prefix}/#`, ...this.filters()], { qos: 1 }, (error) => {
        if (error) this.logger.warn(`mqtt ${redactUrl(this.options.url)}: subscribe failed: ${error.message}`);
      });
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload.toString()));
    client.on('error', (error) => this.lost(error.message));
    client.on('close', () => this.lost('connection closed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    for (const driver of this.things.values()) driver.setConnection('disconnected', 'stopped');
    if (client) await client.endAsync(true).catch(() => {});
  }

  publish(topic: string, payload: unknown): Promise<void> {
    const client = this.client;
    if (!client?.connected) return Promise.reject(new LabError('DISCONNECTED', `mqtt ${redactUrl(this.options.url)}: not connected`));
    return client.publishAsync(topic, JSON.stringify(payload), { qos: 1 }).then(() => undefined);
  }

  private lost(reason: string): void {
    if (this.stopped || this.timer !== undefined) return;
    const delay = this.backoff.next();
    this.setState('disconnected', reason, delay);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped || !this.client) return;
      this.setState('connecting', reason);
      this.client.reconnect();
    }, delay);
  }

  private setState(status: ConnectionState['status'], reason?: string, delay?: number): void {
    this.tracker.set(status, reason, delay);
    for (const driver of this.things.values()) driver.setConnection(status, reason, delay);
  }

  private filters(): string[] {
    return [...this.things.values()].flatMap((driver) => driver.filters());
  }

  private onMessage(topic: string, text: string): void {
    if (topicMatches(`${this.prefix}/#`, topic)) return this.onTd(topic.slice(this.prefix.length + 1), text);
    for (const driver of this.things.values()) driver.onMessage(topic, text);
  }

  private onTd(key: string, text: string): void {
    if (this.things.has(key) || text === '') return;
    let td: ThingDescription;
    try {
      const parsed = ThingDescription.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(z.prettifyError(parsed.error).slice(0, 200));
      td = parsed.data;
    } catch (error) {
      this.logger.warn(`mqtt ${redactUrl(this.options.url)}: TD on ${this.prefix}/${key} ignored: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const driver = new MqttThingDriver(this.options.uniqueName(key), td, this, this.options.publisher, this.clock, this.options.url);
    this.things.set(key, driver);
    driver.setConnection(this.tracker.current.status, this.tracker.current.reason);
    this.options.onThing(driver);
    const filters = driver.filters();
    if (filters.length > 0) this.client?.subscribe(filters, { qos: 1 });
  }
}

/**
 * A Thing behind an MQTT broker (WoT MQTT binding): observes the topics its TD names
 * (`mqv:filter`, or the href path), writes JSON to `mqv:topic` with QoS 1. Reads return
 * the last value seen (brokers keep retained ones). Actions publish their input and
 * complete at once: the binding has no way to report an outcome.
 */
export class MqttThingDriver implements ThingDriver {
  readonly source = 'mqtt' as const;
  readonly origin: string;
  private readonly tracker: ConnectionTracker;
  private readonly values = new Map<string, unknown>();
  private readonly invocations = new Map<string, Invocation>();
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly td: ThingDescription,
    private readonly broker: MqttInstrument,
    private readonly publisher: Publisher,
    private readonly clock: Clock,
    url: string,
  ) {
    this.origin = redactUrl(url);
    this.tracker = new ConnectionTracker(name, publisher, clock);
  }

  describe(): ThingDescription {
    return this.td;
  }
  connection(): ConnectionState {
    return this.tracker.current;
  }
  setConnection(status: ConnectionState['status'], reason?: string, delay?: number): void {
    if (!this.stopped) this.tracker.set(status, reason, delay);
  }

  filters(): string[] {
    return Object.values(this.td.properties).flatMap((affordance) => {
      const form = formFor(affordance.forms, 'observeproperty') ?? formFor(affordance.forms, 'readproperty');
      const topic = form && topicOf(form);
      return topic ? [topic] : [];
    });
  }

  onMessage(topic: string, text: string): void {
    if (this.stopped) return;
    for (const [property, affordance] of Object.entries(this.td.properties)) {
      const form = formFor(affordance.forms, 'observeproperty') ?? formFor(affordance.forms, 'readproperty');
      const filter = form && topicOf(form);
      if (!filter || !topicMatches(filter, topic)) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        continue;
      }
      if (!matchesSchemaType(affordance, value)) continue;
      this.values.set(property, value);
      this.publisher.publish(new Message({ thing: this.name, affordance: property, messageType: 'property', payload: value }));
    }
  }

  async readProperty(property: string): Promise<unknown> {
    if (!this.td.properties[property]) throw new LabError('NOT_FOUND', `"${this.name}" has no property "${property}"`);
    if (!this.values.has(property)) throw new LabError('DRIVER_FAULT', `${this.name}.${property}: no value received yet`);
    return this.values.get(property);
  }

  async writeProperty(property: string, value: unknown): Promise<void> {
    const affordance = this.td.properties[property];
    if (!affordance) throw new LabError('NOT_FOUND', `"${this.name}" has no property "${property}"`);
    const form = affordance.forms.find((candidate) => [candidate.op].flat().includes('writeproperty'));
    const topic = form && topicOf(form);
    if (!topic || affordance.readOnly === true) throw new LabError('READ_ONLY', `${this.name}.${property} is read-only`);
    await this.broker.publish(topic, value);
  }

  async invokeAction(action: string, input: unknown): Promise<Invocation> {
    const affordance = this.td.actions[action];
    if (!affordance) throw new LabError('NOT_FOUND', `"${this.name}" has no action "${action}"`);
    const form = formFor(affordance.forms, 'invokeaction');
    const topic = form && topicOf(form);
    if (!topic) throw new LabError('NOT_FOUND', `${this.name}.${action} has no invokeaction topic`);
    await this.broker.publish(topic, input ?? null);
    const now = toIso(this.clock.now());
    const invocation = completedInvocation({
      id: `${this.name}-${this.clock.now().toString(36)}-${this.invocations.size + 1}`,
      thing: this.name,
      action,
      input,
      output: null,
      at: now,
    });
    this.invocations.set(invocation.id, invocation);
    const { log: _log, ...rest } = invocation;
    this.publisher.publish(new Message({ thing: this.name, affordance: action, messageType: 'action', payload: { invocation: rest, newLog: [] } }));
    return invocation;
  }

  async cancelInvocation(id: string): Promise<Invocation> {
    const invocation = await this.getInvocation(id);
    throw new LabError('CONFLICT', `invocation "${invocation.id}" is ${invocation.status} and cannot be cancelled`);
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

/** An MQTT broker: Things from the retained Thing Descriptions published on it. */
export const mqttKind = {
  id: 'mqtt',
  title: 'MQTT broker',
  schemes: ['mqtt:', 'mqtts:'],
  async connect(context) {
    const instrument = new MqttInstrument({ ...context, onThing: (driver) => context.onThing(driver) });
    // Never throws: the broker connection retries by itself and reports its state.
    await instrument.start();
    return { connection: () => instrument.connection(), stop: () => instrument.stop() };
  },
} as const satisfies DriverKind;

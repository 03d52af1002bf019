import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import type { Credentials, PublisherSettings, PublisherStatus } from '../../../shared/contract';
import { DisposableStore } from '../../../shared/disposable';
import { LabError, type LabErrorData, type Result } from '../../../shared/errors';
import {
  ANY_AFFORDANCE,
  ANY_THING,
  CONNECTION_AFFORDANCE,
  LAB_THING,
  THINGS_AFFORDANCE,
  type ConnectionState,
  type ConnectionStatus,
} from '../../../shared/model';
import type { Message } from '../../core/message';
import type { MessageSendStream } from '../../core/streams';
import { Backoff, type BackoffOptions } from '../../drivers/backoff';
import { redactUrl } from '../../drivers/http';
import { abandonClient } from '../../drivers/mqtt-driver';
import type { Service, ServiceContext } from '../service';
import { parsePublishUrl, publishedTd, topicSegment, Topics, type PublishTarget } from './topics';

export const PUBLISHER_SERVICE_NAME = 'mqtt-publisher';
const SETTINGS_FILE = 'mqtt-publisher.json';

/** Bounds on what peers on the broker can make the publisher do or hold. */
export interface PublisherLimits {
  /** Largest request (write value, action input) taken. */
  maxRequestBytes: number;
  /** Requests being served at once; more are refused with a reply. */
  maxConcurrentRequests: number;
  /** Bytes waiting in the socket above which property updates are held (and conflated). */
  highWaterBytes: number;
  /** Largest MQTT packet accepted from the broker. */
  maxPacketBytes: number;
}

export const DEFAULT_PUBLISHER_LIMITS: PublisherLimits = {
  maxRequestBytes: 64 * 1024,
  maxConcurrentRequests: 32,
  highWaterBytes: 1024 * 1024,
  maxPacketBytes: 256 * 1024,
};

export interface MqttPublisherOptions {
  /** From the command line: publish to this broker for this run (the saved setting is not used). */
  url?: string;
  writable?: boolean;
  credentials?: Credentials;
  /** 5 (the default, falls back to 3.1.1 when the broker refuses it) or 4 (3.1.1 only). */
  protocolVersion?: 4 | 5;
  /** Extra CA certificates (PEM) for mqtts:// brokers with a private CA. */
  ca?: string | Buffer;
  backoff?: BackoffOptions;
  limits?: Partial<PublisherLimits>;
}

const SavedSettings = z.object({ version: z.literal(1), url: z.string().nullable(), writable: z.boolean() });

interface Shared {
  segment: string;
  tdText: string;
  /** Retained topics of this Thing, cleared when it goes away. */
  retainedTopics: Set<string>;
}

interface Queued {
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

const nowIso = (now: number): string => new Date(now).toISOString();

/**
 * Shares Lab Monitor's Things (simulated and remote, not those it watches through MQTT itself)
 * as W3C WoT Things on an MQTT broker: a retained TD with MQTT forms per Thing, retained last
 * values and connection states, invocation progress, and a retained publisher state whose
 * Last Will says `disconnected` when Lab Monitor goes away. With `writable`, peers may write
 * and invoke on the request topics; on MQTT 5 they get the outcome on their response topic.
 *
 * Property updates are conflated per topic while the socket is busy, so a slow broker costs
 * memory bounded by the number of properties, never a growing queue.
 */
export class MqttPublisher implements Service {
  readonly name = PUBLISHER_SERVICE_NAME;
  private readonly disposables = new DisposableStore();
  /** Held strongly: the broker keeps sinks weakly. */
  private readonly sink: MessageSendStream = { sendNowait: (message) => this.onMessage(message) };
  private readonly limits: PublisherLimits;
  private readonly backoff: Backoff;
  private settings: { url: string | null; writable: boolean; credentials?: Credentials; source: PublisherStatus['source'] };
  private target?: PublishTarget;
  private topics?: Topics;
  private client?: MqttClient;
  private version: 4 | 5;
  private state: ConnectionState;
  private timer: unknown;
  private readonly things = new Map<string, Shared>();
  private readonly bySegment = new Map<string, string>();
  /** Every retained message as last sent, sent again after a reconnect. */
  private readonly retained = new Map<string, string>();
  private readonly queue = new Map<string, Queued>();
  private flushScheduled = false;
  private waitingForDrain = false;
  private inFlight = 0;
  private published = 0;
  private conflated = 0;
  private stopped = false;
  private generation = 0;

  constructor(
    private readonly context: ServiceContext,
    private readonly options: MqttPublisherOptions = {},
  ) {
    this.limits = { ...DEFAULT_PUBLISHER_LIMITS, ...options.limits };
    this.backoff = new Backoff(options.backoff);
    this.version = options.protocolVersion ?? 5;
    this.settings = options.url
      ? { url: options.url, writable: options.writable ?? false, credentials: options.credentials, source: 'command-line' }
      : { url: null, writable: false, source: 'none' };
    this.state = this.makeState('disconnected', 'not publishing');
  }

  async start(): Promise<void> {
    this.disposables.add(this.context.broker.subscribe(ANY_THING, ANY_AFFORDANCE, this.sink));
    if (this.settings.source === 'none') {
      const saved = await this.load();
      if (saved?.url) this.settings = { url: saved.url, writable: saved.writable, source: 'settings' };
    }
    this.apply();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.disposables.dispose();
    await this.disconnect('Lab Monitor stopped');
  }

  status(): PublisherStatus {
    return {
      url: this.settings.url === null ? null : redactUrl(this.settings.url),
      prefix: this.topics?.prefix ?? null,
      writable: this.settings.writable,
      source: this.settings.source,
      connection: this.state,
      protocolVersion: this.client?.connected ? this.version : null,
      things: [...this.things.keys()],
      published: this.published,
      conflated: this.conflated,
    };
  }

  /** From the settings UI: publish elsewhere (or stop), saved in the data folder. */
  async configure(next: PublisherSettings): Promise<PublisherStatus> {
    if (next.url !== null) {
      try {
        parsePublishUrl(next.url);
      } catch (error) {
        throw new LabError('INVALID_ARGUMENT', `publish URL: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    let url = next.url;
    let credentials = next.credentials;
    if (url !== null) {
      // User info in the URL moves to the credentials: the URL is shown, logged and saved.
      const parsed = new URL(url);
      if (parsed.username || parsed.password) {
        credentials ??= { scheme: 'basic', username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
        parsed.username = '';
        parsed.password = '';
        url = parsed.toString();
      }
    }
    await this.disconnect(url === null ? 'sharing was stopped' : 'publishing elsewhere');
    this.settings = { url, writable: next.writable, credentials, source: url === null ? 'none' : 'settings' };
    await this.save();
    this.apply();
    return this.status();
  }

  // ---- connection ------------------------------------------------------------------------

  private apply(): void {
    if (this.stopped) return;
    const url = this.settings.url;
    if (url === null) {
      this.setState('disconnected', 'not publishing');
      return;
    }
    try {
      this.target = parsePublishUrl(url);
    } catch (error) {
      this.setState('disconnected', `bad publish URL: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.topics = new Topics(this.target.prefix);
    this.things.clear();
    this.bySegment.clear();
    this.retained.clear();
    this.queue.clear();
    this.sync();
    this.connect();
  }

  private clientOptions(topics: Topics): IClientOptions {
    const credentials = this.settings.credentials;
    return {
      clientId: `lab-monitor-pub-${randomBytes(6).toString('hex')}`,
      protocolVersion: this.version,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      clean: true,
      queueQoSZero: false,
      resubscribe: false,
      will: {
        topic: topics.status,
        payload: Buffer.from(JSON.stringify({ status: 'disconnected', reason: 'Lab Monitor went away' })),
        qos: 1,
        retain: true,
      },
      ...(this.version === 5 ? { properties: { maximumPacketSize: this.limits.maxPacketBytes } } : {}),
      ...(credentials?.scheme === 'basic' ? { username: credentials.username, password: credentials.password } : {}),
      ...(credentials?.scheme === 'bearer' ? { username: 'token', password: credentials.token } : {}),
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    };
  }

  private connect(): void {
    const target = this.target;
    const topics = this.topics;
    if (!target || !topics || this.stopped) return;
    const generation = ++this.generation;
    this.setState('connecting', this.state.status === 'disconnected' ? this.state.reason : undefined);
    const client = mqtt.connect(`${target.protocol}//${target.host}`, this.clientOptions(topics));
    this.client = client;
    client.on('connect', () => {
      if (generation !== this.generation) return;
      this.backoff.reset();
      this.setState('connected');
      this.context.logger.info(`publishing ${this.things.size} Thing(s) to ${redactUrl(this.settings.url ?? '')} under ${topics.prefix}/`);
      this.publishRetained(topics.status, JSON.stringify({ status: 'connected', since: nowIso(this.context.clock.now()) }));
      // The broker may have lost everything (no persistence): send every retained message again.
      for (const [topic, payload] of this.retained) this.enqueue(topic, payload, 1, true);
      if (this.settings.writable) {
        client.subscribe(topics.requestFilters, { qos: 1 }, (error) => {
          if (error) this.context.logger.warn(`publisher: subscribing to requests failed: ${error.message}`);
        });
      }
    });
    client.on('message', (topic, payload, packet) => void this.onRequest(topic, payload, packet));
    client.on('error', (error) => {
      const code = (error as { code?: unknown }).code;
      if (this.version === 5 && this.options.protocolVersion !== 5 && (code === 1 || code === 132)) this.version = 4;
      this.lost(generation, error.message);
    });
    client.on('close', () => this.lost(generation, 'connection closed'));
    client.stream?.on?.('drain', () => this.onDrain());
  }

  private lost(generation: number, reason: string): void {
    if (generation !== this.generation || this.stopped || this.timer !== undefined) return;
    const delay = this.backoff.next();
    this.setState('disconnected', reason, delay);
    const client = this.client;
    this.client = undefined;
    if (client) void abandonClient(client);
    this.timer = this.context.clock.setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, delay);
  }

  private async disconnect(reason: string): Promise<void> {
    this.generation += 1;
    this.context.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    const topics = this.topics;
    if (client?.connected && topics) {
      // A clean goodbye says what the Will would have said.
      await client
        .publishAsync(topics.status, JSON.stringify({ status: 'disconnected', reason, since: nowIso(this.context.clock.now()) }), { qos: 1, retain: true })
        .catch(() => {});
    }
    if (client) await abandonClient(client);
    this.setState('disconnected', reason);
  }

  private setState(status: ConnectionStatus, reason?: string, delay?: number): void {
    this.state = this.makeState(status, reason, delay);
  }

  private makeState(status: ConnectionStatus, reason?: string, delay?: number): ConnectionState {
    const now = this.context.clock.now();
    return {
      status,
      since: nowIso(now),
      ...(reason !== undefined ? { reason } : {}),
      ...(delay !== undefined ? { nextAttempt: nowIso(now + delay) } : {}),
    };
  }

  // ---- what goes out ---------------------------------------------------------------------

  /** Things come and go: publish the TDs of new ones, clear what the gone ones left. */
  private sync(): void {
    const topics = this.topics;
    const target = this.target;
    if (!topics || !target) return;
    const present = new Set<string>();
    for (const driver of this.context.registry.all()) {
      // Things watched through MQTT are someone else's to publish (and would loop back).
      if (driver.source === 'mqtt') continue;
      present.add(driver.name);
      let shared = this.things.get(driver.name);
      if (!shared) {
        let segment = topicSegment(driver.name);
        for (let n = 2; this.bySegment.has(segment); n += 1) segment = `${topicSegment(driver.name)}-${n}`;
        shared = { segment, tdText: '', retainedTopics: new Set() };
        this.things.set(driver.name, shared);
        this.bySegment.set(segment, driver.name);
      }
      const td = publishedTd(driver.describe(), {
        target,
        topics,
        segment: shared.segment,
        name: driver.name,
        writable: this.settings.writable,
        basicAuth: this.settings.credentials?.scheme === 'basic',
        replies: this.version === 5,
      });
      const text = JSON.stringify(td);
      if (text !== shared.tdText) {
        shared.tdText = text;
        this.publishRetained(topics.td(shared.segment), text, shared);
      }
      if (!shared.retainedTopics.has(topics.connection(shared.segment))) {
        this.publishRetained(topics.connection(shared.segment), JSON.stringify(driver.connection()), shared);
      }
    }
    for (const [name, shared] of [...this.things]) {
      if (present.has(name)) continue;
      this.things.delete(name);
      this.bySegment.delete(shared.segment);
      // An empty retained message removes the retained one: the TD first, so watchers drop it.
      for (const topic of [topics.td(shared.segment), ...shared.retainedTopics]) {
        this.retained.delete(topic);
        this.enqueue(topic, '', 1, true);
      }
    }
  }

  private publishRetained(topic: string, payload: string, shared?: Shared): void {
    this.retained.set(topic, payload);
    shared?.retainedTopics.add(topic);
    this.enqueue(topic, payload, 1, true);
  }

  private onMessage(message: Message): void {
    if (message.thing === LAB_THING) {
      if (message.affordance === THINGS_AFFORDANCE) this.sync();
      return;
    }
    const topics = this.topics;
    const shared = this.things.get(message.thing);
    if (!topics || !shared) return;
    if (message.affordance === CONNECTION_AFFORDANCE) {
      this.publishRetained(topics.connection(shared.segment), JSON.stringify(message.payload), shared);
      return;
    }
    if (message.affordance.startsWith('$')) return;
    if (message.messageType === 'property') {
      const topic = topics.property(shared.segment, message.affordance);
      const payload = JSON.stringify(message.payload ?? null);
      this.retained.set(topic, payload);
      shared.retainedTopics.add(topic);
      this.enqueue(topic, payload, 0, true);
    } else {
      // Invocation progress is an ordered stream: never conflated, dropped while disconnected.
      const client = this.client;
      if (!client?.connected) return;
      client.publish(topics.invocation(shared.segment, message.affordance), JSON.stringify(message.payload), { qos: 1 });
      this.published += 1;
    }
  }

  private enqueue(topic: string, payload: string, qos: 0 | 1, retain: boolean): void {
    if (this.queue.has(topic)) this.conflated += 1;
    // Re-inserted at the end, so topics leave in the order of their latest change.
    this.queue.delete(topic);
    this.queue.set(topic, { payload, qos, retain });
    if (!this.flushScheduled && !this.waitingForDrain) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const client = this.client;
    if (!client?.connected) return; // kept (bounded by the topic count) until the next connect
    const stream = client.stream as { writableLength?: number } | undefined;
    for (const [topic, item] of this.queue) {
      if ((stream?.writableLength ?? 0) > this.limits.highWaterBytes) {
        this.waitingForDrain = true;
        return;
      }
      this.queue.delete(topic);
      client.publish(topic, item.payload, { qos: item.qos, retain: item.retain });
      this.published += 1;
    }
  }

  private onDrain(): void {
    if (!this.waitingForDrain) return;
    this.waitingForDrain = false;
    this.flush();
  }

  // ---- what comes in (writable only) -----------------------------------------------------

  private async onRequest(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    const topics = this.topics;
    if (!topics || !this.settings.writable || !topic.startsWith(`${topics.prefix}/things/`)) return;
    const parts = topic.slice(topics.prefix.length + '/things/'.length).split('/');
    const responseTopic = packet.properties?.responseTopic;
    const correlationData = packet.properties?.correlationData;
    const reply = (result: Result<unknown>): void => {
      const client = this.client;
      if (!client?.connected || typeof responseTopic !== 'string') return;
      if (responseTopic.length > 1024 || /[+#]/.test(responseTopic) || (correlationData && correlationData.length > 1024)) return;
      client.publish(responseTopic, JSON.stringify(result), { qos: 1, properties: correlationData ? { correlationData } : {} });
    };
    const fail = (code: LabErrorData['code'], message: string): void => reply({ ok: false, error: { code, message } });

    const thing = this.bySegment.get(parts[0] ?? '');
    if (!thing) return fail('NOT_FOUND', `no Thing on ${topic}`);
    if (payload.length > this.limits.maxRequestBytes) return fail('INVALID_ARGUMENT', `request larger than ${this.limits.maxRequestBytes} bytes`);
    if (this.inFlight >= this.limits.maxConcurrentRequests) return fail('DRIVER_FAULT', 'too many requests at once; try again');
    let body: unknown = null;
    const text = payload.toString('utf8');
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return fail('INVALID_ARGUMENT', 'the request is not JSON');
      }
    }
    const td = this.context.registry.has(thing) ? this.context.registry.get(thing).describe() : undefined;
    const bySegment = (names: string[], segment: string | undefined): string | undefined => names.find((name) => topicSegment(name) === segment);
    let call: { channel: string; request: unknown } | undefined;
    if (parts.length === 4 && parts[1] === 'properties' && parts[3] === 'writeproperty') {
      const property = bySegment(Object.keys(td?.properties ?? {}), parts[2]);
      if (property) call = { channel: 'lab:property:write', request: { thing, property, value: body } };
    } else if (parts.length === 3 && parts[1] === 'actions') {
      const action = bySegment(Object.keys(td?.actions ?? {}), parts[2]);
      if (action) call = { channel: 'lab:action:invoke', request: { thing, action, input: body } };
    } else if (parts.length === 4 && parts[1] === 'actions' && parts[3] === 'cancel') {
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id === 'string') call = { channel: 'lab:action:cancel', request: { thing, id } };
      else return fail('INVALID_ARGUMENT', 'a cancel needs {"id": "<invocation id>"}');
    }
    if (!call) return fail('NOT_FOUND', `nothing to do on ${topic}`);
    this.inFlight += 1;
    try {
      const caller = { role: 'operator' as const, label: `mqtt ${redactUrl(this.settings.url ?? '')}` };
      const result = this.context.call ? await this.context.call(call.channel, call.request, caller) : await this.direct(call.channel, call.request);
      reply(result);
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Without the core's router (tests of the service alone): straight to the driver. */
  private async direct(channel: string, request: unknown): Promise<Result<unknown>> {
    const r = request as { thing: string; property?: string; value?: unknown; action?: string; input?: unknown; id?: string };
    try {
      const driver = this.context.registry.get(r.thing);
      if (channel === 'lab:property:write') return { ok: true, value: (await driver.writeProperty(r.property ?? '', r.value)) ?? null };
      if (channel === 'lab:action:invoke') return { ok: true, value: await driver.invokeAction(r.action ?? '', r.input) };
      return { ok: true, value: await driver.cancelInvocation(r.id ?? '') };
    } catch (error) {
      return { ok: false, error: error instanceof LabError ? error.toData() : { code: 'INTERNAL', message: String(error) } };
    }
  }

  // ---- settings --------------------------------------------------------------------------

  private async load(): Promise<z.infer<typeof SavedSettings> | undefined> {
    if (!this.context.dataDir) return undefined;
    try {
      const parsed = SavedSettings.safeParse(JSON.parse(await readFile(join(this.context.dataDir, SETTINGS_FILE), 'utf8')));
      if (parsed.success) return parsed.data;
      this.context.logger.warn(`publisher settings in ${SETTINGS_FILE} are invalid; not publishing`);
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) {
        this.context.logger.warn(`publisher settings cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return undefined;
  }

  /** Owner-only, atomic; credentials are never written (they are given again after a restart). */
  private async save(): Promise<void> {
    if (!this.context.dataDir) return;
    await mkdir(this.context.dataDir, { recursive: true });
    const saved: z.infer<typeof SavedSettings> = { version: 1, url: this.settings.url, writable: this.settings.writable };
    await writeFileAtomic(join(this.context.dataDir, SETTINGS_FILE), `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  }
}

/** Finds the publisher among the running services. */
export function isMqttPublisher(service: Service): service is MqttPublisher {
  return service instanceof MqttPublisher;
}

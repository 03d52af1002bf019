import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LabError } from '../../../shared/errors';
import {
  EVENTS_AFFORDANCE,
  ExportRequest as ExportRequestSchema,
  type EventKind,
  type EventsRequest,
  type EventsResponse,
  type ExportRequest,
  type HistoryEvent,
  type RecorderStatus,
  type SeriesRequest,
  type SeriesResponse,
} from '../../../shared/history';
import {
  ActionEventPayload,
  ALARM_AFFORDANCE,
  CONNECTION_AFFORDANCE,
  ConnectionState,
  LAB_THING,
  THINGS_AFFORDANCE,
  WRITE_AFFORDANCE,
  ANY_AFFORDANCE,
  ANY_THING,
  type InvocationStatus,
} from '../../../shared/model';
import { toIso } from '../../core/clock';
import { Message } from '../../core/message';
import { DELIVERY_TARGET, type MessageSendStream } from '../../core/streams';
import type { HistoryProvider, HistoryService, ServiceContext } from '../service';
import { RECORDINGS_FOLDER, RECORDING_FILE } from './database';
import type { AppendBatch, EventRow, FromWorker, QueryOp, QueryOps, SeriesRow, TdRow, ToWorker } from './protocol';
import type { RetentionSettings } from './queries';
import { DEFAULT_RETENTION, loadRecorderSettings } from './settings';
import { actionSummary, alarmSummary, connectionSummary, propertySummary, writeSummary, type WritePayload } from './summaries';

export interface RecorderOptions {
  /** The recording file; `<dataDir>/recordings/recording.duckdb` by default. */
  file?: string;
  /** Retention; read from `<dataDir>/recorder.json` (written with the defaults) when absent. */
  retention?: Partial<RetentionSettings>;
  /** How often batches go to the database thread, which flushes each at once (100 ms). */
  batchMs?: number;
  /** Numeric property changes on the timeline at most this often per property (10 s); every update is recorded regardless. */
  numericEventSpacingMs?: number;
  /** How often retention runs (10 min); it also runs at start. */
  retentionIntervalMs?: number;
  /** After a write failure, how often writing is tried again (10 s). */
  resumeIntervalMs?: number;
  /** The worker script; found next to the built app, or the TypeScript source under tsx. */
  workerFile?: string;
}

const NUMERIC_CAPACITY = 65_536;
/** Batches sent but not yet written: beyond this the database thread has fallen behind and updates are dropped (counted). */
const MAX_IN_FLIGHT = 100;
const OPEN_TIMEOUT_MS = 20_000;
const CLOSE_TIMEOUT_MS = 15_000;
const MAX_DETAIL_CHARS = 1_000_000;

/** The worker script: the built `recorder-worker.js` next to the app, else this folder's TypeScript through tsx. */
function startWorker(explicit: string | undefined): Worker {
  const built = [explicit, join(__dirname, 'recorder-worker.js'), join(__dirname, '..', 'recorder-worker.js')].find(
    (candidate): candidate is string => candidate !== undefined && candidate.endsWith('.js') && existsSync(candidate),
  );
  if (built) return new Worker(built);
  const source = explicit ?? join(__dirname, 'worker.ts');
  const tsx = createRequire(join(__dirname, 'recorder.ts')).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, { eval: true });
}

interface PropertyState {
  sid: number;
  /** Last value put on the timeline, and when. */
  eventValue: unknown;
  eventAt: number;
  /** Last value seen (to tell changes from repeats). */
  last: unknown;
  seen: boolean;
  /** A change the timeline spacing held back, logged once the spacing has passed. */
  held: { value: unknown; at: number } | undefined;
}

/**
 * The recorder: a main-side service that keeps everything the broker carries in a DuckDB
 * file (see database.ts) and answers the history calls. The main thread only sorts each
 * message into column buffers (numbers as numbers) and summary rows; every `batchMs` the
 * buffers go to a worker thread that appends and flushes them, so recording never blocks
 * the main thread on the disk. A write failure pauses recording (counted, shown in the
 * header) and writing is retried; the live view is never affected.
 */
export class Recorder implements HistoryService {
  readonly name = 'recorder';
  readonly history: HistoryProvider;
  private readonly file: string | undefined;
  private readonly options: RecorderOptions;
  private worker: Worker | undefined;
  private state: RecorderStatus['state'] = 'off';
  private reason: string | undefined = undefined;
  private retention: RetentionSettings = { ...DEFAULT_RETENTION };
  private unsubscribe: (() => void) | undefined;
  /** Held strongly here: the broker holds sinks weakly. */
  private readonly sink: MessageSendStream;
  private readonly properties = new Map<string, Map<string, PropertyState>>();
  private nextSid = 1;
  private nextEventId = 1;
  private newSeries: SeriesRow[] = [];
  private numT = new Float64Array(NUMERIC_CAPACITY);
  private numSid = new Int32Array(NUMERIC_CAPACITY);
  private numV = new Float64Array(NUMERIC_CAPACITY);
  private numLength = 0;
  private valT: number[] = [];
  private valSid: number[] = [];
  private valJson: string[] = [];
  private events: EventRow[] = [];
  private liveEvents: HistoryEvent[] = [];
  private tds: TdRow[] = [];
  private readonly tdText = new Map<string, string>();
  private readonly units = new Map<string, Map<string, string>>();
  private readonly connection = new Map<string, string>();
  private readonly actionStatus = new Map<string, InvocationStatus>();
  private inFlight = 0;
  private dropped = 0;
  private recorded = 0;
  private batchTimer: ReturnType<typeof setInterval> | undefined;
  private retentionTimer: ReturnType<typeof setInterval> | undefined;
  private resumeTimer: ReturnType<typeof setTimeout> | undefined;
  private queryId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private opened: ((message: FromWorker) => void) | undefined;
  private closed: (() => void) | undefined;
  private figures: { at: number; value: QueryOps['figures']['result'] } | undefined;
  private stopping = false;

  constructor(
    private readonly context: ServiceContext,
    options: RecorderOptions = {},
  ) {
    this.options = options;
    this.file = options.file ?? (context.dataDir === undefined ? undefined : join(context.dataDir, RECORDINGS_FOLDER, RECORDING_FILE));
    if (this.file === undefined) this.reason = 'no data folder: nothing is recorded';
    // The broker calls the target without a WeakRef.deref() per update; it holds the recorder,
    // never the sink, so the sink's lifetime stays the recorder's.
    const target: MessageSendStream = { sendNowait: (message: Message) => this.receive(message) };
    this.sink = { sendNowait: target.sendNowait, [DELIVERY_TARGET]: target };
    this.history = {
      series: (request) => this.series(request),
      events: (request) => this.queryEvents(request),
      status: () => this.status(),
      exportTo: (request, file) => this.exportTo(request, file),
    };
  }

  /** Updates recorded (numbers, other values, events, TDs) so far, and lost so far. */
  get counts(): { recorded: number; dropped: number } {
    return { recorded: this.recorded, dropped: this.dropped };
  }

  async start(): Promise<void> {
    if (this.file === undefined) return;
    const { logger } = this.context;
    const dataDir = this.context.dataDir;
    this.retention = {
      ...(dataDir !== undefined && this.options.retention === undefined ? await loadRecorderSettings(dataDir, logger) : DEFAULT_RETENTION),
      ...this.options.retention,
    };
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    } catch (error) {
      this.pause(`cannot create the recordings folder ${dirname(this.file)}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const worker = startWorker(this.options.workerFile);
    this.worker = worker;
    worker.on('message', (message: FromWorker) => this.fromWorker(message));
    worker.on('error', (error) => {
      logger.error('the recorder thread failed', error);
      this.lost(`the recorder thread failed: ${error.message}`);
    });
    worker.on('exit', (code) => {
      this.worker = undefined;
      if (!this.stopping && this.state === 'recording') this.lost(`the recorder thread stopped (exit code ${code})`);
      this.closed?.();
    });
    const opened = await new Promise<FromWorker | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), OPEN_TIMEOUT_MS);
      this.opened = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
      this.post({ type: 'open', file: this.file as string });
    });
    this.opened = undefined;
    if (opened?.type !== 'opened') {
      const why = opened === undefined ? 'opening the recording timed out' : opened.type === 'open-failed' ? opened.message : 'unexpected reply';
      const locked = opened?.type === 'open-failed' && opened.locked;
      this.state = 'paused';
      this.reason = locked
        ? `another Lab Monitor is recording into ${dirname(this.file)}; this one does not record (${why})`
        : `cannot open the recording ${this.file}: ${why}`;
      logger.error(`recorder: ${this.reason}`);
      await this.terminate();
      return;
    }
    if (opened.movedAside) {
      logger.error(
        `recorder: the recording ${this.file} could not be read (${opened.movedAside.reason}); it was moved to ${opened.movedAside.to} and a new recording was started`,
      );
    }
    for (const row of opened.series) {
      this.propertiesOf(row.thing).set(row.property, this.freshProperty(row.sid));
      this.nextSid = Math.max(this.nextSid, row.sid + 1);
    }
    this.nextEventId = opened.lastEventId + 1;
    this.state = 'recording';
    this.reason = undefined;
    logger.info(`recording into ${this.file}`);

    // What is in force now: every Thing's description and connection.
    for (const driver of this.context.registry.all()) {
      this.recordConnection(driver.name, driver.connection(), true);
      void this.recordTd(driver.name);
    }
    this.unsubscribe = this.context.broker.subscribe(ANY_THING, ANY_AFFORDANCE, this.sink);
    this.batchTimer = setInterval(() => this.flushBatch(), this.options.batchMs ?? 100);
    this.batchTimer.unref?.();
    void this.runRetention();
    this.retentionTimer = setInterval(() => void this.runRetention(), this.options.retentionIntervalMs ?? 600_000);
    this.retentionTimer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.batchTimer);
    clearInterval(this.retentionTimer);
    clearTimeout(this.resumeTimer);
    if (!this.worker) return;
    if (this.state === 'recording') {
      // The Things are no longer watched from here on: charts show a gap, not a line across.
      for (const [thing, status] of this.connection) {
        if (status === 'connected') this.recordConnection(thing, { status: 'disconnected', reason: 'Lab Monitor stopped', since: toIso(this.context.clock.now()) }, true);
      }
      this.flushBatch();
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      this.closed = () => {
        clearTimeout(timer);
        resolve();
      };
      this.post({ type: 'close' });
    });
    await this.terminate();
    this.state = 'off';
    this.reason = 'stopped';
  }

  /** Tests: every write fails with `message` until called with null (a full disk, a yanked drive). */
  injectWriteFault(message: string | null): void {
    this.post({ type: 'inject-fault', message });
  }

  /** Rolls the recording up to `now` at once (tests and benchmarks; it runs every 10 s by itself). */
  async rollUpNow(now = Date.now()): Promise<number> {
    await this.settled();
    return this.ask('rollup', { now });
  }

  /** Sends what is buffered now (tests and benchmarks; normally every batchMs). */
  flush(): void {
    this.flushBatch();
  }

  /** Resolves once everything sent so far is written (or failed). */
  async settled(): Promise<void> {
    this.flushBatch();
    while (this.inFlight > 0 && this.worker) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  // ---------------------------------------------------------------- receiving

  private receive(message: Message): void {
    if (this.state !== 'recording') {
      if (this.state === 'paused' && this.worker) this.dropped++;
      return;
    }
    const { thing, affordance } = message;
    if (thing === LAB_THING) {
      if (affordance === THINGS_AFFORDANCE) this.onThingList(message.payload);
      return;
    }
    if (message.messageType === 'action') return this.recordAction(thing, affordance, message.payload);
    switch (affordance) {
      case CONNECTION_AFFORDANCE:
        return this.recordConnection(thing, message.payload, false);
      case WRITE_AFFORDANCE:
        return this.recordWrite(thing, message.payload);
      case ALARM_AFFORDANCE:
        return this.addEvent(thing, 'alarm', affordance, alarmSummary(message.payload), message.payload);
    }
    if (affordance.startsWith('$')) return;
    this.recordValue(thing, affordance, message.payload);
  }

  private recordValue(thing: string, property: string, value: unknown): void {
    const now = this.context.clock.now();
    const state = this.propertyState(thing, property);
    if (typeof value === 'number') {
      if (this.inFlight >= MAX_IN_FLIGHT) {
        this.dropped++;
        return;
      }
      const n = this.numLength;
      this.numT[n] = now;
      this.numSid[n] = state.sid;
      this.numV[n] = value;
      this.numLength = n + 1;
      if (this.numLength === NUMERIC_CAPACITY) this.flushBatch();
    } else {
      if (this.inFlight >= MAX_IN_FLIGHT) {
        this.dropped++;
        return;
      }
      const json = JSON.stringify(value) ?? 'null';
      this.valT.push(now);
      this.valSid.push(state.sid);
      this.valJson.push(json);
    }
    // The timeline: changes only; numbers sampled so a 100 Hz value does not flood it.
    const changed = !state.seen || !Object.is(state.last, value);
    state.last = value;
    state.seen = true;
    if (!changed || (typeof value === 'object' && value !== null)) return;
    const spacing = typeof value === 'number' ? (this.options.numericEventSpacingMs ?? 10_000) : 0;
    if (Object.is(state.eventValue, value)) {
      state.held = undefined;
    } else if (now - state.eventAt >= spacing) {
      state.held = undefined;
      this.propertyEvent(thing, property, state, value, now);
    } else {
      state.held = { value, at: now };
    }
  }

  private propertyEvent(thing: string, property: string, state: PropertyState, value: unknown, at: number): void {
    state.eventValue = value;
    state.eventAt = at;
    this.addEvent(thing, 'property', property, propertySummary(property, value, this.units.get(thing)?.get(property)), value, at);
  }

  private recordAction(thing: string, affordance: string, payload: unknown): void {
    const parsed = ActionEventPayload.safeParse(payload);
    if (!parsed.success) return;
    const { invocation, newLog } = parsed.data;
    const before = this.actionStatus.get(invocation.id);
    const changed = before !== invocation.status;
    if (['completed', 'cancelled', 'error'].includes(invocation.status)) this.actionStatus.delete(invocation.id);
    else {
      this.actionStatus.set(invocation.id, invocation.status);
      if (this.actionStatus.size > 2000) {
        const oldest = this.actionStatus.keys().next().value;
        if (oldest !== undefined) this.actionStatus.delete(oldest);
      }
    }
    // Transitions and log lines; progress alone is not a transition.
    if (!changed && newLog.length === 0) return;
    this.addEvent(thing, 'action', affordance, actionSummary(parsed.data, changed), payload);
  }

  private recordConnection(thing: string, payload: unknown, force: boolean): void {
    const parsed = ConnectionState.safeParse(payload);
    if (!parsed.success) return;
    const before = this.connection.get(thing);
    this.connection.set(thing, parsed.data.status);
    if (!force && before === parsed.data.status) return;
    this.addEvent(thing, 'connection', CONNECTION_AFFORDANCE, connectionSummary(parsed.data), parsed.data);
  }

  private recordWrite(thing: string, payload: unknown): void {
    if (typeof payload !== 'object' || payload === null) return;
    const write = payload as Partial<WritePayload>;
    if (typeof write.property !== 'string') return;
    const full: WritePayload = {
      property: write.property,
      value: write.value,
      ok: write.ok !== false,
      ...(typeof write.error === 'string' ? { error: write.error } : {}),
      by: typeof write.by === 'string' ? write.by : 'unknown',
      role: typeof write.role === 'string' ? write.role : 'unknown',
    };
    this.addEvent(thing, 'write', write.property, writeSummary(full, this.units.get(thing)?.get(write.property)), payload);
  }

  private onThingList(payload: unknown): void {
    if (!Array.isArray(payload)) return;
    for (const entry of payload) {
      const name = typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined;
      if (typeof name === 'string') void this.recordTd(name);
    }
  }

  /** Records the Thing's description when it is new or changed (titles and units for any past time). */
  private async recordTd(thing: string): Promise<void> {
    if (!this.context.registry.has(thing)) return;
    let td: unknown;
    try {
      td = await this.context.registry.get(thing).describe();
    } catch {
      return; // not described yet (a remote Thing still connecting): recorded with the next list
    }
    const text = JSON.stringify(td);
    if (this.tdText.get(thing) === text || this.state !== 'recording') return;
    this.tdText.set(thing, text);
    const units = new Map<string, string>();
    const properties = (td as { properties?: Record<string, { unit?: unknown }> }).properties ?? {};
    for (const [name, affordance] of Object.entries(properties)) {
      if (typeof affordance?.unit === 'string') units.set(name, affordance.unit);
    }
    this.units.set(thing, units);
    this.tds.push({ t: this.context.clock.now(), thing, td: text });
  }

  private addEvent(thing: string, kind: EventKind, affordance: string, summary: string, payload: unknown, at = this.context.clock.now()): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.dropped++;
      return;
    }
    let detail = JSON.stringify(payload) ?? 'null';
    if (detail.length > MAX_DETAIL_CHARS) detail = JSON.stringify({ truncated: true, bytes: detail.length });
    const id = this.nextEventId++;
    this.events.push({ id, t: at, thing, kind, affordance, summary, detail });
    this.liveEvents.push({ id: String(id), time: toIso(at), thing, kind, affordance, summary, detail: JSON.parse(detail) as unknown });
  }

  private freshProperty(sid: number): PropertyState {
    return { sid, eventValue: undefined, eventAt: -Infinity, last: undefined, seen: false, held: undefined };
  }

  private propertiesOf(thing: string): Map<string, PropertyState> {
    let map = this.properties.get(thing);
    if (!map) this.properties.set(thing, (map = new Map()));
    return map;
  }

  private propertyState(thing: string, property: string): PropertyState {
    const map = this.propertiesOf(thing);
    let state = map.get(property);
    if (!state) {
      state = this.freshProperty(this.nextSid++);
      map.set(property, state);
      this.newSeries.push({ sid: state.sid, thing, property });
    }
    return state;
  }

  // ---------------------------------------------------------------- batches

  private flushBatch(): void {
    if (this.state !== 'recording' || !this.worker) return;
    const now = this.context.clock.now();
    const spacing = this.options.numericEventSpacingMs ?? 10_000;
    for (const [thing, map] of this.properties) {
      for (const [property, state] of map) {
        const held = state.held;
        if (held === undefined || now - state.eventAt < (typeof held.value === 'number' ? spacing : 0)) continue;
        state.held = undefined;
        this.propertyEvent(thing, property, state, held.value, held.at);
      }
    }
    const n = this.numLength;
    if (n === 0 && this.valT.length === 0 && this.events.length === 0 && this.tds.length === 0 && this.newSeries.length === 0) return;
    const batch: AppendBatch = {
      type: 'append',
      series: this.newSeries,
      numT: this.numT.slice(0, n),
      numSid: this.numSid.slice(0, n),
      numV: this.numV.slice(0, n),
      valT: this.valT,
      valSid: this.valSid,
      valJson: this.valJson,
      events: this.events,
      tds: this.tds,
    };
    this.newSeries = [];
    this.numLength = 0;
    this.valT = [];
    this.valSid = [];
    this.valJson = [];
    this.events = [];
    this.tds = [];
    this.inFlight++;
    this.worker.postMessage(batch, [batch.numT.buffer as ArrayBuffer, batch.numSid.buffer as ArrayBuffer, batch.numV.buffer as ArrayBuffer]);
    if (this.liveEvents.length > 0) {
      const events = this.liveEvents;
      this.liveEvents = [];
      // Every window's timeline appends these; ids match what the history call returns.
      this.context.broker.publish(new Message({ thing: LAB_THING, affordance: EVENTS_AFFORDANCE, messageType: 'property', payload: events }));
    }
  }

  private fromWorker(message: FromWorker): void {
    switch (message.type) {
      case 'opened':
      case 'open-failed':
        this.opened?.(message);
        return;
      case 'appended':
        this.inFlight = Math.max(0, this.inFlight - 1);
        this.recorded += message.rows;
        return;
      case 'write-failed':
        this.inFlight = Math.max(0, this.inFlight - 1);
        this.dropped += message.lost;
        this.pause(`cannot write to the recording: ${message.message}`);
        return;
      case 'resume-failed':
        this.pause(`cannot write to the recording: ${message.message}`, false);
        return;
      case 'resumed':
        if (this.state === 'paused') {
          this.state = 'recording';
          this.reason = undefined;
          this.context.logger.info('recorder: writing works again; recording resumed');
        }
        return;
      case 'reply': {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) waiting?.resolve(message.value);
        else waiting?.reject(new LabError(message.error.code, message.error.message));
        return;
      }
      case 'closed':
        this.closed?.();
        return;
    }
  }

  private pause(reason: string, log = this.state === 'recording'): void {
    this.state = 'paused';
    this.reason = reason;
    if (log) this.context.logger.error(`recorder: ${reason}; recording is paused and will be tried again`);
    // What was buffered cannot be written now.
    this.dropped += this.numLength + this.valT.length + this.events.length;
    this.numLength = 0;
    this.valT = [];
    this.valSid = [];
    this.valJson = [];
    this.events = [];
    this.liveEvents = [];
    // Unsent TDs and series go with the next successful batch.
    if (!this.worker) return;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      if (this.state === 'paused' && this.worker && !this.stopping) {
        // Still failing: the reply pauses again and schedules the next try.
        this.post({ type: 'resume' });
      }
    }, this.options.resumeIntervalMs ?? 10_000);
    this.resumeTimer.unref?.();
  }

  private lost(reason: string): void {
    this.state = 'paused';
    this.reason = reason;
    this.inFlight = 0;
    for (const { reject } of this.pending.values()) reject(new LabError('INTERNAL', reason));
    this.pending.clear();
  }

  private async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private post(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private ask<K extends QueryOp>(op: K, args: QueryOps[K]['args']): Promise<QueryOps[K]['result']> {
    const worker = this.worker;
    if (!worker || this.state === 'off') {
      return Promise.reject(new LabError('NOT_FOUND', `no history: ${this.reason ?? 'the recorder is not running'}`));
    }
    const id = ++this.queryId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ type: 'query', id, op, args } as ToWorker);
    });
  }

  // ---------------------------------------------------------------- history

  private async series(request: SeriesRequest): Promise<SeriesResponse> {
    const from = Date.parse(request.from);
    const to = Date.parse(request.to);
    if (!(to >= from)) throw new LabError('INVALID_ARGUMENT', '"to" must not be before "from"');
    await this.settled();
    return this.ask('series', { series: request.series, from, to, maxPoints: request.maxPoints });
  }

  private async queryEvents(request: EventsRequest): Promise<EventsResponse> {
    let before: number | undefined;
    if (request.before !== undefined) {
      before = Number(request.before);
      if (!Number.isSafeInteger(before)) throw new LabError('INVALID_ARGUMENT', `"before" must be an event id, got "${request.before.slice(0, 40)}"`);
    }
    await this.settled();
    return this.ask('events', {
      ...(request.from !== undefined ? { from: Date.parse(request.from) } : {}),
      ...(request.to !== undefined ? { to: Date.parse(request.to) } : {}),
      ...(before !== undefined ? { before } : {}),
      ...(request.things ? { things: request.things } : {}),
      ...(request.kinds ? { kinds: request.kinds } : {}),
      ...(request.text !== undefined ? { text: request.text } : {}),
      limit: request.limit ?? 200,
    });
  }

  private async exportTo(request: ExportRequest, file: string): Promise<{ rows: number; bytes: number }> {
    const parsed = ExportRequestSchema.parse(request);
    const from = Date.parse(parsed.from);
    const to = Date.parse(parsed.to);
    if (!(to >= from)) throw new LabError('INVALID_ARGUMENT', '"to" must not be before "from"');
    await this.settled();
    return this.ask('export', {
      query: { from, to, format: parsed.format, ...(parsed.things ? { things: parsed.things } : {}), ...(parsed.series ? { series: parsed.series } : {}) },
      file,
    });
  }

  async status(): Promise<RecorderStatus> {
    const now = this.context.clock.now();
    if (this.worker && this.state !== 'off' && (!this.figures || now - this.figures.at > 5000)) {
      try {
        this.figures = { at: now, value: await this.ask('figures', {}) };
      } catch {
        // the figures stay as they were; the state says what is wrong
      }
    }
    const figures = this.figures?.value;
    return {
      state: this.state,
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
      since: figures?.since === null || figures?.since === undefined ? null : toIso(figures.since),
      bytes: figures?.fileBytes ?? 0,
      details: { dropped: this.dropped, maxAgeDays: this.retention.maxAgeDays, maxBytes: this.retention.maxBytes },
    };
  }

  private async runRetention(): Promise<void> {
    if (this.state !== 'recording') return;
    try {
      const outcome = await this.ask('retention', { ...this.retention, now: this.context.clock.now() });
      if (outcome.cutoff !== null) this.context.logger.info(`recorder: retention removed everything before ${toIso(outcome.cutoff)}`);
      this.figures = undefined;
    } catch (error) {
      this.context.logger.warn('recorder: retention failed', error);
    }
  }
}

export function createRecorder(context: ServiceContext, options?: RecorderOptions): Recorder {
  return new Recorder(context, options);
}

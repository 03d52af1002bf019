import {
  isCallChannel,
  isViewerAllowed,
  parseRequest,
  type CallChannel,
  type CallRequest,
  type CallResponse,
  type LiveBatch,
  type Role,
} from '../../shared/contract';
import { compareIso } from '../../shared/time';
import { LabError, toErrorData, type Result } from '../../shared/errors';
import {
  ANY_AFFORDANCE,
  CONNECTION_AFFORDANCE,
  FRESHNESS_AFFORDANCE,
  LAB_THING,
  LAYOUTS_AFFORDANCE,
  THINGS_AFFORDANCE,
  WRITE_AFFORDANCE,
  type FreshnessMap,
  type Invocation,
} from '../../shared/model';
import type { ExportFormat } from '../../shared/history';
import { MessageBroker } from '../core/broker';
import { redactUrl } from '../drivers/http';
import { Message, type Publisher } from '../core/message';
import { createLiveChannel, type LiveBroker, type LiveChannel, type LiveChannelOptions } from '../core/live-channel';
import { consoleLogger, rateLimitedLogger, type Logger } from '../core/logger';
import { systemClock } from '../core/clock';
import { LayoutStore } from '../services/layouts/layout-store';
import { layoutFileName } from '../../shared/layout';
import { hasHistory, type HistoryProvider, type Service, type ServiceContext } from '../services/service';
import { AlarmService } from '../services/alarms';
import { ALARMS_STATE_AFFORDANCE, ALARMS_THING, emptyCounts, type AlarmSnapshot } from '../../shared/alarms';
import type { Subscribable } from '../core/ports';
import { isMqttPublisher } from '../services/mqtt-publisher/mqtt-publisher';
import type { ThingDriver } from '../things/driver';
import { ThingRegistry } from '../things/registry';
import { defaultInstruments, simulatedThings, type InstrumentsApi, type InstrumentsContext } from './instrument-setup';

export interface LabBroker extends LiveBroker, Publisher {
  closeStreams?(): void;
  hasSubscribers?(thing: string, affordance: string): boolean;
}

export interface LabCoreOptions {
  /** Path of an instrument config file, or the config itself; the default config when absent. */
  instrumentConfig?: string | object;
  /** Remote instruments to add at start (LabThings, WoT or MQTT URLs). */
  connect?: string[];
  /** Where the instrument manager persists the instruments the operator added. */
  settingsPath?: string;
  /** Longest wait between reconnect attempts of remote instruments (2 s when absent). */
  reconnectMaxMs?: number;
  logger?: Logger;
  /**
   * The remote-instrument manager, or a factory that builds it from the core's parts;
   * an InstrumentManager by default, `false` for none.
   */
  instruments?: false | InstrumentsApi | ((context: InstrumentsContext) => InstrumentsApi | Promise<InstrumentsApi>);
  /** The broker to use; a new MessageBroker when absent. */
  broker?: LabBroker;
  /** Builds the local Things; the simulated instruments of `instrumentConfig` when absent. */
  things?: (publisher: Publisher) => ThingDriver[] | Promise<ThingDriver[]>;
  /**
   * The folder for everything Lab Monitor keeps (recordings, rules, layouts): the user's data
   * folder in the desktop app, `--data DIR`; undefined keeps nothing on disk.
   */
  dataDir?: string;
  /** Builds the main-side services (recorder, alarms, publishers), started after the Things. */
  services?: (context: ServiceContext) => Service[] | Promise<Service[]>;
  /**
   * Asks the operator where to save an export (the desktop's save dialog); resolves with the
   * chosen path, or undefined when cancelled. Without it `lab:history:export` is refused
   * (browser mode downloads exports over HTTP instead).
   */
  chooseExportFile?: (suggestedName: string, caller: Caller) => Promise<string | undefined>;
}

/** One connected window or browser client: its own live channel, the shared call router. */
export interface LabClient {
  call(channel: unknown, rawRequest: unknown): Promise<Result<unknown>>;
  readonly live: LiveChannel;
  readonly caller: Caller;
  dispose(): void;
}

export type LabClientOptions = Omit<LiveChannelOptions, 'broker' | 'logger' | 'send'> & {
  send: (batch: LiveBatch) => void;
  /** What this client may do; an operator when absent. */
  role?: Role;
  /** How logs and records name this client (a window id, a remote address); generated when absent. */
  label?: string;
};

/** Who is calling: every handler gets it (the recorder notes who wrote, roles gate what is allowed). */
export interface Caller {
  /** The caller's live channel; absent for calls that come from no client (tests, the core itself). */
  live: LiveChannel | undefined;
  role: Role;
  label: string;
}

const CORE_CALLER: Caller = { live: undefined, role: 'operator', label: 'core' };

/** The part of the core a transport needs. */
export interface ClientFactory {
  openClient(options: LabClientOptions): LabClient;
}

export interface LabCore extends ClientFactory {
  readonly broker: LabBroker;
  readonly registry: ThingRegistry;
  /**
   * Routes one call from any transport: checks the channel and the request, dispatches,
   * and returns the outcome as data. Never throws. Live (un)subscribe needs a client.
   */
  handleCall(channel: unknown, rawRequest: unknown): Promise<Result<unknown>>;
  /** The recorder's answers (series, events, status, export), when a recording service runs. */
  readonly history: HistoryProvider | undefined;
  /** Opens a client with its own live channel; dispose it when the window or socket goes. */
  dispose(): Promise<void>;
}

/** One handler per call channel; each gets the caller (its live channel, role and label). */
type Handlers = {
  [C in CallChannel]: (request: CallRequest<C>, caller: Caller) => Promise<CallResponse<C>> | CallResponse<C>;
};

function needLive(live: LiveChannel | undefined, channel: CallChannel): LiveChannel {
  if (!live) throw new LabError('INVALID_ARGUMENT', `${channel} needs a live client`);
  return live;
}

const noInstruments = (): never => {
  throw new LabError('INTERNAL', 'remote instruments are not available in this build');
};

const noAlarms = (): never => {
  throw new LabError('NOT_FOUND', 'alarms are not evaluated in this build');
};

const EMPTY_ALARMS: AlarmSnapshot = { time: new Date(0).toISOString(), alarms: [], omitted: 0, counts: emptyCounts(), things: {}, notices: [] };

const noRecorder = (): never => {
  throw new LabError('NOT_FOUND', 'history is not recorded in this build');
};

/** `lab-monitor-2026-03-14T15-09.csv`: the start of the range, safe in every file system. */
export function exportFileName(format: ExportFormat, from: string): string {
  const stamp = new Date(Date.parse(from)).toISOString().slice(0, 16).replace(/:/g, '-');
  return `lab-monitor-${stamp}${format === 'parquet' ? '.parquet' : format === 'csv-wide' ? '-wide.csv' : '.csv'}`;
}

/**
 * The composition root shared by the desktop app and browser mode: broker, Thing registry,
 * simulated Things and (when given) the remote-instrument manager, started and routed.
 */
export async function createLabCore(options: LabCoreOptions = {}): Promise<LabCore> {
  // Peers can cause log lines (bad frames, bad values): each cause gets a few lines per minute.
  const logger = rateLimitedLogger(options.logger ?? consoleLogger);
  const broker = options.broker ?? new MessageBroker({ logger });
  const registry = new ThingRegistry(broker);
  const clients = new Set<LabClient>();
  let clientCount = 0;

  const things = options.things ? await options.things(broker) : simulatedThings(options.instrumentConfig, broker);
  for (const thing of things) registry.add(thing);
  const started = await Promise.allSettled(things.map((thing) => thing.start()));
  started.forEach((outcome, index) => {
    if (outcome.status === 'rejected') logger.error(`Thing "${things[index]?.name}" failed to start`, outcome.reason);
  });

  // Services start before the remote instruments connect, so they see every first value.
  const serviceContext: ServiceContext = {
    broker,
    registry,
    logger,
    clock: systemClock,
    dataDir: options.dataDir,
    // Calls made for peers (an MQTT write) go through the same router as every client's.
    call: (channel, request, { role, label }) => route(channel, request, { live: undefined, role, label }),
  };
  const layouts = new LayoutStore(serviceContext);
  const services = [layouts, ...(options.services ? await options.services(serviceContext) : [])];
  const runningServices: Service[] = [];
  for (const service of services) {
    try {
      await service.start();
      runningServices.push(service);
    } catch (error) {
      logger.error(`service "${service.name}" failed to start`, error);
    }
  }

  const history = runningServices.find(hasHistory)?.history;
  // The alarm state reaches every client on ('$alarms', 'state'): a key of its own broker, so
  // the snapshots go to windows only (the transitions themselves are on the main broker).
  const alarms = runningServices.find((service): service is AlarmService => service instanceof AlarmService);
  const alarmStates = new MessageBroker({ logger });
  const alarmSnapshotMessage = (): Message =>
    new Message({ thing: ALARMS_THING, affordance: ALARMS_STATE_AFFORDANCE, messageType: 'property', payload: alarms?.snapshot() ?? EMPTY_ALARMS });
  const stopAlarmPush = alarms?.onSnapshot(() => alarmStates.publish(alarmSnapshotMessage()));
  const liveBroker: Subscribable = {
    subscribe: (thing, affordance, stream) => (thing === ALARMS_THING ? alarmStates : broker).subscribe(thing, affordance, stream),
    unsubscribe: (thing, affordance, stream) => (thing === ALARMS_THING ? alarmStates : broker).unsubscribe(thing, affordance, stream),
  };
  const alarmsOrFail = (): AlarmService => alarms ?? noAlarms();

  const context: InstrumentsContext = { broker, registry, settingsPath: options.settingsPath, logger, reconnectMaxMs: options.reconnectMaxMs };
  const instrumentsOption = options.instruments ?? defaultInstruments;
  const instruments =
    instrumentsOption === false
      ? undefined
      : typeof instrumentsOption === 'function'
        ? await instrumentsOption(context)
        : instrumentsOption;

  // Connecting is slow and may fail; instruments show their state in the app, so the core
  // does not wait for them.
  instruments?.start?.().catch((error: unknown) => logger.error('loading the saved instruments failed', error));
  const connect = options.connect ?? [];
  if (connect.length > 0) {
    // URLs may carry user info (credentials): only redacted ones reach the log.
    if (!instruments) logger.warn(`cannot connect to ${connect.map(redactUrl).join(', ')}: remote instruments are not available`);
    else if (instruments.connectAll) instruments.connectAll(connect).catch((error: unknown) => logger.error('--connect failed', error));
    else for (const url of connect) instruments.add(url).catch((error: unknown) => logger.error(`--connect ${redactUrl(url)} failed`, error));
  }

  const listAllInvocations = async (): Promise<Invocation[]> => {
    const lists = await Promise.allSettled(registry.all().map((driver) => driver.listInvocations()));
    return lists
      .flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []))
      .sort((a, b) => compareIso(a.timeRequested, b.timeRequested));
  };

  const handlers: Handlers = {
    'lab:things:list': () => registry.summaries(),
    'lab:things:describe': ({ thing }) => registry.get(thing).describe(),
    'lab:property:read': ({ thing, property }) => registry.get(thing).readProperty(property),
    'lab:property:write': async ({ thing, property, value }, caller) => {
      const driver = registry.get(thing);
      // Every operator write travels on the broker too, with its outcome and who made it.
      const announce = (outcome: { ok: true } | { ok: false; error: string }): void =>
        broker.publish(
          new Message({ thing, affordance: WRITE_AFFORDANCE, messageType: 'property', payload: { property, value, ...outcome, by: caller.label, role: caller.role } }),
        );
      try {
        await driver.writeProperty(property, value);
      } catch (error) {
        announce({ ok: false, error: error instanceof Error ? error.message : String(error) });
        throw error;
      }
      announce({ ok: true });
      return null;
    },
    'lab:action:invoke': ({ thing, action, input }) => registry.get(thing).invokeAction(action, input),
    'lab:action:cancel': ({ thing, id }) => registry.get(thing).cancelInvocation(id),
    'lab:invocations:list': ({ thing }) => (thing === undefined ? listAllInvocations() : registry.get(thing).listInvocations()),
    'lab:invocations:get': ({ thing, id }) => registry.get(thing).getInvocation(id),
    'lab:live:subscribe': (key, { live }) => {
      const channel = needLive(live, 'lab:live:subscribe');
      channel.subscribe(key);
      // States that change rarely are sent at once, so a change made just before this
      // subscription is never missed (a Thing connecting while the page subscribes).
      const current = currentState(key);
      if (current) channel.inject(current);
      return null;
    },
    'lab:live:unsubscribe': (key, { live }) => {
      needLive(live, 'lab:live:unsubscribe').unsubscribe(key);
      return null;
    },
    'lab:live:ack': ({ seq }, { live }) => {
      needLive(live, 'lab:live:ack').ack(seq);
      return null;
    },
    'lab:instruments:list': () => instruments?.list() ?? [],
    'lab:instruments:add': ({ url, credentials }) => (instruments ?? noInstruments()).add(url, credentials),
    'lab:instruments:remove': async ({ id }) => {
      await (instruments ?? noInstruments()).remove(id);
      return null;
    },
    'lab:history:series': (request) => (history ?? noRecorder()).series(request),
    'lab:history:events': (request) => (history ?? noRecorder()).events(request),
    'lab:recorder:status': () => history?.status() ?? { state: 'off', reason: 'no recorder in this build', since: null, bytes: 0 },
    'lab:history:export': async (request, caller) => {
      const recorder = history ?? noRecorder();
      if (!options.chooseExportFile) throw new LabError('INVALID_ARGUMENT', 'this host has no save dialog: download the export instead');
      const path = await options.chooseExportFile(exportFileName(request.format, request.from), caller);
      if (path === undefined) return { path: null, rows: 0, bytes: 0 };
      const written = await recorder.exportTo(request, path);
      return { path, ...written };
    },
    'lab:layouts:list': () => layouts.list(),
    // Who may change layouts is said once, in the contract (they are not viewer-allowed).
    'lab:layouts:create': ({ body }) => layouts.create(body),
    'lab:layouts:edit': ({ id, body }) => layouts.edit(id, body),
    'lab:layouts:save': ({ id }) => layouts.save(id),
    'lab:layouts:revert': ({ id }) => layouts.revert(id),
    'lab:layouts:duplicate': ({ id, name }) => layouts.duplicate(id, name),
    'lab:layouts:delete': async ({ id }) => {
      await layouts.remove(id);
      return null;
    },
    'lab:layouts:export': ({ id }) => layouts.export(id),
    'lab:layouts:import': ({ file }) => layouts.import(file),
    'lab:layouts:saveFile': async ({ id }, caller) => {
      if (!options.chooseExportFile) throw new LabError('INVALID_ARGUMENT', 'this host has no save dialog: download the export instead');
      const path = await options.chooseExportFile(layoutFileName(layouts.export(id).layout.name), caller);
      if (path === undefined) return { path: null };
      await layouts.exportTo(id, path);
      return { path };
    },
    'lab:client:info': (_request, { role, label }) => ({ role, label }),
    'lab:alarms:list': ({ thing }) => alarms?.list(thing) ?? [],
    'lab:alarms:snapshot': () => alarms?.snapshot() ?? EMPTY_ALARMS,
    'lab:alarms:acknowledge': ({ ids, note }, caller) => {
      return { acknowledged: alarmsOrFail().acknowledge(ids, caller.label, note) };
    },
    'lab:alarms:shelve': ({ id, durationSec, reason }, caller) => {
      return alarmsOrFail().shelve(id, durationSec, reason, caller.label);
    },
    'lab:alarms:unshelve': ({ id }, caller) => {
      return alarmsOrFail().unshelve(id, caller.label);
    },
    'lab:alarms:disable': ({ id, reason }, caller) => {
      return alarmsOrFail().disable(id, caller.label, reason);
    },
    'lab:alarms:enable': ({ id }, caller) => {
      return alarmsOrFail().enable(id, caller.label);
    },
    'lab:alarms:rules:get': ({ thing }) => alarmsOrFail().getRules(thing),
    'lab:alarms:rules:set': ({ thing, rules }, caller) => {
      return alarmsOrFail().setRules(thing, rules, caller.label);
    },
    'lab:alarms:suggest': ({ thing, property }) => alarmsOrFail().suggest(thing, property),
    'lab:publisher:status': () => publisher().status(),
    'lab:publisher:configure': (settings) => publisher().configure(settings),
    'lab:instruments:retry': (request) => {
      if ('thing' in request) {
        const driver = registry.get(request.thing);
        if (driver.connection().status !== 'disconnected') return { retried: false };
        if (driver.retryNow) {
          driver.retryNow();
          return { retried: true };
        }
        // Things that share one connection (an MQTT broker) retry through their instrument.
        const owner = instruments?.list().find((instrument) => instrument.things.includes(request.thing));
        return { retried: owner !== undefined && (instruments?.retry?.(owner.id) ?? false) };
      }
      return { retried: (instruments?.retry ?? noInstruments)(request.id) };
    },
  };

  function publisher() {
    const found = runningServices.find(isMqttPublisher);
    if (!found) throw new LabError('NOT_FOUND', 'sharing through MQTT is not available in this build');
    return found;
  }

  /** How a Thing keeps its properties fresh: its driver's word, else every property pushed. */
  function freshnessOf(thing: string): FreshnessMap {
    const driver = registry.get(thing);
    const own = driver.freshness?.();
    if (own) return own;
    const all: FreshnessMap = {};
    for (const [name, affordance] of Object.entries(driver.describe().properties)) {
      all[name] = affordance.writeOnly === true ? { mode: 'on-demand' } : { mode: 'pushed' };
    }
    return all;
  }

  function currentState({ thing, affordance }: { thing: string; affordance: string }): Message | undefined {
    if (thing === ALARMS_THING && (affordance === ALARMS_STATE_AFFORDANCE || affordance === ANY_AFFORDANCE)) return alarmSnapshotMessage();
    if (thing === LAB_THING && affordance === THINGS_AFFORDANCE) {
      return new Message({ thing, affordance, messageType: 'property', payload: registry.summaries() });
    }
    if (thing === LAB_THING && affordance === LAYOUTS_AFFORDANCE) {
      return new Message({ thing, affordance, messageType: 'property', payload: layouts.list() });
    }
    if ((affordance === CONNECTION_AFFORDANCE || affordance === ANY_AFFORDANCE) && registry.has(thing)) {
      const payload = registry.get(thing).connection();
      return new Message({ thing, affordance: CONNECTION_AFFORDANCE, messageType: 'property', payload });
    }
    if (affordance === FRESHNESS_AFFORDANCE && registry.has(thing)) {
      return new Message({ thing, affordance: FRESHNESS_AFFORDANCE, messageType: 'property', payload: freshnessOf(thing) });
    }
    return undefined;
  }

  async function dispatch<C extends CallChannel>(channel: C, rawRequest: unknown, caller: Caller): Promise<Result<unknown>> {
    // The one place that says who may do what: the contract marks what viewers may call.
    if (caller.role !== 'operator' && !isViewerAllowed(channel)) {
      return { ok: false, error: { code: 'FORBIDDEN', message: `${channel} needs an operator; this client (${caller.label}) only watches` } };
    }
    const parsed = parseRequest(channel, rawRequest);
    if (!parsed.ok) return parsed;
    try {
      const handler: Handlers[C] = handlers[channel];
      return { ok: true, value: await handler(parsed.value, caller) };
    } catch (error) {
      return { ok: false, error: toErrorData(error) };
    }
  }

  const route = async (channel: unknown, rawRequest: unknown, caller: Caller): Promise<Result<unknown>> => {
    if (!isCallChannel(channel)) {
      const shown = typeof channel === 'string' ? `"${channel.slice(0, 100)}"` : typeof channel;
      return { ok: false, error: { code: 'INVALID_ARGUMENT', message: `unknown call channel ${shown}` } };
    }
    try {
      return await dispatch(channel, rawRequest, caller);
    } catch (error) {
      return { ok: false, error: toErrorData(error) };
    }
  };

  let disposed = false;
  return {
    broker,
    registry,
    history,
    handleCall: (channel, rawRequest) => route(channel, rawRequest, CORE_CALLER),
    openClient({ role = 'operator', label, ...clientOptions }) {
      const live = createLiveChannel({ ...clientOptions, broker: liveBroker, logger });
      const caller: Caller = { live, role, label: label ?? `client-${++clientCount}` };
      const client: LabClient = {
        live,
        caller,
        call: (channel, rawRequest) => route(channel, rawRequest, caller),
        dispose() {
          clients.delete(client);
          live.dispose();
        },
      };
      clients.add(client);
      return client;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const client of [...clients]) client.dispose();
      stopAlarmPush?.();
      try {
        await instruments?.stop?.();
      } catch (error) {
        logger.warn('stopping remote instruments failed', error);
      }
      await registry.stopAll();
      // Last, so they record the Things going away; in reverse order of starting.
      for (const service of runningServices.reverse()) {
        try {
          await service.stop();
        } catch (error) {
          logger.warn(`stopping service "${service.name}" failed`, error);
        }
      }
      broker.closeStreams?.();
    },
  };
}

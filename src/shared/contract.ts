import { z } from 'zod';
import { LabErrorData, type Result } from './errors';
import { Layout, LayoutBody, LayoutExport } from './layout';
import { EventsRequest, EventsResponse, ExportRequest, ExportResult, RecorderStatus, SeriesRequest, SeriesResponse } from './history';
import { ConnectionState, Invocation, MessageType, ThingDescription, ThingSummary } from './model';
import { Alarm, AlarmRule, AlarmSnapshot, MAX_RULES_PER_THING, MAX_SHELVE_SEC, RuleSuggestion, ThingRules } from './alarms';

/**
 * The one IPC contract. Two shapes cross a process boundary: a call (request → Result) and
 * a listen (the live batch stream). Every channel carries the `lab:` prefix; both sides
 * refuse others. Main (and the browser-mode server) parse every request with these schemas.
 */
export const CHANNEL_PREFIX = 'lab:';

const name = z.string().min(1).max(200);
const thingRef = z.object({ thing: name });
const affordanceKey = z.object({ thing: name, affordance: name });

/** What a client may do: an operator writes, runs and configures; a viewer only watches. */
export const Role = z.enum(['operator', 'viewer']);
export type Role = z.infer<typeof Role>;

export const ClientInfo = z.object({ role: Role, label: z.string() });
export type ClientInfo = z.infer<typeof ClientInfo>;

/** A remote instrument the operator added (persisted in the settings file). */
export const Instrument = z.object({
  id: z.string(),
  url: z.string(),
  /** The driver kind that connected it (an id of src/main/drivers/kinds.ts: labthings, wot, mqtt…). */
  kind: z.string().min(1).max(50),
  /** Names of the Things it brought in (empty until its first successful connect). */
  things: z.array(z.string()),
  connection: ConnectionState,
});
export type Instrument = z.infer<typeof Instrument>;

export const Credentials = z.discriminatedUnion('scheme', [
  z.object({ scheme: z.literal('nosec') }),
  z.object({ scheme: z.literal('basic'), username: z.string(), password: z.string() }),
  z.object({ scheme: z.literal('bearer'), token: z.string() }),
]);
export type Credentials = z.infer<typeof Credentials>;

/** The MQTT publisher: which broker it shares Lab Monitor's Things through, and how it is doing. */
export const PublisherStatus = z.object({
  /** `mqtt(s)://broker[:port]/prefix` without credentials; null when not publishing. */
  url: z.string().nullable(),
  /** The topic prefix everything is published under. */
  prefix: z.string().nullable(),
  /** Whether peers on the broker may write properties and invoke actions. */
  writable: z.boolean(),
  /** Where the setting comes from: the command line (this run only) or the saved settings. */
  source: z.enum(['command-line', 'settings', 'none']),
  connection: ConnectionState,
  /** MQTT version of the broker connection (5 or 4 = 3.1.1), once connected. */
  protocolVersion: z.number().int().nullable(),
  things: z.array(z.string()),
  /** Messages handed to the broker, and property updates replaced by a newer one before they left. */
  published: z.number().int().nonnegative(),
  conflated: z.number().int().nonnegative(),
});
export type PublisherStatus = z.infer<typeof PublisherStatus>;

export const PublisherSettings = z.object({
  /** `mqtt(s)://broker[:port][/prefix]`, or null to stop publishing. */
  url: z.string().max(2000).nullable(),
  writable: z.boolean(),
  credentials: Credentials.optional(),
});
export type PublisherSettings = z.infer<typeof PublisherSettings>;
/**
 * Who may make each call. The default is **operator required**: a call is open to viewers only
 * when its entry says `viewer: true` (reads, subscriptions, history). Everything that writes,
 * invokes, cancels, adds or removes instruments or changes configuration leaves it out, so a
 * call added later is refused to viewers until someone decides otherwise.
 */
const viewer = true as const;

export const calls = {
  'lab:things:list': { request: z.object({}), response: z.array(ThingSummary), viewer },
  'lab:things:describe': { request: thingRef, response: ThingDescription, viewer },
  'lab:property:read': { request: z.object({ thing: name, property: name }), response: z.unknown(), viewer },
  'lab:property:write': { request: z.object({ thing: name, property: name, value: z.unknown() }), response: z.null() },
  'lab:action:invoke': { request: z.object({ thing: name, action: name, input: z.unknown() }), response: Invocation },
  'lab:action:cancel': { request: z.object({ thing: name, id: name }), response: Invocation },
  'lab:invocations:list': { request: z.object({ thing: name.optional() }), response: z.array(Invocation), viewer },
  'lab:invocations:get': { request: z.object({ thing: name, id: name }), response: Invocation, viewer },
  'lab:live:subscribe': { request: affordanceKey, response: z.null(), viewer },
  'lab:live:unsubscribe': { request: affordanceKey, response: z.null(), viewer },
  /** The renderer has applied live batches up to `seq`: main paces its flushes by this. */
  'lab:live:ack': { request: z.object({ seq: z.number().int().nonnegative() }), response: z.null(), viewer },
  'lab:instruments:list': { request: z.object({}), response: z.array(Instrument), viewer },
  'lab:instruments:add': {
    request: z.object({ url: z.url(), credentials: Credentials.optional() }),
    response: Instrument,
  },
  'lab:instruments:remove': { request: z.object({ id: name }), response: z.null() },
  /** The recorder: history reduced for charts, the event timeline, its own state. */
  'lab:history:series': { request: SeriesRequest, response: SeriesResponse, viewer },
  'lab:history:events': { request: EventsRequest, response: EventsResponse, viewer },
  'lab:recorder:status': { request: z.object({}), response: RecorderStatus, viewer },
  /** Who this client is to the server: the renderer hides what its role may not do. */
  'lab:client:info': { request: z.object({}), response: ClientInfo, viewer },
  /** Desktop: asks where to save (a dialog in main) and writes the export there. Browser mode downloads EXPORT_PATH instead. */
  'lab:history:export': { request: ExportRequest, response: ExportResult, viewer },
  /** Alarms (see shared/alarms.ts); every window also gets the snapshot live on ('$alarms', 'state'). */
  'lab:alarms:list': { request: z.object({ thing: name.optional() }), response: z.array(Alarm), viewer },
  'lab:alarms:snapshot': { request: z.object({}), response: AlarmSnapshot, viewer },
  /** Operators only. Acknowledges those of the alarms that need it; returns how many did. */
  'lab:alarms:acknowledge': {
    request: z.object({ ids: z.array(name).min(1).max(MAX_RULES_PER_THING), note: z.string().max(500).optional() }),
    response: z.object({ acknowledged: z.number().int().nonnegative() }),
  },
  /** Operators only. Sets an alarm aside for `durationSec` (up to 7 days); it comes back by itself. */
  'lab:alarms:shelve': {
    request: z.object({ id: name, durationSec: z.number().min(1).max(MAX_SHELVE_SEC), reason: z.string().trim().min(1).max(500) }),
    response: Alarm,
  },
  'lab:alarms:unshelve': { request: z.object({ id: name }), response: Alarm },
  /** Operators only. A disabled alarm is not evaluated until enabled (kept in the rules file). */
  'lab:alarms:disable': { request: z.object({ id: name, reason: z.string().max(500).optional() }), response: Alarm },
  'lab:alarms:enable': { request: z.object({ id: name }), response: Alarm },
  'lab:alarms:rules:get': { request: thingRef, response: ThingRules, viewer },
  /** Operators only. Replaces the rules of one Thing (saved in the data folder). */
  'lab:alarms:rules:set': { request: z.object({ thing: name, rules: z.array(AlarmRule).max(MAX_RULES_PER_THING) }), response: ThingRules },
  /** Suggested values for a new rule: from the property's schema and its observed update rate. */
  'lab:alarms:suggest': { request: z.object({ thing: name, property: name }), response: RuleSuggestion, viewer },
  /** Layouts, shared by every window and client; viewers may list and export only. */
  'lab:layouts:list': { request: z.object({}), response: z.array(Layout), viewer },
  'lab:layouts:create': { request: z.object({ body: LayoutBody }), response: Layout },
  /** Replaces the working copy; Save makes it the saved one, Revert drops it. */
  'lab:layouts:edit': { request: z.object({ id: name, body: LayoutBody }), response: Layout },
  'lab:layouts:save': { request: z.object({ id: name }), response: Layout },
  'lab:layouts:revert': { request: z.object({ id: name }), response: Layout },
  'lab:layouts:duplicate': { request: z.object({ id: name, name: z.string().trim().min(1).max(100).optional() }), response: Layout },
  'lab:layouts:delete': { request: z.object({ id: name }), response: z.null() },
  'lab:layouts:export': { request: z.object({ id: name }), response: LayoutExport, viewer },
  'lab:layouts:import': { request: z.object({ file: LayoutExport }), response: Layout },
  /**
   * The desktop app: a layout's export written to a file the operator picks in a save dialog
   * (null when cancelled). Browser mode downloads the export instead.
   */
  'lab:layouts:saveFile': { request: z.object({ id: name }), response: z.object({ path: z.string().nullable() }), viewer },
  /** Sharing Lab Monitor's Things through an MQTT broker. */
  'lab:publisher:status': { request: z.object({}), response: PublisherStatus, viewer },
  'lab:publisher:configure': { request: PublisherSettings, response: PublisherStatus },
  /**
   * A disconnected instrument tries again now instead of at its next attempt: a Thing by
   * name, or an instrument (all its Things) by id. Answers whether an attempt was started.
   */
  'lab:instruments:retry': {
    request: z.union([z.object({ thing: name }), z.object({ id: name })]),
    response: z.object({ retried: z.boolean() }),
  },
} as const;

export type CallChannel = keyof typeof calls;

/** True when a viewer may make this call (its entry says `viewer: true`); everything else needs an operator. */
export const isViewerAllowed = (channel: CallChannel): boolean => Reflect.get(calls[channel], 'viewer') === true;
export type CallRequest<C extends CallChannel> = z.infer<(typeof calls)[C]['request']>;
export type CallResponse<C extends CallChannel> = z.infer<(typeof calls)[C]['response']>;

export const CALL_CHANNELS = Object.keys(calls) as CallChannel[];
export const isCallChannel = (channel: unknown): channel is CallChannel =>
  typeof channel === 'string' && Object.hasOwn(calls, channel);

/** One live update: a broker message as it crosses to a window. */
export const LiveItem = z.object({
  thing: z.string(),
  affordance: z.string(),
  messageType: MessageType,
  payload: z.unknown(),
  /** Per (thing, affordance) on this channel, starting at 1; a jump means conflated or dropped. */
  seq: z.number().int().positive(),
  /** Publish time in ms since the epoch (main's clock), for ages and latency. */
  time: z.number(),
});
export type LiveItem = z.infer<typeof LiveItem>;

/** The listen channel: one batch per flush, in order (over IPC as its LiveFrame, below). */
export const LIVE_BATCH_CHANNEL = 'lab:live:batch';
export const LiveBatch = z.object({
  /** Batch number on this channel, starting at 1. */
  seq: z.number().int().positive(),
  items: z.array(LiveItem),
  /** Property updates replaced by a newer value for the same key since the last batch. */
  conflated: z.number().int().nonnegative(),
  /** Messages lost since the last batch (broker drops, overflow): never silent. */
  dropped: z.number().int().nonnegative(),
});
export type LiveBatch = z.infer<typeof LiveBatch>;

/** Largest key id a live frame may use: an encoder that would pass it starts its ids afresh. */
export const MAX_LIVE_KEY_ID = 100_000;

/**
 * `[id, thing, affordance, messageType]`: from this frame on, on this connection, `id` stands
 * for that key. Sent in the first frame that uses the id; an id announced again means the new
 * key from then on (an encoder that started afresh).
 */
export const LiveKeyAnnouncement = z.tuple([z.number().int().positive().max(MAX_LIVE_KEY_ID), z.string(), z.string(), MessageType]);
export type LiveKeyAnnouncement = z.infer<typeof LiveKeyAnnouncement>;

/**
 * A live batch as it crosses a transport (WebSocket and Electron IPC alike): the same batch,
 * with each key sent once per connection as a small id, and the items as parallel columns
 * (`ids[i]`, `seqs[i]`, `times[i]`, `payloads[i]` are item i). src/shared/live-wire.ts encodes
 * and decodes it; listeners only ever see the `LiveBatch` it stands for.
 */
export const LiveFrame = z.object({
  seq: z.number().int().positive(),
  conflated: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  /** Announcements of the ids this frame uses for the first time, before any item. */
  keys: z.array(LiveKeyAnnouncement),
  ids: z.array(z.number().int().positive().max(MAX_LIVE_KEY_ID)),
  seqs: z.array(z.number().int().positive()),
  times: z.array(z.number()),
  payloads: z.array(z.unknown()),
});
export type LiveFrame = z.infer<typeof LiveFrame>;

/** What the preload exposes as `window.lab`, and what the WebSocket client implements too. */
export interface LabApi {
  call<C extends CallChannel>(channel: C, request: CallRequest<C>): Promise<Result<CallResponse<C>>>;
  /** Listens to live batches; returns the disposer. */
  onLiveBatch(listener: (batch: LiveBatch) => void): () => void;
  /** 'electron' in the desktop app, 'browser' over WebSocket. */
  readonly host: 'electron' | 'browser';
}

/** Parses a response on the receiving side; a malformed one becomes an INTERNAL error. */
export function parseResult<C extends CallChannel>(channel: C, raw: unknown): Result<CallResponse<C>> {
  const shape = z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value: calls[channel].response }),
    z.object({ ok: z.literal(false), error: LabErrorData }),
  ]);
  const parsed = shape.safeParse(raw);
  if (parsed.success) return parsed.data as Result<CallResponse<C>>;
  return { ok: false, error: { code: 'INTERNAL', message: `malformed reply on ${channel}: ${parsed.error.message}` } };
}

/** Parses a request at the trust boundary. */
export function parseRequest<C extends CallChannel>(
  channel: C,
  raw: unknown,
): { ok: true; value: CallRequest<C> } | { ok: false; error: LabErrorData } {
  const parsed = calls[channel].request.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data as CallRequest<C> };
  return { ok: false, error: { code: 'INVALID_ARGUMENT', message: `bad request on ${channel}: ${z.prettifyError(parsed.error)}` } };
}

/**
 * The browser-mode wire protocol (JSON text frames over one WebSocket at `/ws?token=…`):
 * the same two shapes as IPC. The page and the socket both need the access token.
 */
export const WS_PATH = '/ws';
/** GET with the token in ACCESS_HEADER: 204 while it is valid, 401 once refused (a restarted server). */
export const ACCESS_PATH = '/access';
export const ACCESS_HEADER = 'x-lab-token';
export const TOKEN_PARAM = 'token';
export const WsClientFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('call'),
    id: z.number().int().nonnegative(),
    channel: z.string(),
    request: z.unknown(),
  }),
  z.object({ type: z.literal('ack'), seq: z.number().int().nonnegative() }),
]);
export type WsClientFrame = z.infer<typeof WsClientFrame>;
export const WsResultFrame = z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), result: z.unknown() });
export type WsResultFrame = z.infer<typeof WsResultFrame>;
/** A live frame: checked by the live-wire decoder (a structural check per item), not by this schema. */
export const WsLiveFrame = z.object({ type: z.literal('live'), frame: LiveFrame });
export const WsServerFrame = z.discriminatedUnion('type', [WsResultFrame, WsLiveFrame]);
export type WsServerFrame = z.infer<typeof WsServerFrame>;

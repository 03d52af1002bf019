import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LiveBatch } from '../../shared/contract';
import {
  ActionEventPayload,
  CONNECTION_AFFORDANCE,
  ConnectionState,
  LAB_THING,
  TERMINAL_STATUSES,
  THINGS_AFFORDANCE,
  ThingSummary,
  type Invocation,
  type ThingSummary as ThingSummaryType,
} from '../../shared/model';
import { z } from 'zod';
import { EVENTS_AFFORDANCE, HistoryEvent } from '../../shared/history';
import { createConnectionSlice, type LiveStats } from './connection-slice';
import { appendEvents, createEventsSlice, matchesQuery, toTimelineEvent, type NewTimelineEvent } from './events-slice';
import { applyActionPayload, boundInvocations, createInvocationsSlice } from './invocations-slice';
import { liveKey } from './keys';
import { createLiveSliceState, type BatchOutcome, type LiveValue } from './live-slice';
import { SeriesRegistry } from './series';
import { createThingsSlice, keepSelection, withConnection } from './things-slice';
import type { LabState } from './types';
import { createWatchSlice } from './watch-slice';

export type LabStore = StoreApi<LabState>;

export interface LabStoreOptions {
  series?: SeriesRegistry;
  /** Minimum spacing of timeline entries for one numeric property (readability, not storage). */
  numericEventSpacingMs?: number;
  /**
   * Minimum spacing for other property kinds (booleans, enums, strings). None by default:
   * each of their changes is a state change (moving → stopped) the operator must see.
   */
  discreteEventSpacingMs?: number;
}

const ThingList = z.array(ThingSummary);
const RecordedEvents = z.array(HistoryEvent);

const formatShort = (value: unknown): string => {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? `[${value.length} values]` : '{…}';
};

/**
 * The renderer's one store. Slices: things (summaries, TDs, selection, instruments), live
 * values, invocations, connection (host link and live-channel stats) and events (timeline).
 */
export function createLabStore(options: LabStoreOptions = {}): LabStore {
  const series = options.series ?? new SeriesRegistry();
  const numericSpacing = options.numericEventSpacingMs ?? 10_000;
  const discreteSpacing = options.discreteEventSpacingMs ?? 0;
  // Bookkeeping nobody renders: last seq per key and the timeline sampler.
  let lastSeq = new Map<string, number>();
  const lastEventAt = new Map<string, { at: number; value: unknown }>();
  // Changes the sampler held back, logged once their spacing has passed: the last value of a
  // burst (a setpoint written twice within a second) must not go missing from the timeline.
  const heldBack = new Map<string, { thing: string; affordance: string; value: unknown; time: number }>();
  const spacingFor = (value: unknown): number => (typeof value === 'number' ? numericSpacing : discreteSpacing);
  const propertyEvent = (thing: string, affordance: string, value: unknown, time: number): NewTimelineEvent => ({
    time,
    thing,
    kind: 'property',
    text: `${affordance} = ${formatShort(value)}`,
    level: 'info',
  });
  // Last status the live stream reported per unfinished invocation. The timeline follows the
  // stream, not the store: the invoke and cancel results often update the store first.
  const lastLiveStatus = new Map<string, Invocation['status']>();
  const MAX_TRACKED_INVOCATIONS = 500;

  return createStore<LabState>()((set, get, api) => ({
    ...createThingsSlice(set, get, api),
    ...createInvocationsSlice(set, get, api),
    ...createConnectionSlice(set, get, api),
    ...createEventsSlice(set, get, api),
    ...createLiveSliceState(),
    ...createWatchSlice(set, get, api),

    applyBatch(batch: LiveBatch, receivedAt = Date.now()): BatchOutcome {
      const state = get();
      const outcome: BatchOutcome = { refetch: [] };
      let live: Record<string, LiveValue> | undefined;
      let things: ThingSummaryType[] = state.things;
      let invocations: Record<string, Invocation> = state.invocations;
      const events: NewTimelineEvent[] = [];
      // With a recorder, the timeline is the recording: this window derives none of its own.
      const derive = state.timelineSource === 'live';
      const shownRecorded = new Set<string>();
      for (const event of state.events) if (event.recordedId !== undefined) shownRecorded.add(event.recordedId);
      const stats: LiveStats = { ...state.stats, batches: state.stats.batches + 1 };
      if (stats.lastBatchSeq > 0 && batch.seq > stats.lastBatchSeq + 1) stats.missedBatches += batch.seq - stats.lastBatchSeq - 1;
      stats.lastBatchSeq = batch.seq;
      stats.conflated += batch.conflated;
      stats.dropped += batch.dropped;

      for (const item of batch.items) {
        const key = liveKey(item.thing, item.affordance);
        const previousSeq = lastSeq.get(key) ?? 0;
        // Older or repeated than what we hold: a replay after a reconnect race; never go back.
        if (item.seq <= previousSeq) continue;
        // A gap on a property key is conflation (expected); actions are never conflated, so
        // a gap there is a lost transition.
        const gap = item.seq > previousSeq + 1 && previousSeq > 0;
        if (gap && item.messageType === 'action') stats.skipped += item.seq - previousSeq - 1;
        lastSeq.set(key, item.seq);

        if (item.messageType === 'action') {
          const parsed = ActionEventPayload.safeParse(item.payload);
          if (!parsed.success) continue;
          const before = invocations[parsed.data.invocation.id];
          invocations = applyActionPayload(invocations, parsed.data);
          const inv = parsed.data.invocation;
          // Live messages lost on this key may have carried log records: refetch the full one.
          if (gap) outcome.refetch.push({ thing: inv.thing, id: inv.id });
          const liveBefore = lastLiveStatus.get(inv.id);
          if (TERMINAL_STATUSES.includes(inv.status)) lastLiveStatus.delete(inv.id);
          else {
            lastLiveStatus.set(inv.id, inv.status);
            const oldest = lastLiveStatus.keys().next().value;
            if (lastLiveStatus.size > MAX_TRACKED_INVOCATIONS && oldest !== undefined) lastLiveStatus.delete(oldest);
          }
          // First message seen for an invocation: new unless the store already had that status
          // (a reload lists running ones); `pending` is only ever published for a fresh request.
          const announce = derive && (liveBefore !== undefined ? liveBefore !== inv.status : before?.status !== inv.status || inv.status === 'pending');
          if (announce) {
            events.push({
              time: item.time,
              thing: item.thing,
              kind: 'action',
              text: `${inv.action} ${inv.status}${inv.status === 'error' && inv.error ? `: ${inv.error.title}` : ''}`,
              level: inv.status === 'error' ? 'error' : inv.status === 'cancelled' ? 'warn' : 'info',
            });
          }
          continue;
        }

        if (item.thing === LAB_THING && item.affordance === EVENTS_AFFORDANCE) {
          // A gap: a batch of recorded events was conflated away; the recorder has them all.
          if (gap) outcome.reloadTimeline = true;
          const parsed = RecordedEvents.safeParse(item.payload);
          if (!parsed.success) continue;
          for (const recorded of parsed.data) {
            if (shownRecorded.has(recorded.id)) continue;
            const event = toTimelineEvent(recorded);
            if (matchesQuery({ ...event, affordance: recorded.affordance }, state.timelineQuery)) events.push(event);
          }
          continue;
        }

        if (item.thing === LAB_THING && item.affordance === THINGS_AFFORDANCE) {
          const parsed = ThingList.safeParse(item.payload);
          if (parsed.success) things = parsed.data;
          continue;
        }

        if (item.affordance === CONNECTION_AFFORDANCE) {
          const parsed = ConnectionState.safeParse(item.payload);
          if (!parsed.success) continue;
          const previous = things.find((thing) => thing.name === item.thing)?.connection;
          things = withConnection(things, item.thing, parsed.data);
          if (previous?.status === 'connected' && parsed.data.status !== 'connected') series.markGap(item.thing, receivedAt);
          if (derive && previous?.status !== parsed.data.status) {
            events.push({
              time: item.time,
              thing: item.thing,
              kind: 'connection',
              text: `${parsed.data.status}${parsed.data.reason ? ` — ${parsed.data.reason}` : ''}`,
              level: parsed.data.status === 'disconnected' ? 'error' : parsed.data.status === 'connecting' ? 'warn' : 'info',
            });
          }
          continue;
        }

        // Other reserved affordances ($write, $alarm) are records, not values of the Thing.
        if (item.affordance.startsWith('$')) continue;

        live ??= { ...state.live };
        const previous = live[key];
        live[key] = { value: item.payload, time: item.time, receivedAt, seq: item.seq };
        series.record(key, item.payload, receivedAt, item);

        // Timeline: property changes, sampled so a 10 Hz value does not flood it.
        if (!derive) continue;
        if (Array.isArray(item.payload) || (typeof item.payload === 'object' && item.payload !== null)) continue;
        const sampled = lastEventAt.get(key);
        const changed = previous === undefined || !Object.is(previous.value, item.payload);
        if (!changed || Object.is(sampled?.value, item.payload)) {
          heldBack.delete(key);
        } else if (!sampled || receivedAt - sampled.at >= spacingFor(item.payload)) {
          lastEventAt.set(key, { at: receivedAt, value: item.payload });
          heldBack.delete(key);
          events.push(propertyEvent(item.thing, item.affordance, item.payload, item.time));
        } else {
          heldBack.set(key, { thing: item.thing, affordance: item.affordance, value: item.payload, time: item.time });
        }
      }
      for (const [key, held] of heldBack) {
        const sampled = lastEventAt.get(key);
        if (sampled && receivedAt - sampled.at < spacingFor(held.value)) continue;
        heldBack.delete(key);
        lastEventAt.set(key, { at: receivedAt, value: held.value });
        events.push(propertyEvent(held.thing, held.affordance, held.value, held.time));
      }

      const next: Partial<LabState> = { stats, ...appendEvents(state, events) };
      if (live) next.live = live;
      if (things !== state.things) {
        next.things = things;
        next.selected = keepSelection(state.selected, things);
      }
      if (invocations !== state.invocations) next.invocations = boundInvocations(invocations);
      set(next);
      return outcome;
    },

    setReadValue(thing, property, value, at = Date.now()) {
      const key = liveKey(thing, property);
      if (get().live[key]) return;
      series.record(key, value, at);
      set((state) => ({ live: { ...state.live, [key]: { value, time: at, receivedAt: at, seq: 0 } } }));
    },

    resetSequences() {
      lastSeq = new Map();
      // Only the batch sequence restarts; losses counted so far stay counted (never silent).
      set((state) => ({ stats: { ...state.stats, lastBatchSeq: 0 } }));
    },
  }));
}

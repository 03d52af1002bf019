import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LiveBatch } from '../../shared/contract';
import { z } from 'zod';
import { EVENTS_AFFORDANCE, HistoryEvent } from '../../shared/history';
import { CONNECTION_AFFORDANCE, FRESHNESS_AFFORDANCE, LAB_THING, LAYOUTS_AFFORDANCE, THINGS_AFFORDANCE, type Invocation, type ThingSummary } from '../../shared/model';
import { createConnectionSlice, reduceStats } from './connection-slice';
import { appendEvents, copySampler, createEventsSlice, matchesQuery, releaseDue, sampleProperty, toTimelineEvent, type NewTimelineEvent } from './events-slice';
import { boundInvocations, createInvocationsSlice, reduceAction } from './invocations-slice';
import { liveKey } from './keys';
import { createLayoutsSlice, keepOpenLayout, reduceLayoutList } from './layouts-slice';
import { advanceSeq, createLiveSliceState, putLiveValue, type BatchOutcome } from './live-slice';
import { copyMap, copyRecord, createOwnership } from './owned';
import { SeriesRegistry } from './series';
import { createThingsSlice, keepSelection, reduceConnection, reduceFreshness, reduceThingList } from './things-slice';
import type { LabState } from './types';
import { createWatchSlice } from './watch-slice';
import { createAlarmsSlice, parseAlarmSnapshot } from './alarms-slice';
import { ALARMS_THING, AlarmTransition, type AlarmSnapshot } from '../../shared/alarms';
import { ALARM_AFFORDANCE } from '../../shared/model';

export type LabStore = StoreApi<LabState>;

const RecordedEvents = z.array(HistoryEvent);

export interface LabStoreOptions {
  /**
   * Numeric samples for plots, kept outside the state (plots read it directly); shared with
   * the components, so resetting the state does not clear it.
   */
  series?: SeriesRegistry;
  /** Minimum spacing of timeline entries for one numeric property (readability, not storage). */
  numericEventSpacingMs?: number;
  /**
   * Minimum spacing for other property kinds (booleans, enums, strings). None by default:
   * each of their changes is a state change (moving → stopped) the operator must see.
   */
  discreteEventSpacingMs?: number;
}

/** An alarm transition as the timeline shows it: "raised major: Output voltage 6.1 V at or above HIHI 5.8 V". */
function alarmEvent(transition: AlarmTransition, time: number): NewTimelineEvent {
  const who = transition.by === 'system' ? '' : ` by ${transition.by}`;
  const note = transition.note ? ` (${transition.note})` : '';
  const severity = transition.severity ?? '';
  const active = transition.event === 'raised' || transition.event === 'escalated' || (transition.event === 'unshelved' && transition.state === 'unacknowledged');
  return {
    time: Date.parse(transition.time) || time,
    thing: transition.thing,
    kind: 'alarm',
    text: `${transition.event} ${severity}${who}: ${transition.message}${note}`,
    level: active ? (severity === 'minor' ? 'warn' : 'error') : 'info',
  };
}

/**
 * The renderer's one store. Slices: things (summaries, TDs, selection, instruments), live
 * values, invocations, connection (host link and live-channel stats) and events (timeline).
 * All of its state, bookkeeping included, is in the state: `setState(getInitialState(), true)`
 * starts afresh. A batch is applied by each slice's reducer in turn, with one setState, at a
 * cost that grows with the items of the batch, not with what the store already holds.
 */
export function createLabStore(options: LabStoreOptions = {}): LabStore {
  const series = options.series ?? new SeriesRegistry();
  const numericSpacing = options.numericEventSpacingMs ?? 10_000;
  const discreteSpacing = options.discreteEventSpacingMs ?? 0;
  const spacingFor = (value: unknown): number => (typeof value === 'number' ? numericSpacing : discreteSpacing);
  const { own } = createOwnership();

  return createStore<LabState>()((set, get, api) => ({
    ...createThingsSlice(set, get, api),
    ...createInvocationsSlice(set, get, api),
    ...createConnectionSlice(set, get, api),
    ...createEventsSlice(set, get, api),
    ...createLayoutsSlice(set, get, api),
    ...createLiveSliceState(),
    ...createWatchSlice(set, get, api),
    ...createAlarmsSlice(set, get, api),

    applyBatch(batch: LiveBatch, receivedAt = Date.now()): BatchOutcome {
      const state = get();
      const outcome: BatchOutcome = { refetch: [] };
      const stats = reduceStats(state.stats, batch);
      const liveSeq = own(state.liveSeq, copyMap);
      // Taken on first use: a batch of actions only leaves the live record alone.
      let live: LabState['live'] | undefined;
      let liveStatus: Map<string, Invocation['status']> | undefined;
      let sampler: LabState['sampler'] | undefined;
      let things: ThingSummary[] = state.things;
      let layouts = state.layouts;
      let invocations: Record<string, Invocation> = state.invocations;
      let freshness = state.freshness;
      const events: NewTimelineEvent[] = [];
      // With a recorder, the timeline is the recording: this window derives none of its own.
      const derive = state.timelineSource === 'live';
      let shownRecorded: Set<string> | undefined;
      let alarms: AlarmSnapshot | undefined;

      for (const item of batch.items) {
        const key = liveKey(item.thing, item.affordance);
        const skipped = advanceSeq(liveSeq, key, item.seq);
        if (skipped === 'stale') continue;

        if (item.messageType === 'action') {
          // Actions are never conflated: a gap is a lost transition (a property gap is conflation).
          stats.skipped += skipped;
          liveStatus ??= own(state.liveStatus, copyMap);
          const change = reduceAction(invocations, liveStatus, item.payload, item.thing, item.time);
          if (change === undefined) continue;
          invocations = change.invocations;
          // Live messages lost on this key may have carried log records: refetch the full one.
          if (skipped > 0) outcome.refetch.push(change.ref);
          if (change.event && derive) events.push(change.event);
          continue;
        }

        if (item.thing === LAB_THING && item.affordance === EVENTS_AFFORDANCE) {
          // A gap: a batch of recorded events was conflated away; the recorder has them all.
          if (skipped > 0) outcome.reloadTimeline = true;
          const parsed = RecordedEvents.safeParse(item.payload);
          if (!parsed.success) continue;
          shownRecorded ??= new Set(state.events.flatMap((event) => (event.recordedId === undefined ? [] : [event.recordedId])));
          for (const recorded of parsed.data) {
            if (shownRecorded.has(recorded.id)) continue;
            const event = toTimelineEvent(recorded);
            if (matchesQuery({ ...event, affordance: recorded.affordance }, state.timelineQuery)) events.push(event);
          }
          continue;
        }

        if (item.thing === ALARMS_THING) {
          alarms = parseAlarmSnapshot(item.payload) ?? alarms;
          continue;
        }
        if (item.affordance === ALARM_AFFORDANCE) {
          const parsed = AlarmTransition.safeParse(item.payload);
          if (parsed.success) events.push(alarmEvent(parsed.data, item.time));
          continue;
        }

        if (item.thing === LAB_THING && item.affordance === THINGS_AFFORDANCE) {
          things = reduceThingList(things, item.payload);
          continue;
        }

        if (item.thing === LAB_THING && item.affordance === LAYOUTS_AFFORDANCE) {
          layouts = reduceLayoutList(layouts, item.payload);
          continue;
        }

        if (item.affordance === FRESHNESS_AFFORDANCE) {
          freshness = reduceFreshness(freshness, item.thing, item.payload);
          continue;
        }

        if (item.affordance === CONNECTION_AFFORDANCE) {
          const change = reduceConnection(things, item.thing, item.payload, item.time);
          if (change === undefined) continue;
          things = change.things;
          if (change.lost) series.markGap(item.thing, receivedAt);
          if (change.event && derive) events.push(change.event);
          continue;
        }

        // Other reserved affordances ($write, $alarm) are records, not values of the Thing.
        if (item.affordance.startsWith('$')) continue;

        live ??= own(state.live, copyRecord);
        const previous = putLiveValue(live, key, item.payload, item.time, receivedAt, item.seq);
        series.record(key, item.payload, receivedAt, item);
        if (!derive) continue;
        sampler ??= own(state.sampler, copySampler);
        sampleProperty(sampler, spacingFor, key, item.thing, item.affordance, item.payload, item.time, previous, receivedAt, events);
      }
      sampler ??= state.sampler.due.length > 0 ? own(state.sampler, copySampler) : undefined;
      if (sampler) releaseDue(sampler, spacingFor, receivedAt, events);

      const next: Partial<LabState> = { stats, liveSeq, ...appendEvents(state, events) };
      if (live) next.live = live;
      if (alarms) next.alarms = alarms;
      if (liveStatus) next.liveStatus = liveStatus;
      if (sampler) next.sampler = sampler;
      if (freshness !== state.freshness) next.freshness = freshness;
      if (things !== state.things) {
        next.things = things;
        next.selected = keepSelection(state.selected, things);
      }
      if (layouts !== state.layouts) {
        next.layouts = layouts;
        next.openLayout = keepOpenLayout(state.openLayout, layouts);
      }
      if (invocations !== state.invocations) next.invocations = boundInvocations(invocations);
      set(next);
      return outcome;
    },

    setReadValue(thing, property, value, at = Date.now(), readSince) {
      const key = liveKey(thing, property);
      const state = get();
      const held = state.live[key];
      if (held && (readSince === undefined || held.receivedAt >= readSince)) return;
      series.record(key, value, at);
      const live = own(state.live, copyRecord);
      putLiveValue(live, key, value, at, at, 0);
      set({ live });
    },

    resetSequences() {
      // Only the sequences restart; losses counted so far stay counted (never silent).
      set((state) => ({ liveSeq: new Map(), stats: { ...state.stats, lastBatchSeq: 0 } }));
    },
  }));
}

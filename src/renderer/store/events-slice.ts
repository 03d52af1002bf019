import type { HistoryEvent, RecorderStatus } from '../../shared/history';
import type { SliceCreator } from './types';

export type EventKind = 'property' | 'action' | 'write' | 'connection' | 'alarm';
export const EVENT_KINDS: readonly EventKind[] = ['property', 'action', 'write', 'connection', 'alarm'];

export interface TimelineEvent {
  id: number;
  /** ms since the epoch. */
  time: number;
  /** Empty for events of the link to the host itself. */
  thing: string;
  kind: EventKind;
  text: string;
  level: 'info' | 'warn' | 'error';
  /** The recorder's id when the event comes from the recording. */
  recordedId?: string;
}

export type NewTimelineEvent = Omit<TimelineEvent, 'id'>;

/** Kept in memory: enough for an hour of a busy bench, bounded so a long run never grows. */
export const MAX_EVENTS = 2000;

/** What the timeline shows: asked of the recorder, and applied to live events as they come. */
export interface TimelineQuery {
  thing: string;
  kinds: readonly EventKind[];
  text: string;
}

export interface EventsSlice {
  events: TimelineEvent[];
  nextEventId: number;
  /** Which property changes the timeline logged and held back (bookkeeping nobody renders). */
  sampler: PropertySampler;
  /**
   * 'recorder' once the recorder answered: the timeline is the recording (the same in every
   * window, complete after a reload) plus its live additions; 'live' (no recorder) derives it
   * from what this window receives.
   */
  timelineSource: 'live' | 'recorder';
  timelineQuery: TimelineQuery;
  /** Cursor of the page before the oldest event shown; null when there is none. */
  olderCursor: string | null;
  recorder: RecorderStatus | null;
  addEvent(event: NewTimelineEvent): void;
  setTimelineQuery(query: Partial<TimelineQuery>): void;
  /** Replaces the timeline with a page from the recorder (newest first, as it answers). */
  showRecorded(events: readonly HistoryEvent[], next: string | null): void;
  /** Older page from the recorder, added at the start. */
  addOlder(events: readonly HistoryEvent[], next: string | null): void;
  /** Newly recorded events pushed live; those not matching the query are left out. */
  addRecorded(events: readonly HistoryEvent[]): void;
  setRecorderStatus(status: RecorderStatus | null): void;
}

const levelOf = (event: HistoryEvent): TimelineEvent['level'] => {
  const detail = (typeof event.detail === 'object' && event.detail !== null ? event.detail : {}) as Record<string, unknown>;
  if (event.kind === 'action') {
    const status = (detail['invocation'] as { status?: unknown } | undefined)?.status;
    return status === 'error' ? 'error' : status === 'cancelled' ? 'warn' : 'info';
  }
  if (event.kind === 'connection') return detail['status'] === 'disconnected' ? 'error' : detail['status'] === 'connecting' ? 'warn' : 'info';
  if (event.kind === 'write') return detail['ok'] === false ? 'error' : 'info';
  if (event.kind === 'alarm') return detail['state'] === 'normal' || detail['state'] === 'cleared' ? 'info' : 'warn';
  return 'info';
};

export function toTimelineEvent(event: HistoryEvent): NewTimelineEvent {
  return { time: Date.parse(event.time), thing: event.thing, kind: event.kind, text: event.summary, level: levelOf(event), recordedId: event.id };
}

/** The recorder's own test, applied to live events so they join the shown query correctly. */
export function matchesQuery(event: Pick<TimelineEvent, 'thing' | 'kind' | 'text'> & { affordance?: string }, query: TimelineQuery): boolean {
  if (query.thing !== '' && event.thing !== query.thing) return false;
  if (!query.kinds.includes(event.kind)) return false;
  const text = query.text.trim().toLowerCase();
  if (text === '') return true;
  return [event.thing, event.affordance ?? '', event.text].some((field) => field.toLowerCase().includes(text));
}

export const createEventsSlice: SliceCreator<EventsSlice> = (set) => ({
  events: [],
  nextEventId: 1,
  sampler: createSampler(),
  timelineSource: 'live',
  timelineQuery: { thing: '', kinds: EVENT_KINDS, text: '' },
  olderCursor: null,
  recorder: null,
  addEvent: (event) => set((state) => appendEvents(state, [event])),
  setTimelineQuery: (query) => set((state) => ({ timelineQuery: { ...state.timelineQuery, ...query } })),
  showRecorded: (events, next) =>
    set((state) => {
      // Events of the link to the host are this window's own: they stay.
      const local = state.events.filter((event) => event.recordedId === undefined && event.thing === '');
      const recorded = [...events].reverse().map(toTimelineEvent);
      // Events that arrived live while the page was being asked for stay, if they match.
      const newest = events.reduce((top, event) => Math.max(top, Number(event.id)), 0);
      const arrived = state.events.filter((event) => event.recordedId !== undefined && Number(event.recordedId) > newest && matchesQuery(event, state.timelineQuery));
      const merged = [...local, ...arrived].map(({ id: _id, ...rest }) => rest).concat(recorded).sort((a, b) => a.time - b.time);
      return { ...appendEvents({ events: [], nextEventId: state.nextEventId }, merged), olderCursor: next, timelineSource: 'recorder' };
    }),
  addOlder: (events, next) =>
    set((state) => {
      const have = new Set(state.events.map((event) => event.recordedId));
      let id = state.nextEventId;
      const older = [...events]
        .reverse()
        .filter((event) => !have.has(event.id))
        .map((event) => ({ ...toTimelineEvent(event), id: id++ }));
      // Paging back grows the list beyond MAX_EVENTS only as far as the operator asks.
      return { events: [...older, ...state.events], nextEventId: id, olderCursor: next };
    }),
  addRecorded: (events) =>
    set((state) => {
      const have = new Set(state.events.map((event) => event.recordedId).filter((id) => id !== undefined));
      const added = events.filter((event) => !have.has(event.id) && matchesQuery({ ...toTimelineEvent(event), affordance: event.affordance }, state.timelineQuery));
      return appendEvents(state, added.map(toTimelineEvent));
    }),
  setRecorderStatus: (recorder) => set({ recorder }),
});

/** Appends and keeps the newest MAX_EVENTS; returns the same array when nothing is added. */
export function appendEvents(
  state: Pick<EventsSlice, 'events' | 'nextEventId'>,
  added: readonly NewTimelineEvent[],
  max = MAX_EVENTS,
): Pick<EventsSlice, 'events' | 'nextEventId'> {
  if (added.length === 0) return { events: state.events, nextEventId: state.nextEventId };
  let id = state.nextEventId;
  const fresh = added.map((event) => ({ ...event, id: id++ }));
  const joined = state.events.concat(fresh);
  return { events: joined.length > max ? joined.slice(joined.length - max) : joined, nextEventId: id };
}

interface HeldChange {
  thing: string;
  affordance: string;
  value: unknown;
  time: number;
}

/**
 * The timeline's sampler of property changes: one entry per key at most per spacing, and the
 * last value of a burst logged once its spacing has passed. Held-back changes wait in a heap
 * by due time, so a batch costs its items and the changes that fall due, not every key held.
 */
export interface PropertySampler {
  /** Per key: the value last logged and when (receive time). */
  readonly logged: Map<string, { at: number; value: unknown }>;
  /** Per key: the change held back. */
  readonly held: Map<string, HeldChange>;
  /** Min-heap of (due time, key); entries whose key is no longer held, or not yet due, are skipped. */
  readonly due: Array<{ at: number; key: string }>;
}

export const createSampler = (): PropertySampler => ({ logged: new Map(), held: new Map(), due: [] });

export const copySampler = (sampler: PropertySampler): PropertySampler => ({
  logged: new Map(sampler.logged),
  // Held changes are updated in place: the copy gets its own.
  held: new Map([...sampler.held].map(([key, change]) => [key, { ...change }])),
  due: sampler.due.slice(),
});

type Spacing = (value: unknown) => number;

const propertyEvent = (change: HeldChange): NewTimelineEvent => ({
  time: change.time,
  thing: change.thing,
  kind: 'property',
  text: `${change.affordance} = ${formatShort(change.value)}`,
  level: 'info',
});

function formatShort(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? `[${value.length} values]` : '{…}';
}

function heapPush(heap: Array<{ at: number; key: string }>, entry: { at: number; key: string }): void {
  heap.push(entry);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const up = heap[parent] as { at: number; key: string };
    if (up.at <= entry.at) break;
    heap[i] = up;
    i = parent;
  }
  heap[i] = entry;
}

function heapPop(heap: Array<{ at: number; key: string }>): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && (heap[right] as { at: number }).at < (heap[left] as { at: number }).at ? right : left;
    const down = heap[child] as { at: number; key: string };
    if (down.at >= last.at) break;
    heap[i] = down;
    i = child;
  }
  heap[i] = last;
}

/**
 * One property value that reached the store (the caller owns `sampler`). Logs it at once if
 * it changed and its spacing since the last logged one has passed, holds it back otherwise.
 */
export function sampleProperty(
  sampler: PropertySampler,
  spacingFor: Spacing,
  key: string,
  thing: string,
  affordance: string,
  value: unknown,
  time: number,
  previous: { value: unknown } | undefined,
  receivedAt: number,
  events: NewTimelineEvent[],
): void {
  // Arrays and objects (spectra, positions) are not timeline material.
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) return;
  const sampled = sampler.logged.get(key);
  const changed = previous === undefined || !Object.is(previous.value, value);
  if (!changed || Object.is(sampled?.value, value)) {
    sampler.held.delete(key);
  } else if (!sampled || receivedAt - sampled.at >= spacingFor(value)) {
    sampler.logged.set(key, { at: receivedAt, value });
    sampler.held.delete(key);
    events.push(propertyEvent({ thing, affordance, value, time }));
  } else {
    // Allocates only here: most updates of a busy property land in this branch once per spacing.
    const before = sampler.held.get(key);
    const spacing = spacingFor(value);
    if (before === undefined) {
      sampler.held.set(key, { thing, affordance, value, time });
      heapPush(sampler.due, { at: sampled.at + spacing, key });
    } else {
      const respace = spacingFor(before.value) !== spacing;
      before.value = value;
      before.time = time;
      if (respace) heapPush(sampler.due, { at: sampled.at + spacing, key });
    }
  }
}

/** Logs the held-back changes whose spacing has passed by `receivedAt`, earliest first. */
export function releaseDue(sampler: PropertySampler, spacingFor: Spacing, receivedAt: number, events: NewTimelineEvent[]): void {
  const heap = sampler.due;
  while (heap.length > 0 && (heap[0] as { at: number }).at <= receivedAt) {
    const { key } = heap[0] as { key: string };
    heapPop(heap);
    const held = sampler.held.get(key);
    if (held === undefined) continue; // logged or settled meanwhile
    const sampled = sampler.logged.get(key);
    if (sampled && receivedAt - sampled.at < spacingFor(held.value)) continue; // another entry is due later
    sampler.held.delete(key);
    sampler.logged.set(key, { at: receivedAt, value: held.value });
    events.push(propertyEvent(held));
  }
}

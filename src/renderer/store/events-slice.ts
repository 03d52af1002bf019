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

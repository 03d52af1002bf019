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
}

export type NewTimelineEvent = Omit<TimelineEvent, 'id'>;

/** Kept in memory: enough for an hour of a busy bench, bounded so a long run never grows. */
export const MAX_EVENTS = 2000;

export interface EventsSlice {
  events: TimelineEvent[];
  nextEventId: number;
  addEvent(event: NewTimelineEvent): void;
}

export const createEventsSlice: SliceCreator<EventsSlice> = (set) => ({
  events: [],
  nextEventId: 1,
  addEvent: (event) => set((state) => appendEvents(state, [event])),
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

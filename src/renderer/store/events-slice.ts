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
  /** Which property changes the timeline logged and held back (bookkeeping nobody renders). */
  sampler: PropertySampler;
  addEvent(event: NewTimelineEvent): void;
}

export const createEventsSlice: SliceCreator<EventsSlice> = (set) => ({
  events: [],
  nextEventId: 1,
  sampler: createSampler(),
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

import { EVENT_KINDS, type TimelineQuery } from '../store/events-slice';
import type { LabStore } from '../store/lab-store';
import type { LabClient } from './lab-client';

/** How many events one page of the timeline asks the recorder for. */
export const TIMELINE_PAGE = 200;

const requestFor = (query: TimelineQuery) => ({
  limit: TIMELINE_PAGE,
  ...(query.thing !== '' ? { things: [query.thing] } : {}),
  ...(query.kinds.length !== EVENT_KINDS.length ? { kinds: [...query.kinds] } : {}),
  ...(query.text.trim() !== '' ? { text: query.text.trim() } : {}),
});

let generation = 0;

/**
 * Asks the recorder for the newest page of the timeline for the store's query and shows it.
 * Without a recorder the timeline stays what this window derives live. Only the answer to the
 * latest request is shown (typing in the search box asks often).
 */
export async function loadTimeline(client: LabClient, store: LabStore): Promise<boolean> {
  const mine = ++generation;
  const query = store.getState().timelineQuery;
  const result = await client.call('lab:history:events', requestFor(query));
  if (mine !== generation || !result.ok) return false;
  store.getState().showRecorded(result.value.events, result.value.next);
  return true;
}

/** The page before the oldest event shown. */
export async function loadOlderEvents(client: LabClient, store: LabStore): Promise<void> {
  const { olderCursor, timelineQuery } = store.getState();
  if (olderCursor === null) return;
  const mine = generation;
  const result = await client.call('lab:history:events', { ...requestFor(timelineQuery), before: olderCursor });
  if (mine !== generation || !result.ok) return;
  store.getState().addOlder(result.value.events, result.value.next);
}

export async function refreshRecorderStatus(client: LabClient, store: LabStore): Promise<void> {
  const result = await client.call('lab:recorder:status', {});
  if (result.ok) store.getState().setRecorderStatus(result.value);
}

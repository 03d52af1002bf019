import { compareIso } from '../../shared/time';
import { ActionEventPayload, TERMINAL_STATUSES, type Invocation, type LogRecord } from '../../shared/model';
import type { NewTimelineEvent } from './events-slice';
import type { SliceCreator } from './types';

/** Invocations kept; the oldest finished ones go first. */
export const MAX_INVOCATIONS = 200;
/** Log records kept per invocation (the newest). */
export const MAX_LOG = 500;

/** Unfinished invocations whose last live status is remembered, at most. */
export const MAX_TRACKED_INVOCATIONS = 500;

export interface InvocationsSlice {
  invocations: Record<string, Invocation>;
  /**
   * Last status the live stream reported per unfinished invocation (bookkeeping nobody
   * renders). The timeline follows the stream, not the store: the invoke and cancel results
   * often update the store first.
   */
  liveStatus: Map<string, Invocation['status']>;
  /** Full invocations from a list or get call (after a reload, after a gap). */
  putInvocations(list: readonly Invocation[]): void;
  /** Ends the unfinished invocations of these Things as failed with the reason (the Things are gone). */
  endOpenInvocations(things: readonly string[], reason: string, at?: number): void;
}

export const createInvocationsSlice: SliceCreator<InvocationsSlice> = (set) => ({
  invocations: {},
  liveStatus: new Map(),
  putInvocations: (list) =>
    set((state) => {
      let next = state.invocations;
      for (const invocation of list) next = putInvocation(next, invocation);
      return { invocations: boundInvocations(next) };
    }),
  endOpenInvocations: (things, reason, at = Date.now()) =>
    set((state) => {
      const gone = new Set(things);
      const open = Object.values(state.invocations).filter((invocation) => gone.has(invocation.thing) && !isTerminal(invocation));
      if (open.length === 0) return {};
      const next = { ...state.invocations };
      const timeCompleted = new Date(at).toISOString();
      for (const invocation of open) next[invocation.id] = { ...invocation, status: 'error', timeCompleted, error: { title: reason } };
      return { invocations: next };
    }),
});

const isTerminal = (invocation: Pick<Invocation, 'status'>): boolean => TERMINAL_STATUSES.includes(invocation.status);
const sameRecord = (a: LogRecord, b: LogRecord): boolean => a.time === b.time && a.message === b.message && a.level === b.level;

/** Appends records not already at the end of the log (a list call and a live message may overlap). */
export function mergeLog(log: readonly LogRecord[], added: readonly LogRecord[]): LogRecord[] {
  if (added.length === 0) return [...log];
  const tail = log.slice(-Math.max(added.length * 2, 20));
  const fresh = added.filter((record) => !tail.some((seen) => sameRecord(seen, record)));
  const joined = log.concat(fresh);
  return joined.length > MAX_LOG ? joined.slice(joined.length - MAX_LOG) : joined;
}

/** pending → running → finished: the only order an invocation moves in. */
const stage = (invocation: Pick<Invocation, 'status'>): number => (isTerminal(invocation) ? 2 : invocation.status === 'running' ? 1 : 0);

/**
 * An invocation never moves back (finished → running, running → pending): a call reply
 * (invoke, cancel, list) can arrive after live messages that already reported a later status.
 */
function keepsCurrent(current: Invocation | undefined, incoming: Pick<Invocation, 'status'>): boolean {
  return current !== undefined && stage(incoming) < stage(current);
}

/** A live `action` message: the invocation without its log, plus the new records. */
export function applyActionPayload(map: Record<string, Invocation>, payload: ActionEventPayload): Record<string, Invocation> {
  const current = map[payload.invocation.id];
  if (keepsCurrent(current, payload.invocation)) return map;
  const log = mergeLog(current?.log ?? [], payload.newLog);
  return { ...map, [payload.invocation.id]: { ...payload.invocation, log } };
}

/** A full invocation: its log is authoritative, but records we already hold beyond it are kept. */
export function putInvocation(map: Record<string, Invocation>, invocation: Invocation): Record<string, Invocation> {
  const current = map[invocation.id];
  if (keepsCurrent(current, invocation)) return map;
  const log = current && current.log.length > invocation.log.length ? mergeLog(invocation.log, current.log) : mergeLog([], invocation.log);
  return { ...map, [invocation.id]: { ...invocation, log } };
}

/** Drops the oldest finished invocations beyond the bound; running ones are always kept. */
export function boundInvocations(map: Record<string, Invocation>, max = MAX_INVOCATIONS): Record<string, Invocation> {
  const all = Object.values(map);
  if (all.length <= max) return map;
  const finished = all.filter(isTerminal).sort((a, b) => compareIso(a.timeRequested, b.timeRequested));
  const drop = new Set(finished.slice(0, all.length - max).map((invocation) => invocation.id));
  return Object.fromEntries(all.filter((invocation) => !drop.has(invocation.id)).map((invocation) => [invocation.id, invocation]));
}

export interface ActionChange {
  invocations: Record<string, Invocation>;
  /** Which invocation the item was about. */
  ref: { thing: string; id: string };
  event: NewTimelineEvent | undefined;
}

/**
 * A live `action` item. `liveStatus` is mutated (the caller owns it); undefined if the
 * payload does not parse.
 */
export function reduceAction(
  invocations: Record<string, Invocation>,
  liveStatus: Map<string, Invocation['status']>,
  payload: unknown,
  thing: string,
  time: number,
): ActionChange | undefined {
  const parsed = ActionEventPayload.safeParse(payload);
  if (!parsed.success) return undefined;
  const inv = parsed.data.invocation;
  const before = invocations[inv.id];
  const next = applyActionPayload(invocations, parsed.data);
  const liveBefore = liveStatus.get(inv.id);
  if (TERMINAL_STATUSES.includes(inv.status)) liveStatus.delete(inv.id);
  else {
    liveStatus.set(inv.id, inv.status);
    const oldest = liveStatus.keys().next().value;
    if (liveStatus.size > MAX_TRACKED_INVOCATIONS && oldest !== undefined) liveStatus.delete(oldest);
  }
  // First message seen for an invocation: new unless the store already had that status
  // (a reload lists running ones); `pending` is only ever published for a fresh request.
  const announce = liveBefore !== undefined ? liveBefore !== inv.status : before?.status !== inv.status || inv.status === 'pending';
  return {
    invocations: next,
    ref: { thing: inv.thing, id: inv.id },
    event: announce
      ? {
          time,
          thing,
          kind: 'action',
          text: `${inv.action} ${inv.status}${inv.status === 'error' && inv.error ? `: ${inv.error.title}` : ''}`,
          level: inv.status === 'error' ? 'error' : inv.status === 'cancelled' ? 'warn' : 'info',
        }
      : undefined,
  };
}

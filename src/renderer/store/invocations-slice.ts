import { compareIso } from '../../shared/time';
import { TERMINAL_STATUSES, type ActionEventPayload, type Invocation, type LogRecord } from '../../shared/model';
import type { SliceCreator } from './types';

/** Invocations kept; the oldest finished ones go first. */
export const MAX_INVOCATIONS = 200;
/** Log records kept per invocation (the newest). */
export const MAX_LOG = 500;

export interface InvocationsSlice {
  invocations: Record<string, Invocation>;
  /** Full invocations from a list or get call (after a reload, after a gap). */
  putInvocations(list: readonly Invocation[]): void;
}

export const createInvocationsSlice: SliceCreator<InvocationsSlice> = (set) => ({
  invocations: {},
  putInvocations: (list) =>
    set((state) => {
      let next = state.invocations;
      for (const invocation of list) next = putInvocation(next, invocation);
      return { invocations: boundInvocations(next) };
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

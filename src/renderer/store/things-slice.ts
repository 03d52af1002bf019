import type { Instrument } from '../../shared/contract';
import { z } from 'zod';
import { ConnectionState, FreshnessMap, ThingSummary, type ThingDescription } from '../../shared/model';
import type { NewTimelineEvent } from './events-slice';
import type { SliceCreator } from './types';

export interface ThingsSlice {
  things: ThingSummary[];
  /** Thing Descriptions by Thing name, fetched when a Thing is first opened. */
  tds: Record<string, ThingDescription>;
  selected: string | null;
  instruments: Instrument[];
  /** How each Thing keeps its properties fresh (pushed, polled, on demand), by Thing name. */
  freshness: Record<string, FreshnessMap>;
  setFreshness(name: string, freshness: FreshnessMap): void;
  setThings(things: ThingSummary[]): void;
  setTd(name: string, td: ThingDescription): void;
  select(name: string | null): void;
  setInstruments(instruments: Instrument[]): void;
}

export const createThingsSlice: SliceCreator<ThingsSlice> = (set) => ({
  things: [],
  tds: {},
  selected: null,
  instruments: [],
  freshness: {},
  setFreshness: (name, freshness) => set((state) => ({ freshness: { ...state.freshness, [name]: freshness } })),
  setThings: (things) => set((state) => ({ things, selected: keepSelection(state.selected, things) })),
  setTd: (name, td) => set((state) => ({ tds: { ...state.tds, [name]: td } })),
  select: (selected) => set({ selected }),
  setInstruments: (instruments) => set({ instruments }),
});

/** A `$freshness` message: the Thing's new map, or the same record when the payload is not one. */
export function reduceFreshness(freshness: Record<string, FreshnessMap>, thing: string, payload: unknown): Record<string, FreshnessMap> {
  const parsed = FreshnessMap.safeParse(payload);
  return parsed.success ? { ...freshness, [thing]: parsed.data } : freshness;
}

/** Keeps the selection while its Thing exists; otherwise falls back to the first Thing. */
export function keepSelection(selected: string | null, things: readonly ThingSummary[]): string | null {
  if (selected !== null && things.some((thing) => thing.name === selected)) return selected;
  return things[0]?.name ?? null;
}

export function withConnection(things: ThingSummary[], name: string, connection: ConnectionState): ThingSummary[] {
  return things.map((thing) => (thing.name === name ? { ...thing, connection } : thing));
}

const ThingList = z.array(ThingSummary);

/** A `($lab, things)` payload: the new list, or the current one if it does not parse. */
export function reduceThingList(things: ThingSummary[], payload: unknown): ThingSummary[] {
  const parsed = ThingList.safeParse(payload);
  return parsed.success ? parsed.data : things;
}

export interface ConnectionChange {
  things: ThingSummary[];
  /** The Thing was connected and is not any more: its plots break here. */
  lost: boolean;
  event: NewTimelineEvent | undefined;
}

/** A `(thing, $connection)` payload; undefined if it does not parse. */
export function reduceConnection(things: ThingSummary[], thing: string, payload: unknown, time: number): ConnectionChange | undefined {
  const parsed = ConnectionState.safeParse(payload);
  if (!parsed.success) return undefined;
  const state = parsed.data;
  const previous = things.find((summary) => summary.name === thing)?.connection;
  const changed = previous?.status !== state.status;
  return {
    things: withConnection(things, thing, state),
    lost: previous?.status === 'connected' && state.status !== 'connected',
    event: changed
      ? {
          time,
          thing,
          kind: 'connection',
          text: `${state.status}${state.reason ? ` — ${state.reason}` : ''}`,
          level: state.status === 'disconnected' ? 'error' : state.status === 'connecting' ? 'warn' : 'info',
        }
      : undefined,
  };
}

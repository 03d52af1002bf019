import type { Instrument } from '../../shared/contract';
import type { ConnectionState, FreshnessMap, ThingDescription, ThingSummary } from '../../shared/model';
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

/** Keeps the selection while its Thing exists; otherwise falls back to the first Thing. */
export function keepSelection(selected: string | null, things: readonly ThingSummary[]): string | null {
  if (selected !== null && things.some((thing) => thing.name === selected)) return selected;
  return things[0]?.name ?? null;
}

export function withConnection(things: ThingSummary[], name: string, connection: ConnectionState): ThingSummary[] {
  return things.map((thing) => (thing.name === name ? { ...thing, connection } : thing));
}

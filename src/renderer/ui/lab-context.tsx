import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { LabClient } from '../lab/lab-client';
import type { ThingWatch } from '../lab/thing-watch';
import type { LabStore } from '../store/lab-store';
import type { SeriesRegistry } from '../store/series';
import type { LabState } from '../store/types';
import type { Ticker } from './ticker';

export interface LabContextValue {
  store: LabStore;
  client: LabClient;
  series: SeriesRegistry;
  ticker: Ticker;
  /** What is followed of every Thing (connection, actions); views add their own selectors. */
  watch?: ThingWatch;
}

export const LabContext = createContext<LabContextValue | null>(null);

export function useLabContext(): LabContextValue {
  const value = useContext(LabContext);
  if (!value) throw new Error('LabContext is missing');
  return value;
}

/** Selects from the lab store; select one primitive (or use useShallow for small lists). */
export function useLab<T>(selector: (state: LabState) => T): T {
  return useStore(useLabContext().store, selector);
}
